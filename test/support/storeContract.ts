/**
 * The connector contract: one awkward data set every table store must carry unchanged, defined once as
 * values, with per-store adapters that create it (each store's own DDL and driver), describe its linked
 * service/dataset, and dump a table to canonical text IN THE STORE'S OWN SQL (independent of the gateway's
 * reading code), so "the sink equals the source" is a comparison of two dumps.
 * Portable subset: what PostgreSQL, MariaDB and SQL Server can all hold (no NaN/infinity, dates 1000-9999,
 * TIMESTAMP WITH TIME ZONE within MariaDB's 1970-2038, decimals of one declared scale).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { pgConnectionString } from './copyFactory.js';
import { MARIADB_URL, PG_URL } from './servers.js';

export interface AwkwardRow {
  id: number;
  t: string | null;
  v: string | null;
  n: string | null;
  f: number | null;
  ts: string | null;
  tz: string | null;
  d: string | null;
  b: boolean | null;
  by: Buffer | null;
  j: string | null;
}

export const AWKWARD_NAMES = ['id', 't', 'v', 'n', 'f', 'ts', 'tz', 'd', 'b', 'by', 'j'] as const;

const FIXED: AwkwardRow[] = [
  { id: 1, t: 'hello, "world"\nline2\r\nline3', v: '', n: '12345678901234567890123456789.123456789', f: 1.5e300, ts: '2024-03-01 10:00:00.123456', tz: '2024-03-01 08:00:00.123456', d: '2024-02-29', b: true, by: Buffer.from([0x00, 0xff]), j: '{"a":[1,2.50],"b":"x","big":12345678901234567890}' },
  { id: 2, t: '', v: null, n: '-0.000000001', f: 0.1, ts: null, tz: null, d: null, b: false, by: Buffer.alloc(0), j: 'null' },
  { id: 3, t: null, v: 'tab\there', n: '0.000000000', f: -2.25, ts: '1000-01-01 00:00:00', tz: '1970-01-01 00:00:01', d: '1000-01-01', b: null, by: null, j: null },
  { id: 4, t: 'emoji 😀 𝄞 rtl עברית مرحبا', v: 'back\\slash \\N', n: '-99999999999999999999999999999.999999999', f: 3.141592653589793, ts: '9999-12-31 23:59:59.999999', tz: '2038-01-19 03:14:07', d: '9999-12-31', b: true, by: Buffer.from('5c4e0a0d09', 'hex'), j: '[]' },
  { id: 5, t: 'NULL', v: '\\N', n: '100.500000000', f: null, ts: '2024-06-30 12:00:00.5', tz: '2024-06-30 06:30:00', d: '2024-06-30', b: false, by: Buffer.from('deadbeef', 'hex'), j: '{"q":"\\"quoted\\", comma\\nnewline 😀"}' },
  { id: 6, t: ';|,\t', v: '"', n: null, f: 0, ts: null, tz: null, d: null, b: true, by: null, j: '{}' },
  { id: 7, t: ' leading and trailing ', v: '\r', n: '1.000000001', f: -0.5, ts: '2024-01-01 00:00:00', tz: '2024-01-01 00:00:00', d: '2024-01-01', b: null, by: Buffer.from([0x0a]), j: '"a string"' },
];

/** The fixed awkward rows plus `extra` generated ones (ids 100...), enough for several batches and partitions. */
export function awkwardRows(extra = 2000): AwkwardRow[] {
  const rows = [...FIXED];
  for (let g = 100; g < 100 + extra; g++) {
    const minute = new Date(Date.UTC(2024, 0, 1) + g * 60_000).toISOString().replace('T', ' ').replace('Z', '');
    rows.push({ id: g, t: `row ${g}`, v: g % 7 === 0 ? null : `v${g}`, n: `${g}.${String(g % 1000).padStart(9, '0')}`, f: g / 4, ts: `${minute}`, tz: minute, d: `2024-${String((g % 12) + 1).padStart(2, '0')}-${String((g % 28) + 1).padStart(2, '0')}`, b: g % 2 === 0, by: Buffer.from([g & 0xff, (g >> 8) & 0xff]), j: `{"g":${g}}` });
  }
  return rows;
}

/** A canonical row: every value as text in one form all stores agree on (bytes as hex, booleans 1/0, times without zone in UTC, microseconds). */
export type Dump = string[];

const micro = (s: string | null) => (s === null ? '∅' : s.includes('.') ? s.padEnd(26, '0') : `${s}.000000`);

/** The dump of the rows as defined here, to check a freshly created table. */
export function expectedDump(rows: AwkwardRow[]): Dump {
  return rows.map((r) => [r.id, r.t ?? '∅', r.v ?? '∅', r.n ?? '∅', r.f === null ? '∅' : String(r.f), micro(r.ts), micro(r.tz), r.d ?? '∅', r.b === null ? '∅' : r.b ? '1' : '0', r.by === null ? '∅' : r.by.toString('hex'), r.j ?? '∅'].join('\u0001')).sort();
}

function normalize(rows: unknown[][]): Dump {
  return rows.map((r) => r.map((v, i) => (v === null ? '∅' : i === 4 ? String(Number(v)) : String(v))).join('\u0001')).sort();
}

export interface TableStore {
  name: string;
  linkedService: { type: string; typeProperties: Record<string, unknown> };
  datasetType: string;
  sourceType: string;
  sinkType: string;
  /** dataset typeProperties naming `table` */
  dataset(table: string): Record<string, unknown>;
  /** creates `table` with the awkward columns (empty) */
  create(table: string, extraColumns?: string): Promise<void>;
  insert(table: string, rows: AwkwardRow[]): Promise<void>;
  dump(table: string): Promise<Dump>;
  exec(sql: string): Promise<unknown[][]>;
  close(): Promise<void>;
}

// ---- PostgreSQL ---------------------------------------------------------------------------------------------

export async function postgresStore(schema: string): Promise<TableStore> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const q = (t: string) => `${schema}.${t}`;
  return {
    name: 'PostgreSQL',
    linkedService: { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString() } },
    datasetType: 'PostgreSqlTable',
    sourceType: 'PostgreSqlSource',
    sinkType: 'PostgreSqlSink',
    dataset: (table) => ({ schema, table }),
    async create(table, extra = '') {
      await client.query(`CREATE TABLE ${q(table)} (id bigint primary key, t text, v varchar(50), n numeric(38,9), f float8, ts timestamp(6), tz timestamptz, d date, b boolean, "by" bytea, j json${extra ? `, ${extra}` : ''})`);
    },
    async insert(table, rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        const values: unknown[] = [];
        const tuples = part.map((r) => `(${AWKWARD_NAMES.map((k) => {
          values.push(k === 'tz' && r.tz !== null ? `${r.tz}+00` : r[k]);
          return `$${values.length}`;
        }).join(', ')})`);
        await client.query(`INSERT INTO ${q(table)} (id, t, v, n, f, ts, tz, d, b, "by", j) VALUES ${tuples.join(', ')}`, values);
      }
    },
    async dump(table) {
      const r = await client.query({
        text: `SELECT id::text, t, v, n::text, f::text, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US'), to_char(tz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), to_char(d, 'YYYY-MM-DD'), CASE WHEN b THEN '1' WHEN NOT b THEN '0' END, encode("by", 'hex'), j::text FROM ${q(table)}`,
        rowMode: 'array',
      });
      return normalize(r.rows);
    },
    async exec(sql) {
      const r = await client.query({ text: sql, rowMode: 'array' });
      return r.rows;
    },
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

// ---- MariaDB ------------------------------------------------------------------------------------------------

export const mariadbConnectionString = (url = MARIADB_URL): string => {
  const u = new URL(url);
  return `Server=${u.hostname};Port=${u.port || 3306};Database=${u.pathname.slice(1)};UID=${decodeURIComponent(u.username)}${u.password ? `;PWD=${decodeURIComponent(u.password)}` : ''}`;
};

/** A MariaDB store in its own database `db` (created here, dropped by close). */
export async function mariadbStore(db: string, type = 'MariaDB'): Promise<TableStore> {
  const u = new URL(MARIADB_URL);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), timezone: 'Z', dateStrings: true, jsonStrings: true, charset: 'UTF8MB4_GENERAL_CI', multipleStatements: true });
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${db}\``);
  await conn.query("SET time_zone = '+00:00'");
  return {
    name: type,
    linkedService: { type, typeProperties: { connectionString: mariadbConnectionString(`mysql://${u.username}${u.password ? `:${u.password}` : ''}@${u.host}/${db}`) } },
    datasetType: type === 'MySql' ? 'MySqlTable' : 'MariaDBTable',
    sourceType: type === 'MySql' ? 'MySqlSource' : 'MariaDBSource',
    sinkType: type === 'MySql' ? 'MySqlSink' : 'MariaDBSink',
    dataset: (table) => ({ tableName: `\`${db}\`.\`${table}\`` }),
    async create(table, extra = '') {
      await conn.query(`CREATE TABLE \`${table}\` (id bigint primary key, t text, v varchar(50), n decimal(38,9), f double, ts datetime(6), tz timestamp(6) NULL, d date, b boolean, \`by\` varbinary(255), j json${extra ? `, ${extra}` : ''}) CHARACTER SET utf8mb4`);
    },
    async insert(table, rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        await conn.query(`INSERT INTO \`${table}\` (id, t, v, n, f, ts, tz, d, b, \`by\`, j) VALUES ?`, [part.map((r) => AWKWARD_NAMES.map((k) => r[k]))]);
      }
    },
    async dump(table) {
      const [rows] = await conn.query({
        sql: `SELECT CAST(id AS CHAR), t, v, CAST(n AS CHAR), f, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(tz, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(d, '%Y-%m-%d'), CAST(b AS CHAR), LOWER(HEX(\`by\`)), j FROM \`${table}\``,
        rowsAsArray: true,
      });
      return normalize(rows as unknown[][]);
    },
    async exec(sql) {
      const [rows] = await conn.query({ sql, rowsAsArray: true });
      return Array.isArray(rows) ? (rows as unknown[][]) : [];
    },
    async close() {
      await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await conn.end();
    },
  };
}

/** Rows in one dump and not the other (multiset), at most `limit`, readable: `- row` missing in b, `+ row` extra in b. */
export function dumpDifference(a: Dump, b: Dump, limit = 6): string[] {
  const shown = { "-": 0, "+": 0 };
  const count = new Map<string, number>();
  for (const r of a) count.set(r, (count.get(r) ?? 0) + 1);
  for (const r of b) count.set(r, (count.get(r) ?? 0) - 1);
  const out: string[] = [];
  for (const [r, c] of count) if (c !== 0 && shown[c > 0 ? "-" : "+"]++ < limit / 2) out.push(`${c > 0 ? '-' : '+'} ${JSON.stringify(r.split('\u0001'))}`);
  return out;
}

// ---- SQL Server (only where DMGW_TEST_MSSQL_URL names one) ---------------------------------------------------

/** `mssql://user:password@host:1433/database?encrypt=true&trustServerCertificate=true` */
export const MSSQL_URL = process.env.DMGW_TEST_MSSQL_URL;

export async function sqlServerStore(schema: string, url = MSSQL_URL!): Promise<TableStore> {
  const sql = (await import('mssql')).default;
  const u = new URL(url);
  const yes = (k: string, d: boolean) => (u.searchParams.has(k) ? /^(true|1|yes)$/i.test(u.searchParams.get(k)!) : d);
  const pool = await new sql.ConnectionPool({ server: u.hostname, port: Number(u.port || 1433), database: u.pathname.slice(1) || undefined, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), options: { encrypt: yes('encrypt', true), trustServerCertificate: yes('trustServerCertificate', false) } }).connect();
  await pool.request().batch(`CREATE SCHEMA [${schema}]`);
  const q = (t: string) => `[${schema}].[${t}]`;
  const created: string[] = [];
  return {
    name: 'SqlServer',
    linkedService: { type: 'SqlServer', typeProperties: { connectionString: `Data Source=${u.hostname},${u.port || 1433};Initial Catalog=${u.pathname.slice(1) || 'master'};User ID=${decodeURIComponent(u.username)};Password="${decodeURIComponent(u.password).replace(/"/g, '""')}";Encrypt=${yes('encrypt', true)};TrustServerCertificate=${yes('trustServerCertificate', false)}` } },
    datasetType: 'SqlServerTable',
    sourceType: 'SqlSource',
    sinkType: 'SqlSink',
    dataset: (table) => ({ schema, table }),
    async create(table, extra = '') {
      await pool.request().batch(`CREATE TABLE ${q(table)} (id bigint primary key, t nvarchar(max), v nvarchar(50), n decimal(38,9), f float, ts datetime2(6), tz datetimeoffset(6), d date, b bit, [by] varbinary(255), j nvarchar(max)${extra ? `, ${extra}` : ''})`);
      created.push(table);
    },
    async insert(table, rows) {
      for (const r of rows) {
        const req = pool.request();
        req.input('id', sql.BigInt, r.id).input('t', sql.NVarChar(sql.MAX), r.t).input('v', sql.NVarChar(50), r.v).input('n', sql.NVarChar(60), r.n).input('f', sql.Float, r.f);
        req.input('ts', sql.NVarChar(40), r.ts).input('tz', sql.NVarChar(40), r.tz === null ? null : `${r.tz} +00:00`).input('d', sql.NVarChar(10), r.d).input('b', sql.Bit, r.b).input('by', sql.VarBinary(255), r.by).input('j', sql.NVarChar(sql.MAX), r.j);
        await req.query(`INSERT INTO ${q(table)} VALUES (@id, @t, @v, CONVERT(decimal(38,9), @n), @f, CONVERT(datetime2(6), @ts, 121), CONVERT(datetimeoffset(6), @tz, 121), CONVERT(date, @d, 23), @b, @by, @j)`);
      }
    },
    async dump(table) {
      const r = await pool.request().query(`SELECT CONVERT(varchar(20), id) AS c0, t, v, CONVERT(varchar(60), n) AS n, f, CONVERT(varchar(26), ts, 121) AS ts, CONVERT(varchar(26), CONVERT(datetime2(6), SWITCHOFFSET(tz, '+00:00')), 121) AS tz, CONVERT(varchar(10), d, 23) AS d, CONVERT(varchar(1), b) AS b, LOWER(CONVERT(varchar(max), [by], 2)) AS [by], j FROM ${q(table)}`);
      return normalize(r.recordset.map((row: Record<string, unknown>) => Object.values(row)));
    },
    async exec(text) {
      const r = await pool.request().query(text);
      return (r.recordset ?? []).map((row: Record<string, unknown>) => Object.values(row));
    },
    async close() {
      for (const t of created) await pool.request().batch(`DROP TABLE IF EXISTS ${q(t)}`);
      await pool.request().batch(`DROP SCHEMA IF EXISTS [${schema}]`).catch(() => undefined);
      await pool.close();
    },
  };
}
