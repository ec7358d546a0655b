/**
 * `npm run soak`: the reliability campaigns of docs/RELIABILITY.md, against the real servers of this machine.
 *   --seed N          the fault campaign's seed (printed; default: random)
 *   --trials N        fault trials (default 100)
 *   --runs N          load runs (default 1000)
 *   --fuzz-seconds N  seconds of each fuzz file (default 300; 0 skips the fuzz)
 *   --only faults|load|fuzz
 * Results: bench/results/soak-faults-<time>.json, soak-load-<time>.json, and the fuzz files' fuzz-*.json.
 * Exit code 1 when any check failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../../test/support/builtCli.js';
import { runFaultCampaign } from './faults.js';
import { runLoadCampaign } from './load.js';
import { SoakRig } from './rig.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, trials: { type: 'string' }, runs: { type: 'string' }, 'fuzz-seconds': { type: 'string' }, only: { type: 'string' }, rows: { type: 'string' } } });
const int = (v: string | undefined, d: number, what: string): number => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${what} must be a whole number ≥ 0, not "${v}"`);
    process.exit(2);
  }
  return n;
};
const seed = int(values.seed, Math.floor(Math.random() * 2 ** 31), 'seed');
const trials = int(values.trials, 100, 'trials');
const runs = int(values.runs, 1000, 'runs');
const rows = int(values.rows, 100_000, 'rows');
const fuzzSeconds = int(values['fuzz-seconds'], 300, 'fuzz-seconds');
const only = values.only;
if (only && !['faults', 'load', 'fuzz'].includes(only)) {
  console.error(`--only must be faults, load or fuzz, not "${only}"`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const log = (l: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${l}`);

function write(name: string, figures: object): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), node: process.version, ...figures }, null, 2)}\n`);
  return file;
}

async function main(): Promise<boolean> {
  let ok = true;
  log(`soak: seed ${seed} (replay with --seed ${seed})`);
  if ((!only || only === 'faults') && trials > 0) {
    const rig = new SoakRig({ nodes: 1, log, hostEnv: { DMGW_WORKER_KILL_SECONDS: '3' } });
    try {
      await rig.start();
      const r = await runFaultCampaign(rig, { seed, trials, rows, log });
      log(`faults: ${r.trials.length} trials, ${r.failures} failed, by kind ${JSON.stringify(r.byKind)}; ${write('soak-faults', r)}`);
      ok &&= r.failures === 0;
    } finally {
      await rig.stop();
    }
  }
  if ((!only || only === 'load') && runs > 0) {
    const rig = new SoakRig({ nodes: 2, blob: false, log, serviceArgs: ['--lease-seconds', '30', '--heartbeat-seconds', '2', '--poll-seconds', '10'] });
    try {
      await rig.start();
      const r = await runLoadCampaign(rig, { runs, limit: 4, log });
      log(`load: ${JSON.stringify({ ...r })}; ${write('soak-load', r)}`);
      ok &&= r.ok;
    } finally {
      await rig.stop();
    }
  }
  if ((!only || only === 'fuzz') && fuzzSeconds > 0) {
    log(`fuzz: ${fuzzSeconds} s per fuzz file (service routes, parsers), seed ${seed}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/integration/service/fuzz.test.ts', 'test/unit/common/parserFuzz.test.ts'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, DMGW_FUZZ_SECONDS: String(fuzzSeconds), DMGW_FUZZ_SEED: String(seed) },
    });
    ok &&= r.status === 0;
  }
  return ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
