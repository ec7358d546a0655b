/**
 * `npm run bench [-- --rows N] [--repeat N] [--only NAME[,NAME…]]`: runs the benchmarks, prints a table per benchmark
 * with each ratio beside its target, and writes bench/results/run-<time>/<name>.json, run.json (machine, versions,
 * load average) and, from those, chart.svg and BENCHMARKS.md (bench/report/). `npm run bench:doc -- <that folder>`
 * puts them into docs/. Reports whether targets were met; never fails the build (exit 0 unless the harness breaks).
 * Opt-in benchmarks (the 100M-row pg-copy-large) run only when named with --only.
 *
 * To add a benchmark: one file under bench/ exporting a `Benchmark` (see harness.ts), one entry below.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_PG_URL } from './benchTable.js';
import { bigValueBenchmark } from './bigValue.js';
import { fileToBlobBenchmark } from './fileToBlob.js';
import { formatReport, type Benchmark, type BenchReport } from './harness.js';
import { loadsBenchmark } from './loads.js';
import { mariadbBenchmark } from './mariadb.js';
import { mariadbFilesBenchmark } from './mariadbFiles.js';
import { memoryBenchmark } from './memory.js';
import { toolVersion } from './peers.js';
import { pgCopyBenchmark } from './pgCopy.js';
import { pgCopyLargeBenchmark } from './pgCopyLarge.js';
import { pgFilesBenchmark } from './pgFiles.js';
import { pickupBenchmark } from './pickup.js';
import { mariadbArgs } from './rawLimits.js';
import { readRun, writeRunReport, type LoadSummary, type RunInfo } from './report/files.js';
import { pathLine, pathRows } from './report/paths.js';

const benchmarks: Benchmark[] = [pgCopyBenchmark, pgFilesBenchmark, mariadbFilesBenchmark, mariadbBenchmark, loadsBenchmark, fileToBlobBenchmark, bigValueBenchmark, memoryBenchmark, pickupBenchmark, pgCopyLargeBenchmark];

const DEFAULT_ROWS = 10_000_000;
const LOAD_SAMPLE_MS = 5000;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, repeat: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench [-- --rows N] [--repeat N] [--only NAME[,NAME…]]\n  benchmarks: ${benchmarks.map((b) => `${b.name}${b.optIn ? ' (opt-in)' : ''} (${b.summary})`).join('; ')}\n`);
    return 0;
  }
  const rowsArg = values.rows === undefined ? undefined : Number(values.rows.replace(/[_,]/g, ''));
  const repeat = Number(values.repeat ?? 1);
  if ((rowsArg !== undefined && (!Number.isInteger(rowsArg) || rowsArg < 1)) || !Number.isInteger(repeat) || repeat < 1) {
    process.stderr.write('bench: --rows and --repeat take whole numbers ≥ 1\n');
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !benchmarks.some((b) => b.name === n)) ?? [];
  if (unknown.length) {
    process.stderr.write(`bench: no benchmark named "${unknown.join('", "')}" (have: ${benchmarks.map((b) => b.name).join(', ')})\n`);
    return 2;
  }
  const chosen = benchmarks.filter((b) => (only ? only.includes(b.name) : !b.optIn));
  const started = new Date();
  const runDir = join(__dirname, '..', '..', 'bench', 'results', `run-${started.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGB: +(totalmem() / 1e9).toFixed(1), node: process.version, platform: `${process.platform}-${process.arch}` };
  const versions = storeVersions();
  process.stdout.write(`dmgw benchmarks on ${machine.cpus} × ${machine.cpuModel ?? 'cpu'}, ${machine.memoryGB} GB, Node ${machine.node}; ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}\n\n`);

  const all = loadSampler();
  for (const b of chosen) {
    const rows = rowsArg ?? b.defaultRows ?? DEFAULT_ROWS;
    const scratch = mkdtempSync(join(tmpdir(), `dmgw-bench-${b.name}-`));
    const t0 = new Date();
    const load = loadSampler();
    let report: BenchReport;
    try {
      report = await b.run({ rows, repeat, scratch, log: (l) => process.stdout.write(`[${b.name}] ${l}\n`) });
    } catch (e) {
      report = { name: b.name, summary: b.summary, params: { rows, repeat }, measurements: [], checks: [], notes: [], skipped: `failed: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const loadAverage = load.stop();
    process.stdout.write(`\n${formatReport(report)}  load average (1 min) during it: ${loadAverage.min.toFixed(1)}–${loadAverage.max.toFixed(1)}, mean ${loadAverage.mean.toFixed(1)}${loadAverage.stealPercent !== undefined ? `; CPU steal ${loadAverage.stealPercent.toFixed(1)}%` : ''}\n`);
    const file = join(runDir, `${b.name}.json`);
    writeFileSync(file, `${JSON.stringify({ ...report, started: t0.toISOString(), finished: new Date().toISOString(), machine, loadAverage }, null, 2)}\n`);
    process.stdout.write(`results: ${file}\n\n`);
  }
  const info: RunInfo = { started: started.toISOString(), finished: new Date().toISOString(), args: { rows: rowsArg ?? null, repeat, only: only ?? null }, machine, versions: { ...versions, ...storeVersions() }, loadAverage: all.stop() };
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(info, null, 2)}\n`);
  const paths = pathRows(readRun(runDir));
  if (paths.length) process.stdout.write(`copy paths (rows/s; ours ÷ min(raw read, raw write), ours ÷ peer; ×1 / ×4):\n${paths.map(pathLine).join('\n')}\n\n`);
  const out = writeRunReport(runDir, runDir);
  process.stdout.write(`chart: ${out.chart}\ntable: ${out.markdown}\n(npm run bench:doc -- ${runDir} puts them into docs/)\n`);
  return 0;
}

/** Samples the 1-minute load average every 5 s until stopped, and the CPU time the hypervisor took (steal) meanwhile. */
function loadSampler(): { stop(): LoadSummary } {
  const xs = [loadavg()[0]!];
  const cpu0 = cpuTimes();
  const timer = setInterval(() => xs.push(loadavg()[0]!), LOAD_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      xs.push(loadavg()[0]!);
      const cpu1 = cpuTimes();
      const steal = cpu0 && cpu1 && cpu1.total > cpu0.total ? (100 * (cpu1.steal - cpu0.steal)) / (cpu1.total - cpu0.total) : undefined;
      return { min: Math.min(...xs), max: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, samples: xs.length, ...(steal !== undefined ? { stealPercent: steal } : {}) };
    },
  };
}

/** All CPUs' time and its steal part, in ticks (/proc/stat; undefined where there is none) */
function cpuTimes(): { total: number; steal: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** The servers' and peers' versions, as far as they answer. */
function storeVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  const first = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
  };
  const pgv = first('psql', [BENCH_PG_URL, '-XAtc', 'SHOW server_version']);
  if (pgv) out.PostgreSQL = pgv;
  const mv = first('mariadb', [...mariadbArgs(), '-N', '-e', 'SELECT VERSION()']);
  if (mv) out.MariaDB = mv;
  try {
    out.Azurite = (JSON.parse(readFileSync(require.resolve('azurite/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    /* not installed: the blob benchmarks say so */
  }
  const pgl = toolVersion('pgloader');
  if (pgl) out.pgloader = pgl.replace(/^pgloader version\s*/, '').replace(/"/g, '');
  const rc = toolVersion('rclone', ['version']);
  if (rc) out.rclone = rc.replace(/^rclone\s*/, '');
  return out;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
