/**
 * The SQL each table connector writes, pinned per dialect (PostgreSQL, MySQL/MariaDB, SQL Server): the source
 * query, DynamicRange slices, the bounds query and the column lookup behind it, and SQL Server's streamed read
 * (batches, pause/resume, abort) on a fake request. No server needed: sessions are replaced by fakes that
 * record the statements.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BATCH_ROWS } from '../../../../src/agent/copy/rows.js';
import type { Column } from '../../../../src/agent/copy/rows.js';
import { MySqlConnector } from '../../../../src/agent/connectors/mysql.js';
import { qualified as myQualified, rangeSql as myRange, sourceSql as mySource } from '../../../../src/agent/connectors/mysqlSql.js';
import { PostgresConnector, qualified as pgQualified, rangeSql as pgRange } from '../../../../src/agent/connectors/postgres.js';
import { qualified as msQualified, rangeSql as msRange, SqlServerConnector } from '../../../../src/agent/connectors/sqlServer.js';
import { sqlServerColumn } from '../../../../src/agent/connectors/sqlServerTypes.js';
import type { RangePartition, TableSource } from '../../../../src/agent/connectors/connector.js';
import type { LinkedService } from '../../../../src/common/model/types.js';

const ls = (type: string, typeProperties: Record<string, unknown>): LinkedService => ({ name: 'Db', properties: { type, typeProperties } }) as LinkedService;

const Q = 'SELECT * FROM t';
const bad: RangePartition = { column: 'id', type: 'integer', lower: '1; DROP TABLE x', withNulls: false };
/** A slice and its WHERE in PostgreSQL, MySQL/MariaDB and SQL Server. */
const slices: Array<[RangePartition, string, string, string]> = [
  [{ column: 'id', type: 'integer', lower: '10', upper: '20', withNulls: true }, '("id" >= 10 AND "id" < 20) OR "id" IS NULL', '(`id` >= 10 AND `id` < 20) OR `id` IS NULL', '([id] >= 10 AND [id] < 20) OR [id] IS NULL'],
  [{ column: 'id', type: 'integer', lower: '-5', withNulls: false }, '"id" >= -5', '`id` >= -5', '[id] >= -5'],
  [{ column: 'id', type: 'integer', withNulls: false }, 'TRUE', 'TRUE', '1 = 1'],
  [{ column: 'id', type: 'integer', withNulls: true }, '(TRUE) OR "id" IS NULL', '(TRUE) OR `id` IS NULL', '(1 = 1) OR [id] IS NULL'],
  // a date's day (-01) is no zone: SQL Server gets the date as it is (the zone rewrite +hh → +hh:00 is for timestamptz)
  [{ column: 'd', type: 'date', lower: '2024-01-01', upper: '2024-02-01', withNulls: false }, `"d" >= E'2024-01-01'::date AND "d" < E'2024-02-01'::date`, "`d` >= '2024-01-01' AND `d` < '2024-02-01'", "[d] >= CONVERT(date, N'2024-01-01', 121) AND [d] < CONVERT(date, N'2024-02-01', 121)"],
  [
    { column: 'at', type: 'timestamp', lower: '2024-01-01 00:00:00', upper: '2024-01-02 00:00:00', withNulls: false },
    `"at" >= E'2024-01-01 00:00:00'::timestamp AND "at" < E'2024-01-02 00:00:00'::timestamp`,
    "`at` >= '2024-01-01 00:00:00' AND `at` < '2024-01-02 00:00:00'",
    "[at] >= CONVERT(datetime2, N'2024-01-01 00:00:00', 121) AND [at] < CONVERT(datetime2, N'2024-01-02 00:00:00', 121)",
  ],
  [
    { column: 'at', type: 'timestamptz', lower: '2024-01-01 00:00:00+00', upper: '2024-01-02 00:00:00+00', withNulls: true },
    `("at" >= E'2024-01-01 00:00:00+00'::timestamptz AND "at" < E'2024-01-02 00:00:00+00'::timestamptz) OR "at" IS NULL`,
    "(`at` >= '2024-01-01 00:00:00' AND `at` < '2024-01-02 00:00:00') OR `at` IS NULL",
    "([at] >= CONVERT(datetimeoffset, N'2024-01-01 00:00:00+00:00', 121) AND [at] < CONVERT(datetimeoffset, N'2024-01-02 00:00:00+00:00', 121)) OR [at] IS NULL",
  ],
  [{ column: 'n', type: 'decimal', lower: '1.5', upper: "2'5", withNulls: false }, `"n" >= E'1.5'::numeric AND "n" < E'2''5'::numeric`, "`n` >= '1.5' AND `n` < '2''5'", "[n] >= CONVERT(datetime2, N'1.5', 121) AND [n] < CONVERT(datetime2, N'2''5', 121)"],
  [{ column: 'we"ird`col]', type: 'string', lower: "a'b\\c\n", withNulls: false }, `"we""ird\`col]" >= E'a''b\\\\c\\n'::text`, "`we\"ird``col]` >= 'a''b\\\\c\n'", "[we\"ird`col]]] >= CONVERT(datetime2, N'a''b\\c\n', 121)"],
];

describe('DynamicRange slices per dialect', () => {
  it.each(slices)('%o', (range, pg, my, ms) => {
    expect(pgRange(Q, range)).toBe(`SELECT * FROM (SELECT * FROM t) AS dmgw_q WHERE ${pg}`);
    expect(myRange(Q, range)).toBe(`SELECT * FROM (SELECT * FROM t) AS dmgw_q WHERE ${my}`);
    expect(msRange(Q, range)).toBe(`SELECT * FROM (SELECT * FROM t) AS dmgw_r WHERE ${ms}`);
  });

  it('no slice, a bad integer bound, and what only one dialect has', () => {
    for (const range of [pgRange, myRange, msRange]) {
      expect(range(Q, undefined)).toBe(Q);
      expect(() => range(Q, bad)).toThrow(/partition bound "1; DROP TABLE x" is not an integer/);
    }
    expect(pgRange(Q, { column: '', type: 'string', withNulls: false, select: 'SELECT a FROM p1' } as never)).toBe('SELECT a FROM p1');
    expect(myRange(Q, { column: '`id`', type: 'integer', lower: '1', withNulls: false })).toBe('SELECT * FROM (SELECT * FROM t) AS dmgw_q WHERE `id` >= 1');
    expect(msRange(Q, { column: 'id', type: 'integer', withNulls: false, partitionFunction: 'pf]x', partitionNumber: 2 } as never)).toBe('SELECT * FROM (SELECT * FROM t) AS dmgw_r WHERE $PARTITION.[pf]]x]([id]) = 2');
  });
});

describe('table names per dialect', () => {
  it('quotes schema and table, keeping a name already quoted in the dialect', () => {
    expect(pgQualified({ schema: 'my "s"', table: 't.x' })).toBe('"my ""s"""."t.x"');
    expect(pgQualified({ table: 't' })).toBe('"t"');
    expect(myQualified({ schema: '`db`', table: 'or`ders' })).toBe('`db`.`or``ders`');
    expect(myQualified({ table: '`t`' })).toBe('`t`');
    expect(msQualified({ schema: '[dbo]', table: 'a]b' })).toBe('[dbo].[a]]b]');
    expect(msQualified({ table: '[x]]y]' })).toBe('[x]]y]');
  });
});

/** A PostgreSQL connector whose sessions are fakes answering `answer(sql)` and recording each statement. */
function fakePostgres(answer: (sql: string) => unknown) {
  const c = new PostgresConnector(ls('PostgreSql', { connectionString: 'Server=h;Port=5432;Database=d;UID=u' }));
  const sql: string[] = [];
  const released: boolean[] = [];
  const client = { query: async (text: string) => (sql.push(text), answer(text)) };
  Object.assign(c, { connect: async () => client, release: (_c: unknown, broken = false) => released.push(broken) });
  return { c, sql, released };
}

/** A MySQL connector whose connections are fakes answering `answer(sql)` and recording each statement. */
function fakeMySql(answer: (sql: string) => { rows: unknown[]; fields: unknown[] }) {
  const c = new MySqlConnector(ls('MariaDB', { connectionString: 'Server=h;Port=3306;Database=d;UID=u' }));
  const sql: string[] = [];
  const released: boolean[] = [];
  const conn = {
    query: (o: { sql: string }, cb: (e: Error | null, r: unknown, f: unknown) => void) => {
      sql.push(o.sql);
      try {
        const a = answer(o.sql);
        cb(null, a.rows, a.fields);
      } catch (e) {
        cb(e as Error, undefined, undefined);
      }
    },
  };
  Object.assign(c, { connect: async () => conn, release: (_c: unknown, broken = false) => released.push(broken) });
  return { c, sql, released };
}

function fakeSqlServer(answer: (sql: string) => unknown) {
  const c = new SqlServerConnector(ls('SqlServer', { server: 'h', database: 'd', userName: 'u', password: 'pw-1' }));
  const sql: string[] = [];
  Object.assign(c, { query: async (text: string) => (sql.push(text), answer(text)) });
  return { c, sql };
}

const cols: Column[] = [
  { name: 'ID', type: 'integer' },
  { name: 'at', type: 'timestamp' },
];
const table: TableSource = { table: { schema: 's', table: 't' } };
const query: TableSource = { query: ' SELECT 1 AS "ID";  ' };

describe('source query and bounds per dialect', () => {
  it('PostgreSQL', async () => {
    const { c, sql, released } = fakePostgres((q) => (q.includes('LIMIT 0') ? { fields: [{ name: 'ID', dataTypeID: 20 }, { name: 'at', dataTypeID: 1114 }] } : { rows: [{ min: '1', max: '9' }] }));
    expect(await c.describe(table)).toEqual([{ name: 'ID', type: 'integer', nativeType: 'bigint' }, { name: 'at', type: 'timestamp', nativeType: 'timestamp' }]);
    expect(await c.bounds(query, 'id')).toEqual({ type: 'integer', min: '1', max: '9' });
    expect(sql).toEqual([
      'SELECT * FROM (SELECT * FROM "s"."t") AS dmgw_q LIMIT 0',
      'SELECT * FROM (SELECT 1 AS "ID") AS dmgw_q LIMIT 0',
      'SELECT min("ID")::text AS min, max("ID")::text AS max FROM (SELECT 1 AS "ID") AS dmgw_q',
    ]);
    expect(released).toEqual([false, false, false]);
    await expect(c.bounds(table, 'nope')).rejects.toMatchObject({ code: 'PARTITION_COLUMN', message: 'partition column "nope" is not a column of the source (ID, at)', hint: 'name an integer or date column of the source' });
    await expect(c.describe({})).rejects.toMatchObject({ code: 'SOURCE_MISSING', message: 'the copy source names neither a table nor a query', hint: 'set the dataset table or source.query' });
    const failing = fakePostgres(() => {
      throw new Error('boom');
    });
    await expect(failing.c.describe(table)).rejects.toThrow('boom');
    expect(failing.released).toEqual([true]);
  });

  it('MySQL / MariaDB', async () => {
    const { c, sql, released } = fakeMySql((q) => (q.startsWith('SELECT CAST') ? { rows: [['2024-01-01 00:00:00', null]], fields: [] } : { rows: [], fields: [] }));
    Object.assign(c, { columnsOf: () => cols.map((col) => ({ ...col, read: String })) });
    expect(await c.describe(table)).toEqual(cols);
    expect(await c.bounds(query, 'AT')).toEqual({ type: 'timestamp', min: '2024-01-01 00:00:00', max: null });
    expect(sql).toEqual([
      'SELECT * FROM (SELECT * FROM `s`.`t`) AS dmgw_q LIMIT 0',
      'SELECT * FROM (SELECT 1 AS "ID") AS dmgw_q LIMIT 0',
      'SELECT CAST(MIN(`at`) AS CHAR), CAST(MAX(`at`) AS CHAR) FROM (SELECT 1 AS "ID") AS dmgw_q',
    ]);
    expect(released).toEqual([false, false, false]);
    expect(mySource({ table: { table: '`t`' } })).toBe('SELECT * FROM `t`');
    await expect(c.bounds(table, 'nope')).rejects.toMatchObject({ code: 'PARTITION_COLUMN', message: 'partition column "nope" is not a column of the source (ID, at)' });
    await expect(c.describe({})).rejects.toMatchObject({ code: 'SOURCE_MISSING', hint: 'set the dataset tableName or source.query' });
    const failing = fakeMySql(() => {
      throw new Error('boom');
    });
    await expect(failing.c.describe(table)).rejects.toThrow('boom');
    expect(failing.released).toEqual([true]);
  });

  it('SQL Server', async () => {
    const { c, sql } = fakeSqlServer(() => ({ recordset: [{ mn: '2024-01-01 00:00:00.0000000', mx: null }] }));
    const seen: string[] = [];
    Object.assign(c, { columns: async (q: string) => (seen.push(q), [sqlServerColumn({ name: 'ID', type: { declaration: 'bigint' } }), sqlServerColumn({ name: 'at', type: { declaration: 'datetime2' }, scale: 7 })]) });
    expect(await c.describe(table)).toEqual([{ name: 'ID', type: 'integer', nativeType: 'bigint' }, { name: 'at', type: 'timestamp', nativeType: 'datetime2(7)' }]);
    expect(await c.bounds(query, 'id')).toEqual({ type: 'integer', min: '2024-01-01 00:00:00.0000000', max: null });
    expect(await c.bounds(query, 'at')).toMatchObject({ type: 'timestamp' });
    expect(seen).toEqual(['SELECT * FROM [s].[t]', 'SELECT 1 AS "ID"', 'SELECT 1 AS "ID"']);
    expect(sql).toEqual([
      'SELECT CONVERT(nvarchar(60), MIN([ID])) AS mn, CONVERT(nvarchar(60), MAX([ID])) AS mx FROM (SELECT 1 AS "ID") AS dmgw_q',
      'SELECT CONVERT(nvarchar(60), MIN([at]), 121) AS mn, CONVERT(nvarchar(60), MAX([at]), 121) AS mx FROM (SELECT 1 AS "ID") AS dmgw_q',
    ]);
    await expect(c.bounds(table, 'nope')).rejects.toMatchObject({ code: 'PARTITION_COLUMN', message: 'partition column "nope" is not a column of the source (ID, at)' });
    await expect(c.describe({})).rejects.toMatchObject({ code: 'SOURCE_MISSING', hint: 'set the dataset table or source.sqlReaderQuery' });
  });
});

/** An mssql Request as readRows uses it: events, pause/resume/cancel, query(text). */
class FakeRequest extends EventEmitter {
  stream = false;
  arrayRowMode = false;
  text = '';
  log: string[] = [];
  pause() {
    this.log.push('pause');
  }
  resume() {
    this.log.push('resume');
  }
  cancel() {
    this.log.push('cancel');
  }
  query(text: string) {
    this.text = text;
    return Promise.resolve();
  }
}

describe('SQL Server streamed read', () => {
  const connector = () => {
    const { c } = fakeSqlServer(() => ({ recordset: [] }));
    const request = new FakeRequest();
    Object.assign(c, {
      columns: async () => [sqlServerColumn({ name: 'id', type: { declaration: 'int' } }), sqlServerColumn({ name: 'b', type: { declaration: 'bit' } })],
      connection: async () => ({ request: () => request }),
    });
    return { c, request };
  };
  const tick = () => new Promise((r) => setImmediate(r));

  it('reads the projection of the slice in batches, pausing the request while a full batch waits', async () => {
    const { c, request } = connector();
    const it = c.readRows(table, slices[0]![0], new AbortController().signal)[Symbol.asyncIterator]();
    const first = it.next();
    await tick();
    expect(request.stream).toBe(true);
    expect(request.arrayRowMode).toBe(true);
    expect(request.text).toBe('SELECT [id], [b] FROM (SELECT * FROM (SELECT * FROM [s].[t]) AS dmgw_r WHERE ([id] >= 10 AND [id] < 20) OR [id] IS NULL) AS dmgw_q');
    for (let i = 0; i < BATCH_ROWS + 2; i++) request.emit('row', [String(i), i % 2 === 0]);
    expect(request.log).toEqual(['pause']);
    const b1 = await first;
    expect(b1.value.columns).toEqual([{ name: 'id', type: 'integer', nativeType: 'int' }, { name: 'b', type: 'boolean', nativeType: 'bit' }]);
    expect(b1.value.rows).toHaveLength(BATCH_ROWS + 2);
    expect(b1.value.rows[1]).toEqual(['1', 'false']);
    const second = it.next();
    await tick();
    expect(request.log).toEqual(['pause', 'resume']);
    request.emit('row', ['x', true]);
    request.emit('done');
    expect((await second).value.rows).toEqual([['x', 'true']]);
    expect((await it.next()).done).toBe(true);
    expect(request.log).toEqual(['pause', 'resume']);
  });

  it('a driver error fails the read; an abort cancels the request; stopping early cancels it', async () => {
    const failed = connector();
    const it1 = failed.c.readRows(table, undefined, new AbortController().signal)[Symbol.asyncIterator]();
    const p1 = it1.next();
    await tick();
    expect(failed.request.text).toBe('SELECT [id], [b] FROM (SELECT * FROM [s].[t]) AS dmgw_q');
    failed.request.emit('error', new Error('deadlock'));
    await expect(p1).rejects.toThrow('deadlock');
    expect(failed.request.log).toEqual(['cancel']);

    const aborted = connector();
    const ac = new AbortController();
    const it2 = aborted.c.readRows(table, undefined, ac.signal)[Symbol.asyncIterator]();
    const p2 = it2.next();
    await tick();
    ac.abort(new Error('stop'));
    await expect(p2).rejects.toThrow('stop');
    expect(aborted.request.log).toEqual(['cancel', 'cancel']);

    const early = connector();
    const it3 = early.c.readRows(table, undefined, new AbortController().signal)[Symbol.asyncIterator]();
    const p3 = it3.next();
    await tick();
    for (let i = 0; i < BATCH_ROWS; i++) early.request.emit('row', [String(i), null]);
    expect((await p3).value.rows).toHaveLength(BATCH_ROWS);
    await it3.return!(undefined);
    expect(early.request.log).toEqual(['pause', 'cancel']);
  });
});
