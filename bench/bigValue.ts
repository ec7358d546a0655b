/**
 * One big value: a PostgreSQL table of one row holding a text (or bytea) value of 10 MB and of 100 MB (the text full of
 * what COPY and CSV escape: backslashes, tabs, newlines, quotes, commas), copied by the
 * engine into a CSV file, beside psql \copy of the same row to /dev/null. A copy whose cost grows linearly with the
 * value takes ≤ 10× as long for 10× the bytes (less: start-up weighs more on the small one); one that rescans the
 * growing remainder on every chunk (issue 16: agent/formats/pgText.ts) takes ~100×.
 * Checks per type: seconds(100 MB) ÷ seconds(10 MB) ≤ 12 (linear, with room for noise); peak RSS < 200 MB.
 * `--rows` does not apply.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, BENCH_SCHEMA } from './benchTable.js';
import { CLI, engineEnv } from './engineRun.js';
import { below, MB, type Benchmark, type BenchOptions, type BenchReport, type Measurement } from './harness.js';
import { withPg } from './mariadb.js';
import { psqlOut } from './rawLimits.js';
import { RowFactory } from './rowFactory.js';
import { PathBench } from './rowPaths.js';

const SIZES_MB = [10, 100];
const TYPES = ['text', 'bytea'] as const;
const LINEAR_LIMIT = 12;

export const bigValueBenchmark: Benchmark = {
  name: 'big-value',
  summary: 'one 10 MB and one 100 MB text / bytea value, PostgreSQL → CSV file: time linear in the size',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { valueMB: SIZES_MB.join('/'), types: TYPES.join('/') }, measurements: [], checks: [], notes: [] };
    const url = new URL(BENCH_PG_URL);
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(fileRoot, { recursive: true });
    const factory = new RowFactory(join(o.scratch, 'factory'), fileRoot, 'id');
    const b = new PathBench(report, o, factory, engineEnv(o.scratch, fileRoot));

    for (const type of TYPES) {
      const ours: Measurement[] = [];
      for (const mb of SIZES_MB) {
        const table = `big_${type}_${mb}mb`;
        await withPg(async (c) => {
          await c.query(`CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`);
          await c.query(`DROP TABLE IF EXISTS ${BENCH_SCHEMA}.${table}`);
          await c.query(`CREATE TABLE ${BENCH_SCHEMA}.${table} (id int, v ${type})`);
          await c.query(`INSERT INTO ${BENCH_SCHEMA}.${table} SELECT 1, ${type === 'text' ? `repeat(E'abc\\\\de\\tf\\ng,"', ${mb * 100_000})` : `decode(repeat('00ff7f22', ${mb * 250_000}), 'hex')`}`);
        });
        await b.measure(() => psqlOut(`COPY (SELECT * FROM ${BENCH_SCHEMA}.${table}) TO STDOUT WITH (FORMAT csv, HEADER)`, '/dev/null', { name: `${type} ${mb} MB: raw read psql \\copy → /dev/null`, rows: 1 }, mb * MB));
        const folder = `out-${table}`;
        const e = await b.engine(`${type} ${mb} MB → CSV file`, factory.pipeline(`Big_${table}`, { kind: 'pg', schema: BENCH_SCHEMA, table }, { kind: 'file', format: 'DelimitedText', folder }, 1), 1, 1, { kind: 'file', dir: join(fileRoot, folder) });
        if (e) ours.push(e);
        await withPg(async (c) => void (await c.query(`DROP TABLE IF EXISTS ${BENCH_SCHEMA}.${table}`)));
      }
      for (const e of ours) report.checks.push(below(`${e.name} peak RSS`, (e.peakRssBytes ?? 0) / MB, 200, 'MB'));
      if (ours.length === 2) {
        const growth = ours[1]!.seconds / ours[0]!.seconds;
        report.checks.push({ name: `${type}: seconds(${SIZES_MB[1]} MB) ÷ seconds(${SIZES_MB[0]} MB)`, value: growth, target: `≤ ${LINEAR_LIMIT.toFixed(2)}`, met: growth <= LINEAR_LIMIT });
      }
    }
    return report;
  },
};
