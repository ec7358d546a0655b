/**
 * One partition into PostgreSQL (or an InnoDB table of MariaDB) with nothing that needs a stage loads straight into the
 * target, in one transaction (connectors/postgresDirect.ts, mysqlSink.ts): the rows written once instead of twice. What the stage guaranteed must still hold,
 * on the real server through a fault proxy: nothing visible before the commit, a load cut mid-COPY retried from a clean
 * start (the rows once), a bad row failing the copy with the target as it was, and the staged path still taken where
 * a stage is needed (parallel partitions, validation, preCopyScript).
 * And a bug found on the way: several files in one stream into a table were one unit, retried whole, so a cut in the
 * second file's COPY loaded the first file's rows twice (60,000 rows for 40,000); now a file is a unit of its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, openSchema, pgConnectionString, testFactory, type TestFactory } from '../support/copyFactory.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { mariadbConnectionString } from '../support/storeContract.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('directsink');
const ROWS = 60_000;
const DIRECT = 'the sink loads straight into the target, in one transaction (no stage)';
const logs = (r: { events: Array<{ event: string; message?: string }> }) => r.events.filter((e) => e.event === 'log').map((e) => e.message ?? '');

/** `copy` with `proxy` cutting the sink's connection once ~1 MB into what goes up: cut once, retried, the rows all copied, on the direct path. */
async function copiedThroughOneCut(proxy: FaultProxy, copy: () => ReturnType<TestFactory['copy']>): ReturnType<TestFactory['copy']> {
  proxy.setPlan({ cutUpstreamAfterBytes: 1_000_000, cuts: 1 });
  const r = await copy();
  const cuts = proxy.cutCount;
  proxy.setPlan({});
  expect(r.error).toBeUndefined();
  expect(cuts).toBe(1);
  expect(logs(r)).toContain(DIRECT);
  expect(r.activities[0]!.output!.retries).toBeGreaterThanOrEqual(1);
  expect(r.activities[0]!.output!.rowsCopied).toBe(ROWS);
  return r;
}

describe.skipIf(!up)('PostgreSQL sink: one load straight into the target', () => {
  let client: pg.Client;
  let f: TestFactory;
  let proxy: FaultProxy;
  const summary = async (table: string) => (await client.query<{ n: number; sum: string | null }>(`SELECT count(*)::int AS n, md5(string_agg(id || ':' || t, ',' ORDER BY id)) AS sum FROM ${schema}.${table}`)).rows[0]!;
  const leftovers = async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw%' AND tablename <> 'dmgw_commit_log'`, [schema])).rows[0]!.n;
  let expected: { n: number; sum: string | null };

  beforeAll(async () => {
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, ${ROWS}) g`);
    expected = await summary('src');
    proxy = await startFaultProxy(Number(new URL(PG_URL).port || 5432));
    f = testFactory();
    f.write('linkedService', 'PgCut', { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(PG_URL).replace(/Port=\d+/, `Port=${proxy.port}`) } });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await dropSchema(client, schema);
  });

  const target = async (name: string, through = 'PgCut') => {
    await client.query(`CREATE TABLE ${schema}.${name} (id int, t text)`);
    return f.dataset(name, 'PostgreSqlTable', through, { schema, table: name });
  };

  it('a cut mid-COPY rolls the transaction back and the retry loads the rows once; nothing is staged', async () => {
    const dst = await target('cut');
    // the COPY's data goes up through the proxy
    await copiedThroughOneCut(proxy, () => f.copy('Cut', 'Src', dst, { source: {}, sink: {} }));
    expect(await summary('cut')).toEqual(expected);
    expect(await leftovers()).toBe(0);
  });

  it('nothing is visible before the commit: a slowed load shows the target empty to another session while it runs', async () => {
    const dst = await target('slow');
    // each chunk held 20 ms: the COPY of ~2.3 MB runs for about a second, long enough to be seen under way
    proxy.setPlan({ delayMs: 20 });
    const run = f.copy('Slow', 'Src', dst, { source: {}, sink: {} });
    let seen = 0;
    let looked = 0;
    const t0 = Date.now();
    // look while the COPY is under way
    while (Date.now() - t0 < 60_000) {
      const busy = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY "${schema}"."slow"%' AND state <> 'idle'`)).rows[0]!.n;
      if (busy) {
        looked++;
        seen = Math.max(seen, (await summary('slow')).n);
        if (looked >= 3) break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    const r = await run;
    proxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(looked).toBeGreaterThanOrEqual(1);
    expect(seen).toBe(0);
    expect(await summary('slow')).toEqual(expected);
  });

  it('a row the target refuses fails the copy and leaves the target as it was', async () => {
    const dst = await target('bad', 'Pg');
    await client.query(`INSERT INTO ${schema}.bad VALUES (-1, 'before')`);
    mkdirSync(join(f.files, 'bad'), { recursive: true });
    const lines = Array.from({ length: 5000 }, (_, i) => `${i + 1},row ${i + 1}`);
    lines[4000] = 'not-a-number,oops';
    writeFileSync(join(f.files, 'bad', 'rows.csv'), `id,t\n${lines.join('\n')}\n`);
    const csv = f.dataset('BadCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'bad', fileName: 'rows.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy('Bad', csv, dst, { source: {}, sink: {} });
    expect(r.status).toBe('Failed');
    expect(logs(r)).toContain(DIRECT);
    expect(r.activities[0]!.error?.message).toMatch(/not-a-number|invalid input syntax/);
    expect((await client.query(`SELECT id, t FROM ${schema}.bad`)).rows).toEqual([{ id: -1, t: 'before' }]);
  });

  it('where a stage is needed it is still taken: parallel partitions, validation, a preCopyScript', async () => {
    for (const [name, extra] of [
      ['par', { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, parallelCopies: 2 }],
      ['val', { validateDataConsistency: true }],
      ['pre', { sink: { preCopyScript: `DELETE FROM ${schema}.pre` } }],
    ] as const) {
      const dst = await target(name, 'Pg');
      const r = await f.copy(`Staged_${name}`, 'Src', dst, { source: {}, sink: {}, ...extra });
      expect(r.error, name).toBeUndefined();
      expect(logs(r), name).not.toContain(DIRECT);
      expect(await summary(name), name).toEqual(expected);
    }
    expect(await leftovers()).toBe(0);
  });
});

describe.skipIf(!up)('files into PostgreSQL: a retry after a cut loads each file once', () => {
  let client: pg.Client;
  let f: TestFactory;
  let proxy: FaultProxy;
  const schema2 = uniqueName('filesretry');

  beforeAll(async () => {
    client = await openSchema(schema2);
    proxy = await startFaultProxy(Number(new URL(PG_URL).port || 5432));
    f = testFactory();
    f.write('linkedService', 'PgCut', { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(PG_URL).replace(/Port=\d+/, `Port=${proxy.port}`) } });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await dropSchema(client, schema2);
  });

  it('two CSV files, one stream, the second file cut mid-COPY: every row once (the first file is not loaded again)', async () => {
    mkdirSync(join(f.files, 'two'), { recursive: true });
    for (const [k, from] of [
      ['a', 1],
      ['b', 20_001],
    ] as const) {
      writeFileSync(join(f.files, 'two', `${k}.csv`), `id,t\n${Array.from({ length: 20_000 }, (_, i) => `${from + i},${'x'.repeat(20)}${from + i}`).join('\n')}\n`);
    }
    await client.query(`CREATE TABLE ${schema2}.two (id int, t text)`);
    const dst = f.dataset('Two', 'PostgreSqlTable', 'PgCut', { schema: schema2, table: 'two' });
    const csv = f.dataset('TwoCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'two' }, firstRowAsHeader: true, escapeChar: '"' });
    // the cut comes inside b.csv's COPY, when the bytes of its row 30000 go up (a.csv is loaded by then)
    proxy.setPlan({ cutWhenUpstreamContains: `${'x'.repeat(20)}30000`, cuts: 1 });
    const r = await f.copy('Two', csv, dst, { source: { storeSettings: { type: 'FileServerReadSettings', wildcardFileName: '*.csv' } }, sink: {} });
    const cuts = proxy.cutCount;
    proxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    const got = (await client.query<{ n: number; d: number; lo: number; hi: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id) AS lo, max(id) AS hi FROM ${schema2}.two`)).rows[0]!;
    expect(got).toEqual({ n: 40_000, d: 40_000, lo: 1, hi: 40_000 });
  });
});

const mariaUp = await requireServer('MariaDB', 3306);

describe.skipIf(!up || !mariaUp)('MariaDB sink: one load straight into an InnoDB target', () => {
  let client: pg.Client;
  let maria: mysql.Connection;
  let f: TestFactory;
  let proxy: FaultProxy;
  const db = uniqueName('directmaria');
  const mariaUrl = new URL(MARIADB_URL);
  const summary = async (table: string) => {
    await maria.query('SET SESSION group_concat_max_len = 100000000');
    const [rows] = await maria.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n, md5(group_concat(id, ':', t ORDER BY id SEPARATOR ',')) AS sum FROM \`${table}\``);
    return { n: Number(rows[0]!.n), sum: rows[0]!.sum as string | null };
  };
  let expected: { n: number; sum: string | null };

  beforeAll(async () => {
    client = await openSchema(db);
    await client.query(`CREATE TABLE ${db}.src AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, ${ROWS}) g`);
    maria = await mysql.createConnection({ host: mariaUrl.hostname, port: Number(mariaUrl.port || 3306), user: decodeURIComponent(mariaUrl.username), password: decodeURIComponent(mariaUrl.password) });
    await maria.query(`CREATE DATABASE \`${db}\``);
    await maria.query(`USE \`${db}\``);
    await maria.query(`CREATE TABLE src_copy (id int, t text) ENGINE=InnoDB`);
    await maria.query(`INSERT INTO src_copy SELECT seq, md5(seq) FROM seq_1_to_${ROWS}`);
    expected = await summary('src_copy');
    proxy = await startFaultProxy(Number(mariaUrl.port || 3306));
    f = testFactory();
    const viaProxy = new URL(MARIADB_URL);
    viaProxy.port = String(proxy.port);
    viaProxy.pathname = `/${db}`;
    f.write('linkedService', 'MariaCut', { type: 'MariaDB', typeProperties: { connectionString: mariadbConnectionString(viaProxy.toString()) } });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema: db, table: 'src' });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await maria?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await maria?.end();
    await dropSchema(client, db);
  });

  const target = async (name: string, engine = 'InnoDB', t = 'text') => {
    await maria.query(`CREATE TABLE \`${name}\` (id int, t ${t}) ENGINE=${engine}`);
    return f.dataset(`M_${name}`, 'MariaDBTable', 'MariaCut', { tableName: `\`${name}\`` });
  };

  it('a cut mid-LOAD DATA rolls the transaction back and the retry loads the rows once', async () => {
    const dst = await target('cut');
    // LOAD DATA's rows go up the sink's connection
    await copiedThroughOneCut(proxy, () => f.copy('MCut', 'Src', dst, { source: {}, sink: { type: 'MariaDBSink' } }));
    expect(await summary('cut')).toEqual(expected);
    const [stages] = await maria.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'dmgw%' AND TABLE_NAME <> 'dmgw_commit_log'`, [db]);
    expect(Number(stages[0]!.n)).toBe(0);
  });

  it('a value the target refuses fails the copy and leaves the target as it was', async () => {
    const dst = await target('narrow', 'InnoDB', 'varchar(5)');
    await maria.query(`INSERT INTO narrow VALUES (-1, 'keep')`);
    const r = await f.copy('MNarrow', 'Src', dst, { source: {}, sink: { type: 'MariaDBSink' } });
    expect(r.status).toBe('Failed');
    expect(logs(r)).toContain(DIRECT);
    expect(r.activities[0]!.error?.code).toBe('SINK_VALUE');
    const [rows] = await maria.query<mysql.RowDataPacket[]>('SELECT id, t FROM narrow');
    expect(rows.map((x) => [x.id, x.t])).toEqual([[-1, 'keep']]);
  });

  it('a target a ROLLBACK cannot undo (MyISAM) keeps the stage', async () => {
    const dst = await target('myisam', 'MyISAM');
    const r = await f.copy('MMyIsam', 'Src', dst, { source: {}, sink: { type: 'MariaDBSink' } });
    expect(r.error).toBeUndefined();
    expect(logs(r)).not.toContain(DIRECT);
    expect(r.activities[0]!.output!.rowsCopied).toBe(ROWS);
    expect(await summary('myisam')).toEqual(expected);
  });
});
