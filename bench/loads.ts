/**
 * File → table loads: one CSV file (the PostgreSQL bench table exported by psql, header row, timestamps without a
 * zone so both stores read them) loaded into PostgreSQL and into MariaDB, single stream and parallelCopies 4, each
 * beside the limits measured in the same run on the same file:
 *   raw read    cat FILE > /dev/null
 *   raw write   PostgreSQL: psql \copy TABLE FROM FILE (csv, header); MariaDB: LOAD DATA LOCAL INFILE
 * Targets: ≥ 0.9× min(raw read, raw write) in rows/s; peak RSS < 200 MB. Targets have no index, so every load
 * pays the same.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable } from './benchTable.js';
import { CLI, engineEnv } from './engineRun.js';
import type { Benchmark, BenchOptions, BenchReport } from './harness.js';
import { pgCount, withPg } from './mariadb.js';
import { mariaConnection } from './mariadbTable.js';
import { catRead, loadDataLocal, psqlCopyFrom, psqlOut } from './rawLimits.js';
import { RowFactory } from './rowFactory.js';
import { PARALLEL, PathBench } from './rowPaths.js';

const COLS = 'order_id, customer, country, product, quantity, unit_price, total, ordered_at, status, note';
const PG_DDL = 'order_id bigint, customer text, country text, product text, quantity integer, unit_price numeric(12,2), total numeric(14,2), ordered_at timestamp(3), status text, note text';
const MARIA_DDL = 'order_id BIGINT, customer VARCHAR(100), country CHAR(2), product VARCHAR(100), quantity INT, unit_price DECIMAL(12,2), total DECIMAL(14,2), ordered_at DATETIME(3), status VARCHAR(20), note TEXT';
const LOAD_CLAUSES = `CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\\n' IGNORE 1 LINES (order_id, customer, country, product, quantity, unit_price, total, ordered_at, status, @note) SET note = NULLIF(@note, '')`;

export const loadsBenchmark: Benchmark = {
  name: 'loads',
  summary: 'CSV file → PostgreSQL and → MariaDB tables, vs cat, psql \\copy from and LOAD DATA LOCAL INFILE',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const mc = mariaConnection();
    const pgUrl = new URL(BENCH_PG_URL);
    if (!(await portOpen(mc.port, mc.host))) return { ...report, skipped: `MariaDB is not reachable at ${mc.host}:${mc.port} (set DMGW_BENCH_MARIADB_URL)` };
    if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${pgUrl.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureBenchTable(o.rows, o.log);
    const rows = table.rows;
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(join(fileRoot, 'in'), { recursive: true });
    const file = join(fileRoot, 'in', 'orders.csv');
    const select = COLS.replace('ordered_at', `(ordered_at AT TIME ZONE 'UTC')::timestamp(3) AS ordered_at`);
    await psqlOut(`COPY (SELECT ${select} FROM ${table.qualified}) TO STDOUT WITH (FORMAT csv, HEADER)`, file, { name: 'the load file', rows });

    const factory = new RowFactory(join(o.scratch, 'factory'), fileRoot);
    const b = new PathBench(report, o, factory, engineEnv(o.scratch, fileRoot));
    const rawRead = await b.measure(() => catRead(file, { name: 'file raw read: cat → /dev/null', rows }));
    const source = { kind: 'csvFile' as const, folder: 'in', fileName: 'orders.csv' };

    // --- → PostgreSQL
    const pgTable = `load_${rows}`;
    const pgQualified = `${table.schema}.${pgTable}`;
    const pgEmpty = () => withPg(async (c) => void (await c.query(`DROP TABLE IF EXISTS ${pgQualified}; CREATE TABLE ${pgQualified} (${PG_DDL})`)));
    await pgEmpty();
    const pgRaw = await b.measure(() => psqlCopyFrom(`${pgQualified} (${COLS})`, file, 'FORMAT csv, HEADER', { name: 'PostgreSQL raw write: psql \\copy from the file', rows }), pgEmpty);
    const pgOurs = [];
    for (const n of PARALLEL) pgOurs.push(await b.engine('file → PostgreSQL', factory.pipeline(`FileToPg_${n}`, source, { kind: 'pg', schema: table.schema, table: pgTable }, n), n, rows, { kind: 'table', empty: pgEmpty }));
    const pgRows = await pgCount(pgQualified);
    if (pgRows !== rows) report.notes.push(`the PostgreSQL load target holds ${pgRows} rows, expected ${rows}`);
    b.path('file → PostgreSQL', pgOurs, { read: rawRead, write: pgRaw });

    // --- → MariaDB
    const mariaTable = `load_${rows}`;
    const maria = async (sql: string) => {
      const c = await mysql.createConnection({ host: mc.host, port: mc.port, user: mc.user, password: mc.password, database: mc.database, charset: 'UTF8MB4_GENERAL_CI' });
      try {
        return (await c.query<mysql.RowDataPacket[]>(sql))[0];
      } finally {
        await c.end();
      }
    };
    const mariaEmpty = async () => {
      await maria(`DROP TABLE IF EXISTS \`${mariaTable}\``);
      await maria(`CREATE TABLE \`${mariaTable}\` (${MARIA_DDL}) CHARACTER SET utf8mb4`);
    };
    await mariaEmpty();
    const mariaRaw = await b.measure(() => loadDataLocal(mc.database, mariaTable, file, LOAD_CLAUSES, { name: 'MariaDB raw write: LOAD DATA LOCAL INFILE', rows }), mariaEmpty);
    const mariaOurs = [];
    for (const n of PARALLEL) mariaOurs.push(await b.engine('file → MariaDB', factory.pipeline(`FileToMaria_${n}`, source, { kind: 'maria', database: mc.database, table: mariaTable }, n), n, rows, { kind: 'table', empty: mariaEmpty }));
    const mariaRows = Number((await maria(`SELECT COUNT(*) AS n FROM \`${mariaTable}\``))[0]!.n);
    if (mariaRows !== rows) report.notes.push(`the MariaDB load target holds ${mariaRows} rows, expected ${rows}`);
    b.path('file → MariaDB', mariaOurs, { read: rawRead, write: mariaRaw });
    return report;
  },
};
