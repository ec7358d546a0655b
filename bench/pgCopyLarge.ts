/**
 * Opt-in (`npm run bench -- --only pg-copy-large [--rows N]`, default 100M rows): PostgreSQL → CSV blob, single
 * stream, at a tenth of --rows and at --rows, into an Azurite that keeps its blobs on disk (not in memory), to show
 * that the cost grows linearly with the size and the memory does not:
 *   MB/s at --rows ÷ MB/s at a tenth ≥ 0.9;  peak RSS growth < 20 MB;  peak RSS < 200 MB at both sizes.
 * Needs about 2.6× the CSV size free on the disk (the table, the blob; ~130 bytes a row): skipped with a note otherwise.
 */
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { startAzurite } from '../test/support/azurite.js';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable } from './benchTable.js';
import { attempt, blobBytes, CLI, engineEnv, runEngine } from './engineRun.js';
import { atLeast, below, MB, rate, type Benchmark, type BenchOptions, type BenchReport, type Measurement } from './harness.js';
import { BLOB_CONTAINER, pipelineName, setBenchBlobConnection, writeBenchFactory } from './pgCopyFactory.js';

const BYTES_PER_ROW = 130;
const DISK_FACTOR = 2.6;
const RSS_LIMIT_MB = 200;
const GROWTH_LIMIT_MB = 20;

export const pgCopyLargeBenchmark: Benchmark = {
  name: 'pg-copy-large',
  summary: 'PostgreSQL → CSV blob (Azurite on disk) at a tenth of --rows and at --rows: same MB/s, flat RSS',
  optIn: true,
  defaultRows: 100_000_000,
  async run(o: BenchOptions): Promise<BenchReport> {
    const sizes = [Math.round(o.rows / 10), o.rows];
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: sizes.join('/'), parallelCopies: 1, azurite: 'on disk' }, measurements: [], checks: [], notes: [] };
    const url = new URL(BENCH_PG_URL);
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };
    const disk = statfsSync(o.scratch);
    const free = disk.bavail * disk.bsize;
    const need = o.rows * BYTES_PER_ROW * DISK_FACTOR;
    o.log(`free disk ${(free / 1e9).toFixed(0)} GB, need about ${(need / 1e9).toFixed(0)} GB`);
    if (free < need) return { ...report, skipped: `${(free / 1e9).toFixed(0)} GB free on the disk, ${(need / 1e9).toFixed(0)} GB needed for ${o.rows} rows (table + blob)` };

    for (const rows of sizes) {
      const table = await ensureBenchTable(rows, o.log);
      const factory = join(o.scratch, `factory-${rows}`);
      const fileRoot = join(o.scratch, 'files');
      mkdirSync(fileRoot, { recursive: true });
      const env = engineEnv(o.scratch, fileRoot);
      writeBenchFactory({ dir: factory, table, pg: { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username) }, fileRoot, parallelCopies: [1] });
      const location = join(o.scratch, 'azurite');
      const m = await attempt(report, o.log, async (): Promise<Measurement> => {
        rmSync(location, { recursive: true, force: true });
        mkdirSync(location, { recursive: true });
        const az = await startAzurite({ location });
        try {
          setBenchBlobConnection(factory, az.connectionString);
          const r = await runEngine(factory, pipelineName('blob', 1), env);
          const copied = r.output?.rowsCopied ?? 0;
          if (copied !== rows) throw new Error(`copied ${copied} rows of ${rows}`);
          return { name: `PostgreSQL → CSV blob ×1 @ ${rows}`, role: 'engine', seconds: r.seconds, rows, bytes: await blobBytes(az.connectionString, BLOB_CONTAINER, 'engine/'), peakRssBytes: r.peakRssBytes };
        } finally {
          await az.stop();
          rmSync(location, { recursive: true, force: true });
        }
      });
      if (!m) continue;
      report.measurements.push(m);
      o.log(`  ${m.name}: ${m.seconds.toFixed(1)} s, ${rate(m).mbPerSecond.toFixed(1)} MB/s, peak RSS ${((m.peakRssBytes ?? 0) / MB).toFixed(0)} MB`);
    }
    const [small, large] = report.measurements;
    for (const x of report.measurements) report.checks.push(below(`${x.name} peak RSS`, (x.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
    if (small && large) {
      report.checks.push(atLeast(`MB/s @ ${large.rows} ÷ MB/s @ ${small.rows}`, rate(large).mbPerSecond / rate(small).mbPerSecond, 0.9));
      report.checks.push(below(`peak RSS growth ${small.rows} → ${large.rows}`, ((large.peakRssBytes ?? 0) - (small.peakRssBytes ?? 0)) / MB, GROWTH_LIMIT_MB, 'MB'));
    }
    return report;
  },
};
