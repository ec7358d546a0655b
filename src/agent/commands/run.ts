/** `dmgw run`: runs a pipeline of a factory folder locally, in this process (the worker). */
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import type { RunEvent } from '../../common/events.js';
import { ExitCode } from '../../common/exitCodes.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { progressDisplay } from '../worker/progressDisplay.js';
import { runPipeline } from '../worker/runPipeline.js';
import type { Command } from './command.js';

const usage = `Usage: dmgw run --factory DIR --pipeline NAME [--param NAME=VALUE ...] [--events ndjson] [--json] [--home DIR] [--run-id ID]

Runs the pipeline here: Copy, SqlServerStoredProcedure, Lookup, GetMetadata, Delete and the control activities
(ForEach, IfCondition, Switch, Until, Filter, SetVariable, AppendVariable, ExecutePipeline, Fail, Wait), as ADF does.
  --factory, -f DIR    factory folder in ADF Git layout (linkedService/, dataset/, pipeline/)
  --pipeline, -p NAME  the pipeline to run
  --param NAME=VALUE   a pipeline parameter (repeat for more)
  --events ndjson      one JSON run event per line on stdout (docs/EVENTS.md) instead of the progress display
  --json               print the run result as JSON on stdout at the end
  --home DIR           gateway home holding the certificate that decrypts EncryptedCredential (default DMGW_HOME or ~/.dmgw)
  --run-id ID          the run's id (default: a new one); give a killed run's id to run it again: its copies into
                       PostgreSQL or MariaDB resume from the partitions it had finished
Exit codes: 0 succeeded, 1 failed, 2 usage, 4 cancelled (SIGINT/SIGTERM: nothing is committed).`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run a pipeline locally (its activities, as Data Factory runs them)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        factory: { type: 'string', short: 'f' },
        pipeline: { type: 'string', short: 'p' },
        param: { type: 'string', multiple: true },
        events: { type: 'string' },
        json: { type: 'boolean' },
        home: { type: 'string' },
        'run-id': { type: 'string' },
      },
    });
    if (!values.factory || !values.pipeline) throw new DmgwError('USAGE', 'both --factory and --pipeline are required', {}, usage.split('\n')[0]);
    if (values.events !== undefined && values.events !== 'ndjson') throw new DmgwError('USAGE', `--events ${values.events} is not known`, {}, 'use --events ndjson');
    const parameters: Record<string, string> = {};
    for (const p of values.param ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new DmgwError('USAGE', `--param ${p} is not NAME=VALUE`, {}, 'write --param name=value');
      parameters[p.slice(0, eq)] = p.slice(eq + 1);
    }
    // cloud data traffic (Azure Blob) goes through the gateway's proxy, NO_PROXY honoured; databases and files directly
    await initDataProxy({ home: values.home ?? io.env.DMGW_HOME, env: io.env });
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (!controller.signal.aborted) controller.abort(new DmgwError('CANCELLED', `cancelled by ${sig}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const emit = values.events === 'ndjson' ? (e: RunEvent) => io.stdout.write(`${JSON.stringify(e)}\n`) : progressDisplay(io.stderr, !!io.env.DMGW_VERBOSE);
    try {
      const result = await runPipeline({
        factory: values.factory,
        pipeline: values.pipeline,
        parameters,
        home: values.home ?? io.env.DMGW_HOME,
        emit,
        signal: controller.signal,
        runId: values['run-id'],
      });
      if (values.json) io.stdout.write(`${JSON.stringify(result, null, values.events ? 0 : 2)}\n`);
      return result.status === 'Succeeded' ? ExitCode.Ok : result.status === 'Cancelled' ? ExitCode.Cancelled : ExitCode.Failed;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
