/**
 * What the engine benchmarks (pgCopy.ts, mariadb.ts, memory.ts) share: `dmgw run` of one pipeline as a measured
 * child process (`runEngine`), a fresh Azurite per measurement (`withAzurite`, `engineRunsIntoAzurite`), the bytes an engine run wrote
 * (`blobBytes`, `folderBytes`), and `attempt` (a failed run is noted in the report and the others go on).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { GatewayHome } from '../src/agent/config/home.js';
import { writeSetting } from '../src/agent/config/settings.js';
import { startAzurite, type AzuriteServer } from '../test/support/azurite.js';
import type { ActivityFinished, RunEvent } from '../src/common/events.js';
import { fastest, runMeasured, type BenchReport, type ChildRun, type Measurement } from './harness.js';

/** dist/ (the benchmarks are bundled into dist/bench/run.js) */
const dist = join(__dirname, '..');
export const CLI = join(dist, 'agent', 'cli.js');
export const PROBES = join(dist, 'bench', 'probes.js');

/**
 * The environment of engine runs whose FileServer sink writes below `fileRoot`: a gateway home in `scratch` whose
 * operator allowed that folder (`dmgw config set fileSystem.allowedRoots`), as DMGW_HOME.
 */
export function engineEnv(scratch: string, fileRoot: string): NodeJS.ProcessEnv {
  const home = join(scratch, 'home');
  writeSetting(new GatewayHome(home), 'fileSystem.allowedRoots', fileRoot);
  return { ...process.env, DMGW_HOME: home };
}

/**
 * `dmgw run --factory <factory> --pipeline <pipeline> --events ndjson`, timed and its memory watched; throws unless
 * it exits 0 with the activity Succeeded. `output` is the activity's output (rowsCopied, usedParallelCopies, …).
 */
export async function runEngine(factory: string, pipeline: string, env?: NodeJS.ProcessEnv): Promise<ChildRun & { output: ActivityFinished['output'] }> {
  let finished: ActivityFinished | undefined;
  const r = await runMeasured(process.execPath, [CLI, 'run', '--factory', factory, '--pipeline', pipeline, '--events', 'ndjson'], {
    env,
    onStdoutLine: (line) => {
      if (!line.startsWith('{')) return;
      const e = JSON.parse(line) as RunEvent;
      if (e.event === 'activity-finished') finished = e;
    },
  });
  if (r.code !== 0 || finished?.status !== 'Succeeded') throw new Error(`dmgw run ${pipeline} failed (exit ${r.code}): ${finished?.error?.message ?? (r.stderr.trim().split('\n')[0] || 'no error text')}`);
  return { ...r, output: finished.output };
}

/** `fn` against an Azurite of its own (in memory, stopped afterwards), so no measurement pays for another's memory. */
export async function withAzurite<T>(fn: (az: AzuriteServer) => Promise<T>): Promise<T> {
  const az = await startAzurite();
  try {
    return await fn(az);
  } finally {
    await az.stop();
  }
}

/**
 * For each parallelCopies of `parallel`, the fastest of `repeat` engine runs (`run`), each into an Azurite of its own;
 * `tryRun` wraps each (see `attempt`): a run that failed is left out.
 */
export async function engineRunsIntoAzurite(parallel: readonly number[], repeat: number, tryRun: (fn: () => Promise<Measurement>) => Promise<Measurement | undefined>, run: (az: AzuriteServer, parallel: number) => Promise<Measurement>): Promise<Measurement[]> {
  const runs: Measurement[] = [];
  for (const n of parallel) {
    const e = await tryRun(() => fastest(repeat, () => withAzurite((az) => run(az, n))));
    if (e) runs.push(e);
  }
  return runs;
}

/** `fn`'s result, or undefined when it failed: the failure goes to the report's notes and the log. */
export async function attempt<T>(report: BenchReport, log: (line: string) => void, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    report.notes.push(msg);
    log(`  ${msg}`);
    return undefined;
  }
}

/** The bytes of the blobs under `prefix` in `container`. */
export async function blobBytes(connectionString: string, container: string, prefix: string): Promise<number> {
  let n = 0;
  const c = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  for await (const b of c.listBlobsFlat({ prefix })) n += b.properties.contentLength ?? 0;
  return n;
}

/** The bytes of the files in `dir` and below. */
export function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}
