/**
 * PostgreSQL table → JSON Lines and Parquet (CSV: pg-copy), into a folder and into Azure Blob Storage (a fresh in-memory Azurite per
 * run), single stream and 4 DynamicRange partitions, each beside the limits measured in the same run on the same rows:
 *   raw read     psql \\copy (SELECT * …) TO STDOUT CSV HEADER > /dev/null
 *   raw write    file: cp of psql's CSV (same rows) into the scratch folder; blob: that output uploaded
 *   peer         psql \\copy … > file (the store's own CLI writing a table to a file): file paths ≥ 0.9×
 * Targets: ≥ 0.9× min(raw read, raw write) in rows/s; peak RSS < 200 MB.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable } from './benchTable.js';
import { CLI, engineEnv } from './engineRun.js';
import type { Benchmark, BenchOptions, BenchReport } from './harness.js';
import { copyFile, psqlOut, rawUpload } from './rawLimits.js';
import { FORMAT_LABEL, RowFactory, type Format } from './rowFactory.js';
import { PARALLEL, PathBench } from './rowPaths.js';

const FORMATS: Format[] = ['Json', 'Parquet'];

export const pgFilesBenchmark: Benchmark = {
  name: 'pg-files',
  summary: 'PostgreSQL table → JSON / Parquet file and blob, vs psql \\copy, a raw file write and a raw upload',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const url = new URL(BENCH_PG_URL);
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureBenchTable(o.rows, o.log);
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(fileRoot, { recursive: true });
    const factory = new RowFactory(join(o.scratch, 'factory'), fileRoot);
    const b = new PathBench(report, o, factory, engineEnv(o.scratch, fileRoot));
    const rows = table.rows;

    const copySql = `COPY (SELECT * FROM ${table.qualified}) TO STDOUT WITH (FORMAT csv, HEADER)`;
    const cliFile = join(o.scratch, 'psql.csv');
    const cli = await b.measure(async () => ({ ...(await psqlOut(copySql, cliFile, { name: 'peer: psql \\copy → file', rows })), role: 'peer' as const }));
    if (!cli) return { ...report, skipped: 'psql could not write the table to a file' };
    const rawRead = await b.measure(() => psqlOut(copySql, '/dev/null', { name: 'PostgreSQL raw read: psql \\copy → /dev/null', rows }, cli.bytes));
    const copy = join(o.scratch, 'copy.csv');
    const rawFile = await b.measure(
      () => copyFile(cliFile, copy, { name: 'raw write: cp of the psql CSV', rows }),
      async () => rmSync(copy, { force: true }),
    );
    rmSync(copy, { force: true });
    const rawBlob = await b.measure(() => rawUpload(cliFile, { name: 'raw write: upload of the psql CSV to Azurite', rows }, 1));
    rmSync(cliFile, { force: true });

    for (const format of FORMATS) {
      for (const store of ['file', 'blob'] as const) {
        const path = `PostgreSQL → ${FORMAT_LABEL[format]} ${store}`;
        const ours = [];
        for (const n of PARALLEL) {
          const folder = `out-${format}-${store}-${n}`;
          const pipeline = factory.pipeline(`Pg_${format}_${store}_${n}`, { kind: 'pg', schema: table.schema, table: table.table }, { kind: store, format, folder }, n);
          ours.push(await b.engine(path, pipeline, n, rows, store === 'file' ? { kind: 'file', dir: join(fileRoot, folder) } : { kind: 'blob', folder }));
        }
        b.path(path, ours, { read: rawRead, write: store === 'file' ? rawFile : rawBlob }, store === 'file' ? [{ peer: cli, target: 0.9 }] : []);
      }
    }
    if (table.created) report.notes.push('the PostgreSQL table was made in this run; later runs reuse it');
    return report;
  },
};
