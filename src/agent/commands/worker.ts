/**
 * `dmgw worker --job FILE`: runs one job for the host and nothing else (actions/runner's Runner.Worker). Reads the
 * job message, runs the pipeline, writes RunEvents as ndjson on stdout. Exit codes (src/common/exitCodes.ts):
 * 0 Succeeded, 1 Failed, 4 Cancelled (SIGTERM: the run was cancelled), 70 a bug; a worker that dies without
 * reporting `run-finished` is a crash to the host, which releases the job for another attempt.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DmgwError, isDmgwError } from '../../common/errors.js';
import type { RunEvent } from '../../common/events.js';
import { ExitCode } from '../../common/exitCodes.js';
import type { JobMessage, ProbeMessage } from '../../common/gateway/protocol.js';
import { nameKey } from '../../common/model/factory.js';
import { testLinkedService } from '../connectors/testLinkedService.js';
import { redact } from '../../common/redact.js';
import type { CleanupRequest } from '../../common/staging.js';
import { journalTo } from '../connectors/stagingJournal.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { removeLeftovers } from '../worker/cleanup.js';
import { factoryOfJob, factoryOfProbe } from '../worker/jobFactory.js';
import { runPipeline } from '../worker/runPipeline.js';
import { type Command } from './command.js';

const usage = `Usage:
  dmgw worker --job FILE|-
      Runs one job of the host (a pipeline run from the factory service) and writes its RunEvents as ndjson on
      stdout; what it stages goes to the host on fd DMGW_STAGING_FD. Started by \`dmgw host\`; not meant to be run
      by hand.
  dmgw worker --probe FILE|-
      Runs one interactive job of the host (Test Connection of a linked service, sent by the factory service) and
      writes the connector's report as one JSON line on stdout.
  dmgw worker --cleanup FILE|-
      Removes what a killed worker left staged (staging tables, temp files, uncommitted blob blocks), as its host
      lists them; one JSON result per item on stdout.`;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run one job for the host (internal)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { job: { type: 'string' }, probe: { type: 'string' }, cleanup: { type: 'string' } }, strict: true });
    const input = values.cleanup ?? values.probe ?? values.job;
    if (!input) throw new DmgwError('USAGE', '--job (or --probe, --cleanup) is required', {}, usage.split('\n')[1]);
    let text: string;
    if (input === '-') {
      text = '';
      for await (const c of io.stdin) text += String(c);
    } else text = readFileSync(input, 'utf8');
    // the node's proxy, for the job's cloud data traffic (Azure Blob): read from the home, as the host reads it
    await initDataProxy({ home: io.env.DMGW_HOME, env: io.env });
    if (values.cleanup !== undefined) {
      const ok = await removeLeftovers(JSON.parse(text) as CleanupRequest, io.env.DMGW_HOME, (r) => io.stdout.write(`${JSON.stringify(r)}\n`));
      return ok ? ExitCode.Ok : ExitCode.Failed;
    }
    if (values.probe !== undefined) {
      // credentials stay encrypted until the connector opens them; the report's message is redacted
      const probe = JSON.parse(text) as ProbeMessage;
      const ls = factoryOfProbe(probe).linkedServices.get(nameKey(probe.linkedService));
      if (!ls) throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `the probe carries no linked service "${probe.linkedService}"`);
      const report = await testLinkedService(ls, { home: io.env.DMGW_HOME, env: io.env, seconds: probe.timeoutSeconds });
      io.stdout.write(`${JSON.stringify(report)}\n`);
      return report.ok ? ExitCode.Ok : ExitCode.Failed;
    }
    const job = JSON.parse(text) as JobMessage;
    if (io.env.DMGW_STAGING_FD) journalTo(Number(io.env.DMGW_STAGING_FD));
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => controller.abort(new DmgwError('CANCELLED', `cancelled by ${sig}`));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // an activity job (one data activity of a run the service orchestrates): its output goes back as exact JSON
    // text too, so a Lookup's 64-bit ids and decimals reach the service's expressions with every digit
    const emit = (e: RunEvent) => io.stdout.write(`${JSON.stringify(job.activity && e.event === 'activity-finished' && e.output ? { ...e, outputJson: JSON.stringify(e.output) } : e)}\n`);
    const t0 = Date.now();
    // A worker whose host died must not finish unseen (the job goes to another node when the lease expires):
    // leave at once, without committing.
    const parent = process.ppid;
    const orphanWatch = setInterval(() => {
      if (process.ppid !== parent) process.exit(ExitCode.Retryable);
    }, 500);
    orphanWatch.unref();
    try {
      const result = await runPipeline({ factory: factoryOfJob(job), pipeline: job.pipeline.name, parameters: job.parameters, runId: job.runId, ...(job.activity ? { jobId: job.jobId } : {}), home: io.env.DMGW_HOME, emit, signal: controller.signal });
      return result.status === 'Succeeded' ? ExitCode.Ok : result.status === 'Cancelled' ? ExitCode.Cancelled : ExitCode.Failed;
    } catch (e) {
      // A mistake in the pipeline (unknown activity, bad reference) ends the run; retrying would not help.
      if (!isDmgwError(e)) throw e;
      emit({ event: 'run-finished', time: new Date().toISOString(), runId: job.runId, status: 'Failed', durationMs: Date.now() - t0, error: { code: e.code, message: redact(e.message), hint: e.hint } });
      return ExitCode.Failed;
    } finally {
      clearInterval(orphanWatch);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
};
