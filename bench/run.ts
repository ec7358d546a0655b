/**
 * `npm run bench [-- --rows N] [--repeat N] [--only NAME]`: runs the benchmarks, prints a table per benchmark
 * and writes bench/results/<name>-<timestamp>.json. Reports whether targets were met; never fails the build
 * (exit 0 unless the harness itself breaks).
 *
 * To add a benchmark: one file under bench/ exporting a `Benchmark` (see harness.ts), one entry below.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport, type Benchmark, type BenchReport } from './harness.js';
import { mariadbBenchmark } from './mariadb.js';
import { memoryBenchmark } from './memory.js';
import { pgCopyBenchmark } from './pgCopy.js';
import { pickupBenchmark } from './pickup.js';

const benchmarks: Benchmark[] = [pgCopyBenchmark, memoryBenchmark, mariadbBenchmark, pickupBenchmark];

const DEFAULT_ROWS = 10_000_000;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, repeat: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench [-- --rows N] [--repeat N] [--only NAME]\n  benchmarks: ${benchmarks.map((b) => `${b.name} (${b.summary})`).join('; ')}\n`);
    return 0;
  }
  const rows = Number((values.rows ?? String(DEFAULT_ROWS)).replace(/[_,]/g, ''));
  const repeat = Number(values.repeat ?? 1);
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(repeat) || repeat < 1) {
    process.stderr.write('bench: --rows and --repeat take whole numbers ≥ 1\n');
    return 2;
  }
  const chosen = benchmarks.filter((b) => !values.only || b.name === values.only);
  if (!chosen.length) {
    process.stderr.write(`bench: no benchmark named "${values.only}" (have: ${benchmarks.map((b) => b.name).join(', ')})\n`);
    return 2;
  }
  const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGB: +(totalmem() / 1e9).toFixed(1), node: process.version, platform: `${process.platform}-${process.arch}` };
  process.stdout.write(`dmgw benchmarks on ${machine.cpus} × ${machine.cpuModel ?? 'cpu'}, ${machine.memoryGB} GB, Node ${machine.node}\n\n`);

  for (const b of chosen) {
    const scratch = mkdtempSync(join(tmpdir(), `dmgw-bench-${b.name}-`));
    const started = new Date();
    let report: BenchReport;
    try {
      report = await b.run({ rows, repeat, scratch, log: (l) => process.stdout.write(`[${b.name}] ${l}\n`) });
    } catch (e) {
      report = { name: b.name, summary: b.summary, params: { rows, repeat }, measurements: [], checks: [], notes: [], skipped: `failed: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    process.stdout.write(`\n${formatReport(report)}\n`);
    const file = join(resultsDir, `${b.name}-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ ...report, started: started.toISOString(), finished: new Date().toISOString(), machine }, null, 2)}\n`);
    process.stdout.write(`results: ${file}\n\n`);
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
