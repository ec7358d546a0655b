/**
 * MariaDB table → CSV, JSON Lines and Parquet, into a folder and into Azure Blob Storage (a fresh in-memory Azurite per
 * run), single stream and 4 DynamicRange partitions, each beside the limits measured in the same run on the same rows:
 *   raw read     mariadb --batch --quick -e "SELECT …" > /dev/null
 *   raw write    file: cp of the client's output (same rows) into the scratch folder; blob: that output uploaded
 *   peer         mariadb --batch --quick > file (the store's own CLI writing a table to a file): file paths ≥ 0.9×
 * Targets: ≥ 0.9× min(raw read, raw write) in rows/s; peak RSS < 200 MB.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../test/support/servers.js';
import { CLI, engineEnv } from './engineRun.js';
import type { Benchmark, BenchOptions, BenchReport } from './harness.js';
import { COLUMNS, ensureMariaTable, mariaConnection } from './mariadbTable.js';
import { copyFile, mariadbOut, rawUpload } from './rawLimits.js';
import { FORMAT_LABEL, RowFactory, type Format } from './rowFactory.js';
import { PARALLEL, PathBench } from './rowPaths.js';

const FORMATS: Format[] = ['DelimitedText', 'Json', 'Parquet'];

export const mariadbFilesBenchmark: Benchmark = {
  name: 'mariadb-files',
  summary: 'MariaDB table → CSV / JSON / Parquet file and blob, vs mariadb --batch --quick, a raw file write and a raw upload',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const mc = mariaConnection();
    if (!(await portOpen(mc.port, mc.host))) return { ...report, skipped: `MariaDB is not reachable at ${mc.host}:${mc.port} (set DMGW_BENCH_MARIADB_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureMariaTable(o.rows, o.log);
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(fileRoot, { recursive: true });
    const factory = new RowFactory(join(o.scratch, 'factory'), fileRoot);
    const b = new PathBench(report, o, factory, engineEnv(o.scratch, fileRoot));
    const rows = table.rows;

    const select = `SELECT ${COLUMNS} FROM \`${table.table}\``;
    const cliFile = join(o.scratch, 'mariadb.tsv');
    const cli = await b.measure(async () => ({ ...(await mariadbOut(table.database, select, cliFile, { name: 'peer: mariadb --batch --quick → file', rows })), role: 'peer' as const }));
    if (!cli) return { ...report, skipped: 'the mariadb client could not write the table to a file' };
    const rawRead = await b.measure(() => mariadbOut(table.database, select, '/dev/null', { name: 'MariaDB raw read: mariadb --batch --quick → /dev/null', rows }, cli.bytes));
    const copy = join(o.scratch, 'copy.tsv');
    const rawFile = await b.measure(
      () => copyFile(cliFile, copy, { name: 'raw write: cp of the mariadb output', rows }),
      async () => rmSync(copy, { force: true }),
    );
    rmSync(copy, { force: true });
    const rawBlob = await b.measure(() => rawUpload(cliFile, { name: 'raw write: upload of the mariadb output to Azurite', rows }, 1));
    rmSync(cliFile, { force: true });

    for (const format of FORMATS) {
      for (const store of ['file', 'blob'] as const) {
        const path = `MariaDB → ${FORMAT_LABEL[format]} ${store}`;
        const ours = [];
        for (const n of PARALLEL) {
          const folder = `out-${format}-${store}-${n}`;
          const pipeline = factory.pipeline(`Maria_${format}_${store}_${n}`, { kind: 'maria', database: table.database, table: table.table }, { kind: store, format, folder }, n);
          ours.push(await b.engine(path, pipeline, n, rows, store === 'file' ? { kind: 'file', dir: join(fileRoot, folder) } : { kind: 'blob', folder }));
        }
        b.path(path, ours, { read: rawRead, write: store === 'file' ? rawFile : rawBlob }, store === 'file' ? [{ peer: cli, target: 0.9 }] : []);
      }
    }
    if (table.created) report.notes.push('the MariaDB table was made in this run; later runs reuse it');
    return report;
  },
};
