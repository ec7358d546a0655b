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
import type { JobMessage } from '../../common/gateway/protocol.js';
import { redact } from '../../common/redact.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { factoryOfJob } from '../worker/jobFactory.js';
import { runPipeline } from '../worker/runPipeline.js';
import { type Command } from './command.js';

const usage = `Usage:
  dmgw worker --job FILE|-
      Runs one job of the host (a pipeline run from the factory service) and writes its RunEvents as ndjson on
      stdout. Started by \`dmgw host\`; not meant to be run by hand.`;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run one job for the host (internal)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { job: { type: 'string' } }, strict: true });
    if (!values.job) throw new DmgwError('USAGE', '--job is required', {}, usage.split('\n')[1]);
    let text: string;
    if (values.job === '-') {
      text = '';
      for await (const c of io.stdin) text += String(c);
    } else text = readFileSync(values.job, 'utf8');
    const job = JSON.parse(text) as JobMessage;
    // the node's proxy, for the job's cloud data traffic (Azure Blob): read from the home, as the host reads it
    await initDataProxy({ home: io.env.DMGW_HOME, env: io.env });
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => controller.abort(new DmgwError('CANCELLED', `cancelled by ${sig}`));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const emit = (e: RunEvent) => io.stdout.write(`${JSON.stringify(e)}\n`);
    const t0 = Date.now();
    // A worker whose host died must not finish unseen (the job goes to another node when the lease expires):
    // leave at once, without committing.
    const parent = process.ppid;
    const orphanWatch = setInterval(() => {
      if (process.ppid !== parent) process.exit(ExitCode.Retryable);
    }, 500);
    orphanWatch.unref();
    try {
      const result = await runPipeline({ factory: factoryOfJob(job), pipeline: job.pipeline.name, parameters: job.parameters, runId: job.runId, home: io.env.DMGW_HOME, emit, signal: controller.signal });
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
