/**
 * `dmgw pipeline run|status`: pipeline runs through a factory (ours or Azure, via @azure/arm-datafactory). `run`
 * can upload a local factory folder first and wait for the run, printing each change and the activities' outputs.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import type * as Management from '../management/index.js';
import type { RunReport } from '../management/runs.js';
import type { FactoryScope } from '../management/scope.js';
import { MANAGEMENT_OPTIONS, MANAGEMENT_USAGE } from '../management/options.js';
import { write, type Command, type CommandIo } from './command.js';

const usage = `Usage:
  dmgw pipeline run NAME [--factory NAME | --factory DIR [--factory-name NAME]] [--param K=V ...] [--wait] [--json]
      Starts a run of the pipeline in the factory and prints its run id. With --factory DIR (a factory folder in
      ADF's Git layout) its integration runtimes, linked services, datasets and pipelines are uploaded first
      (created or updated; a folder with \`dmgw validate\` errors is refused); the factory's name then comes
      from --factory-name or DMGW_FACTORY. --wait follows the run to its end, printing status changes and the
      activities' outputs. Exit codes with --wait: 0 Succeeded, 1 Failed, 4 Cancelled.
  dmgw pipeline status RUNID [--wait] [--json]
      The run's status and its activities (status, rows, bytes, duration, errors).

${MANAGEMENT_USAGE}`;

const EXTRA = {
  'factory-name': { type: 'string' },
  pipeline: { type: 'string', short: 'p' },
  param: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
} as const;

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'run pipelines through a factory (ours or Azure): run [--factory DIR] [--wait], status',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'run' && sub !== 'status') throw new DmgwError('USAGE', sub ? `unknown sub-command "${sub}"` : 'which one: run or status?', {}, 'run `dmgw help pipeline`');
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MANAGEMENT_OPTIONS, ...EXTRA }, strict: true });
    if (positionals.length > 1) throw new DmgwError('USAGE', `unexpected argument "${positionals[1]}"`, {}, 'run `dmgw help pipeline`');
    const json = values.json === true;
    // loaded here, not at start-up: the Azure SDK is large and only these verbs need it
    const m: typeof Management = await import('../management/index.js');
    if (sub === 'status') {
      const runId = positionals[0];
      if (!runId) throw new DmgwError('USAGE', 'which run? dmgw pipeline status RUNID', {});
      const scope = m.scopeOf(await m.resolveTarget(values, io.env));
      const r = values.wait ? await follow(m, scope, runId, io, json) : await m.runReport(scope, runId);
      write(io.stdout, json ? JSON.stringify(r, null, 2) : m.runText(r));
      return values.wait ? exitCodeOf(r) : ExitCode.Ok;
    }

    const pipeline = positionals[0] ?? values.pipeline;
    if (!pipeline) throw new DmgwError('USAGE', 'which pipeline? dmgw pipeline run NAME', {});
    const folder = values.factory && isFolder(resolve(io.cwd, values.factory)) ? resolve(io.cwd, values.factory) : undefined;
    if (!folder && values['factory-name']) throw new DmgwError('USAGE', '--factory-name goes with --factory DIR (a factory folder to upload)', { field: 'factory-name' });
    const scope = m.scopeOf(await m.resolveTarget(values, io.env, folder ? values['factory-name'] : values.factory));
    const parameters = parseParams(values.param ?? []);
    let uploaded;
    if (folder) {
      uploaded = await m.uploadFactory(scope, folder);
      for (const w of uploaded.warnings) write(io.stderr, `warning: ${w}`);
      if (!json) write(io.stderr, `uploaded ${folder} to factory ${scope.factory}: ${[['gateway', uploaded.integrationRuntimes], ['linked service', uploaded.linkedServices], ['dataset', uploaded.datasets], ['pipeline', uploaded.pipelines]].map(([w, l]) => `${l!.length} ${w}${l!.length === 1 ? '' : 's'}`).join(', ')}`);
    }
    const runId = await m.startRun(scope, pipeline, parameters);
    if (!values.wait) {
      write(io.stdout, json ? JSON.stringify({ runId, pipeline, factory: scope.factory, uploaded }, null, 2) : runId);
      if (!json) write(io.stderr, `run started; follow it with \`dmgw pipeline status ${runId} --wait\``);
      return ExitCode.Ok;
    }
    if (!json) write(io.stderr, `run ${runId} of ${pipeline} started`);
    const r = await follow(m, scope, runId, io, json);
    write(io.stdout, json ? JSON.stringify({ ...r, uploaded }, null, 2) : m.runText(r));
    return exitCodeOf(r);
  },
};

function isFolder(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new DmgwError('USAGE', `--param ${p} is not NAME=VALUE`, { field: 'param' }, 'write --param name=value');
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

const FINAL = ['Succeeded', 'Failed', 'Cancelled'];
const exitCodeOf = (r: RunReport): number => (r.status === 'Succeeded' ? ExitCode.Ok : r.status === 'Cancelled' || !FINAL.includes(r.status) ? ExitCode.Cancelled : ExitCode.Failed);

/** Waits for the run, narrating changes on stderr (stdout keeps the final report); Ctrl-C stops waiting, not the run. */
async function follow(m: typeof Management, scope: FactoryScope, runId: string, io: CommandIo, json: boolean): Promise<RunReport> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let lastStatus = '';
  const lastActivity = new Map<string, string>();
  try {
    const r = await m.waitForRun(scope, runId, {
      signal: stop.signal,
      onChange: (r) => {
        if (json) return;
        if (r.status !== lastStatus) write(io.stderr, `${new Date().toISOString().slice(11, 19)}  ${r.status}${r.message ? `: ${r.message}` : ''}`);
        lastStatus = r.status;
        for (const a of r.activities) {
          const line = m.activityText(a);
          if (lastActivity.get(a.name) !== line && !m.isFinal(r)) write(io.stderr, `${new Date().toISOString().slice(11, 19)}${line}`);
          lastActivity.set(a.name, line);
        }
      },
    });
    if (!m.isFinal(r)) write(io.stderr, `stopped waiting; the run goes on: \`dmgw pipeline status ${runId} --wait\``);
    return r;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
