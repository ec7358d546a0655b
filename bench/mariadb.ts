/**
 * MariaDB table → PostgreSQL table, single stream and 4 DynamicRange partitions, beside its limits and its peer
 * measured in the same run on the same rows:
 *   raw read    mariadb --batch --quick -e "SELECT …" > /dev/null
 *   raw write   psql \copy TABLE FROM the client's output (text format, NULL 'NULL': the same rows) into an
 *               empty table of the same shape
 *   peer        pgloader (Debian's; installed when missing), MariaDB table → a new PostgreSQL table, data only
 * Targets: ≥ 0.9× min(raw read, raw write) in rows/s; ≥ 3× pgloader; peak RSS < 200 MB.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL } from './benchTable.js';
import { CLI } from './engineRun.js';
import { runMeasured, type Benchmark, type BenchOptions, type BenchReport, type Measurement } from './harness.js';
import { COLUMNS, ensureMariaTable, mariaConnection, type MariaTable } from './mariadbTable.js';
import { ensureTool } from './peers.js';
import { mariadbOut, psqlCopyFrom } from './rawLimits.js';
import { RowFactory } from './rowFactory.js';
import { PARALLEL, PathBench } from './rowPaths.js';

const PG_SCHEMA = 'dmgw_bench';
const PGLOADER_SCHEMA = 'dmgw_bench_pgloader';
const PGLOADER_TARGET = 3;

export const mariadbBenchmark: Benchmark = {
  name: 'mariadb',
  summary: 'MariaDB table → PostgreSQL table, vs mariadb --batch --quick, psql \\copy from and pgloader',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const mc = mariaConnection();
    const pgUrl = new URL(BENCH_PG_URL);
    if (!(await portOpen(mc.port, mc.host))) return { ...report, skipped: `MariaDB is not reachable at ${mc.host}:${mc.port} (set DMGW_BENCH_MARIADB_URL)` };
    if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${pgUrl.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureMariaTable(o.rows, o.log);
    const rows = table.rows;
    const target = `${PG_SCHEMA}.from_mariadb_${rows}`;
    const rawTarget = `${PG_SCHEMA}.from_mariadb_raw_${rows}`;
    await preparePgTable(target);
    await preparePgTable(rawTarget);
    const factory = new RowFactory(join(o.scratch, 'factory'), o.scratch);
    const b = new PathBench(report, o, factory, process.env);

    // --- raw limits: the client's read, and PostgreSQL's own load of what it read
    const select = `SELECT ${COLUMNS} FROM \`${table.table}\``;
    const tsv = join(o.scratch, 'mariadb.tsv');
    const out = await mariadbOut(table.database, select, tsv, { name: 'mariadb → file', rows });
    const rawRead = await b.measure(() => mariadbOut(table.database, select, '/dev/null', { name: 'MariaDB raw read: mariadb --batch --quick → /dev/null', rows }, out.bytes));
    const rawWrite = await b.measure(
      () => psqlCopyFrom(rawTarget, tsv, "FORMAT text, NULL 'NULL'", { name: 'PostgreSQL raw write: psql \\copy from the mariadb output', rows }),
      () => truncate(rawTarget),
    );
    rmSync(tsv, { force: true });
    const rawLoaded = await pgCount(rawTarget);
    if (rawLoaded !== rows) report.notes.push(`psql \\copy from loaded ${rawLoaded} rows of ${rows}`);
    await truncate(rawTarget);

    // --- the peer
    const missing = ensureTool('pgloader', 'pgloader', ['--version'], o.log);
    if (missing) report.notes.push(missing);
    const loader = missing ? undefined : await b.measure(() => pgloader(o.scratch, table, mc));

    // --- the engine
    const path = 'MariaDB → PostgreSQL';
    const ours = [];
    for (const n of PARALLEL) {
      const pipeline = factory.pipeline(`MariaToPg_${n}`, { kind: 'maria', database: table.database, table: table.table }, { kind: 'pg', schema: PG_SCHEMA, table: target.split('.')[1]! }, n);
      ours.push(await b.engine(path, pipeline, n, rows, { kind: 'table', empty: () => truncate(target) }));
    }
    const loaded = await pgCount(target);
    if (loaded !== rows) report.notes.push(`the PostgreSQL target holds ${loaded} rows after the engine runs, expected ${rows}`);
    b.path(path, ours, { read: rawRead, write: rawWrite }, [{ peer: loader, target: PGLOADER_TARGET }]);
    if (table.created) report.notes.push('the MariaDB table was made in this run; later runs reuse it');
    return report;
  },
};

async function pgloader(scratch: string, table: MariaTable, mc: ReturnType<typeof mariaConnection>): Promise<Measurement> {
  const pgUrl = new URL(BENCH_PG_URL);
  const load = join(scratch, 'mariadb.load');
  const from = `mysql://${encodeURIComponent(mc.user)}${mc.password ? `:${encodeURIComponent(mc.password)}` : ''}@${mc.host}:${mc.port}/${table.database}`;
  writeFileSync(
    load,
    `LOAD DATABASE
  FROM ${from}
  INTO postgresql://${pgUrl.username || 'postgres'}@${pgUrl.hostname}:${pgUrl.port || 5432}${pgUrl.pathname}
  WITH include drop, create tables, create no indexes, no foreign keys, reset no sequences, workers = 4, concurrency = 1
  INCLUDING ONLY TABLE NAMES MATCHING '${table.table}'
  ALTER SCHEMA '${table.database}' RENAME TO '${PGLOADER_SCHEMA}';
`,
  );
  const r = await runMeasured('pgloader', ['--no-ssl-cert-verification', load]);
  if (r.code !== 0) throw new Error(`pgloader failed (${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  const rows = await pgCount(`${PGLOADER_SCHEMA}.${table.table}`);
  return { name: 'peer: pgloader (4 workers, data only)', role: 'peer', seconds: r.seconds, rows, bytes: 0, peakRssBytes: r.peakRssBytes, note: rows !== table.rows ? `loaded ${rows} rows of ${table.rows}` : undefined };
}

export async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BENCH_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function preparePgTable(qualified: string): Promise<void> {
  return withPg(async (c) => {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${qualified.split('.')[0]}`);
    await c.query(`DROP TABLE IF EXISTS ${qualified}`);
    await c.query(`CREATE TABLE ${qualified} (order_id bigint, customer varchar(60), country char(2), product varchar(60), quantity integer, unit_price numeric(12,2), amount numeric(14,2), ordered_at timestamp(3), status varchar(20), note text)`);
  });
}

const truncate = (qualified: string) => withPg(async (c) => void (await c.query(`TRUNCATE ${qualified}`)));

export function pgCount(qualified: string): Promise<number> {
  return withPg(async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${qualified}`)).rows[0].n)).catch(() => -1);
}
