/**
 * MariaDB as a source, each engine run beside its limits measured in the same run on the same data:
 *   raw read     mariadb --batch --quick -e "SELECT ..." > /dev/null   (the client's own streaming read)
 *   raw upload   that output (as a file) uploaded to a fresh Azurite (8 MiB blocks × 4)
 *   engine blob  MariaDB → CSV blob, single stream and 4 DynamicRange partitions
 *   pgloader     Debian's pgloader, MariaDB table → new PostgreSQL table (data only, no indexes)
 *   engine pg    MariaDB → PostgreSQL table (staged, one-transaction move), single stream and 4 partitions
 * Targets: blob ≥ 0.9× min(raw read, raw upload) in rows/s; PostgreSQL sink ≥ 1.5× pgloader; peak RSS < 200 MB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL } from './benchTable.js';
import { attempt, blobBytes, CLI, engineRunsIntoAzurite, PROBES, runEngine, withAzurite } from './engineRun.js';
import { atLeast, below, fastest, MB, rate, runMeasured, type Benchmark, type BenchOptions, type BenchReport, type Check, type Measurement } from './harness.js';
import { MARIA_BLOB_CONTAINER, mariaPipeline, setMariaBlobConnection, writeMariaFactory, type MariaSink } from './mariadbFactory.js';
import { COLUMNS, ensureMariaTable, mariaConnection, type MariaTable } from './mariadbTable.js';

const PARALLEL = [1, 4];
const RSS_LIMIT_MB = 200;
const PG_SCHEMA = 'dmgw_bench';
const PGLOADER_SCHEMA = 'dmgw_bench_pgloader';

export const mariadbBenchmark: Benchmark = {
  name: 'mariadb',
  summary: 'MariaDB table → CSV blob (vs mariadb --batch and a raw upload) and → PostgreSQL table (vs pgloader)',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const mc = mariaConnection();
    const pgUrl = new URL(BENCH_PG_URL);
    if (!(await portOpen(mc.port, mc.host))) return { ...report, skipped: `MariaDB is not reachable at ${mc.host}:${mc.port} (set DMGW_BENCH_MARIADB_URL)` };
    if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${pgUrl.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureMariaTable(o.rows, o.log);
    const pgTarget = { schema: PG_SCHEMA, table: `from_mariadb_${o.rows}` };
    await preparePgTarget(pgTarget);
    const factory = join(o.scratch, 'factory');
    writeMariaFactory({ dir: factory, table, maria: mc, pg: { host: pgUrl.hostname, port: Number(pgUrl.port || 5432), database: pgUrl.pathname.slice(1), user: decodeURIComponent(pgUrl.username) }, pgTarget, parallelCopies: PARALLEL });
    const m = (x: Measurement) => {
      report.measurements.push(x);
      o.log(`  ${x.name}: ${x.seconds.toFixed(2)} s, ${(rate(x).rowsPerSecond / 1e6).toFixed(2)} M rows/s${x.peakRssBytes ? `, peak RSS ${(x.peakRssBytes / MB).toFixed(0)} MB` : ''}`);
      return x;
    };
    // an engine run (or pgloader) that fails is reported and the other measurements go on
    const tryMeasure = async (fn: () => Promise<Measurement>) => {
      const x = await attempt(report, o.log, fn);
      return x && m(x);
    };

    // --- raw limits
    const select = `SELECT ${COLUMNS} FROM \`${table.table}\``;
    const rawFile = join(o.scratch, 'mariadb.tsv');
    const rawRead = m(await fastest(o.repeat, () => mariadbClient(select, '/dev/null', table, 'raw read: mariadb --batch --quick → /dev/null')));
    const rawToFile = await mariadbClient(select, rawFile, table, 'mariadb --batch → file');
    const rawUpload = m(
      await fastest(o.repeat, () =>
        withAzurite(async (az) => {
          const r = await runMeasured(process.execPath, [PROBES, 'upload', rawFile, az.connectionString, MARIA_BLOB_CONTAINER, 'raw/orders.tsv']);
          if (r.code !== 0) throw new Error(`raw upload failed: ${r.stderr}`);
          return { name: 'blob: raw upload of the mariadb output', role: 'baseline', seconds: r.seconds, rows: table.rows, bytes: rawToFile.bytes, peakRssBytes: r.peakRssBytes };
        }),
      ),
    );
    rmSync(rawFile, { force: true });

    // --- engine → blob
    const engineBlob = await engineRunsIntoAzurite(PARALLEL, o.repeat, tryMeasure, (az, n) => {
      setMariaBlobConnection(factory, az.connectionString);
      return engine(factory, 'blob', n, table, () => blobBytes(az.connectionString, MARIA_BLOB_CONTAINER, 'engine/'));
    });

    // --- pgloader and engine → PostgreSQL
    const loader = await tryMeasure(() => fastest(o.repeat, () => pgloader(o.scratch, table, mc)));
    const enginePg: Measurement[] = [];
    for (const n of PARALLEL) {
      const e = await tryMeasure(() => fastest(o.repeat, () => engine(factory, 'pg', n, table, async () => 0)));
      if (e) enginePg.push(e);
    }
    const loaded = await pgCount(`${pgTarget.schema}.${pgTarget.table}`);
    if (loaded !== table.rows) report.notes.push(`the PostgreSQL target holds ${loaded} rows after the engine runs, expected ${table.rows}`);

    // --- checks (rows/s: the raw client writes TSV, the engine CSV with a header)
    const rps = (x: Measurement) => rate(x).rowsPerSecond;
    const checks: Check[] = [];
    const slower = Math.min(rps(rawRead), rps(rawUpload));
    for (const e of engineBlob) checks.push(atLeast(`${e.name} ÷ min(raw read, raw upload)`, rps(e) / slower, 0.9));
    if (loader) for (const e of enginePg) checks.push(atLeast(`${e.name} ÷ pgloader`, rps(e) / rps(loader), 1.5));
    for (const e of [...engineBlob, ...enginePg]) checks.push(below(`${e.name} peak RSS`, (e.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
    report.checks = checks;
    for (const e of [...engineBlob, ...enginePg]) if (e.note) report.notes.push(`${e.name}: ${e.note}`);
    if (table.created) report.notes.push('the MariaDB table was made in this run; later runs reuse it');
    return report;
  },
};

async function mariadbClient(sql: string, target: string, table: MariaTable, name: string): Promise<Measurement> {
  const c = mariaConnection();
  const r = await runMeasured('mariadb', ['--batch', '--quick', '--skip-column-names', '-h', c.host, '-P', String(c.port), '-u', c.user, ...(c.password ? [`-p${c.password}`] : []), table.database, '-e', sql], { stdoutFile: target });
  if (r.code !== 0) throw new Error(`mariadb client failed (${r.code}): ${r.stderr}`);
  return { name, role: 'baseline', seconds: r.seconds, rows: table.rows, bytes: target === '/dev/null' ? 0 : statSync(target).size, peakRssBytes: r.peakRssBytes };
}

async function pgloader(scratch: string, table: MariaTable, mc: ReturnType<typeof mariaConnection>): Promise<Measurement> {
  if (spawnSync('pgloader', ['--version']).status !== 0) throw new Error('pgloader is not installed (apt-get install -y pgloader): no pgloader baseline');
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
  return { name: 'pg: pgloader', role: 'baseline', seconds: r.seconds, rows, bytes: 0, peakRssBytes: r.peakRssBytes, note: rows !== table.rows ? `loaded ${rows} rows of ${table.rows}` : undefined };
}

async function engine(factory: string, sink: MariaSink, parallel: number, table: MariaTable, outputBytes: () => Promise<number>): Promise<Measurement> {
  const r = await runEngine(factory, mariaPipeline(sink, parallel));
  const rows = r.output?.rowsCopied ?? 0;
  return { name: `${sink}: engine parallelCopies=${parallel}`, role: 'engine', seconds: r.seconds, rows, bytes: await outputBytes(), peakRssBytes: r.peakRssBytes, note: rows !== table.rows ? `copied ${rows} rows of ${table.rows}` : undefined };
}

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BENCH_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function preparePgTarget(t: { schema: string; table: string }): Promise<void> {
  return withPg(async (c) => {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await c.query(`DROP TABLE IF EXISTS ${t.schema}.${t.table}`);
    await c.query(`CREATE TABLE ${t.schema}.${t.table} (order_id bigint, customer varchar(60), country char(2), product varchar(60), quantity integer, unit_price numeric(12,2), amount numeric(14,2), ordered_at timestamp(3), status varchar(20), note text)`);
  });
}

function pgCount(qualified: string): Promise<number> {
  return withPg(async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${qualified}`)).rows[0].n)).catch(() => -1);
}
