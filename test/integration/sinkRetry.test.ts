/**
 * Faults the soak campaign (bench/soak) found, each on the real servers of this machine:
 * - a table sink whose connection is cut while it reads the target's columns (PostgreSQL, MariaDB): the error was
 *   wrapped as "cannot read the sink table" (not transient) and the rejected open was kept for every retry, so the
 *   copy failed at once; now the partition is tried again and the sink equals the source;
 * - the PostgreSQL sink's stage session lost before the commit: the stage was dropped on that session after the
 *   COMMIT, so the commit threw although the rows were in (and a retry could load them twice); now the stage is
 *   dropped inside the commit's own transaction;
 * - a source cut while the copy reads its columns or partition bounds (before any partition): not retried, the whole
 *   copy failed; now retried like a partition;
 * - a cut while the finished partitions of a resumable copy move into the stage: they moved on the stage's guard
 *   session, broken by the cut, without a retry; now on a session of their own, in one transaction, retried;
 * - a MariaDB source whose connection is lost mid-read (mysql2: "Connection lost: The server closed the connection",
 *   PROTOCOL_CONNECTION_LOST): failed the copy without a retry; now retried like a PostgreSQL cut.
 */
import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresConnector } from '../../src/agent/connectors/postgres.js';
import { targetTag } from '../../src/agent/connectors/postgresStage.js';
import type { LinkedService } from '../../src/common/model/types.js';
import { dropSchema, openSchema, pgConnectionString, testFactory, type TestFactory } from '../support/copyFactory.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { mariadbConnectionString } from '../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const schema = uniqueName('sinkretry');
const ROWS = 60_000;
/** the same digest PostgreSQL computes below, of rows (i, md5(i)) */
const expectedSum = createHash('md5').update(Array.from({ length: ROWS }, (_, i) => `${i + 1}:${createHash('md5').update(String(i + 1)).digest('hex')}`).join(',')).digest('hex');

describe.skipIf(!up)('table sinks and the MariaDB source retry what a lost connection broke', () => {
  let client: pg.Client;
  let maria: mysql.Connection;
  let f: TestFactory;
  let pgProxy: FaultProxy;
  let myProxy: FaultProxy;
  const mariaUrl = new URL(MARIADB_URL);

  const summary = async (table: string) => (await client.query<{ n: number; sum: string }>(`SELECT count(*)::int AS n, md5(string_agg(id || ':' || t, ',' ORDER BY id)) AS sum FROM ${schema}.${table}`)).rows[0]!;

  beforeAll(async () => {
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, ${ROWS}) g`);
    maria = await mysql.createConnection({ host: mariaUrl.hostname, port: Number(mariaUrl.port || 3306), user: decodeURIComponent(mariaUrl.username), password: decodeURIComponent(mariaUrl.password), multipleStatements: true });
    await maria.query(`CREATE DATABASE \`${schema}\`; USE \`${schema}\`; CREATE TABLE src (id bigint primary key, t text) AS SELECT seq AS id, md5(seq) AS t FROM seq_1_to_${ROWS}; CREATE TABLE dst (id bigint, t text)`);
    pgProxy = await startFaultProxy(Number(new URL(PG_URL).port || 5432));
    myProxy = await startFaultProxy(Number(mariaUrl.port || 3306));
    f = testFactory();
    f.write('linkedService', 'PgCut', { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(PG_URL).replace(/Port=\d+/, `Port=${pgProxy.port}`) } });
    const viaProxy = new URL(MARIADB_URL);
    viaProxy.port = String(myProxy.port);
    viaProxy.pathname = `/${schema}`;
    f.write('linkedService', 'MariaCut', { type: 'MariaDB', typeProperties: { connectionString: mariadbConnectionString(viaProxy.toString()) } });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
    f.dataset('MariaSrc', 'MariaDBTable', 'MariaCut', { tableName: '`src`' });
    f.dataset('MariaDst', 'MariaDBTable', 'MariaCut', { tableName: '`dst`' });
  }, 120_000);

  afterAll(async () => {
    await pgProxy?.close();
    await myProxy?.close();
    await maria?.query(`DROP DATABASE IF EXISTS \`${schema}\``).catch(() => undefined);
    await maria?.end();
    await dropSchema(client, schema);
  });

  it('PostgreSQL sink: the connection cut while the finished partitions move into the stage is retried; the sink equals the source', async () => {
    // found by the short soak (cut-sink, MariaDB → PostgreSQL): the parts were moved on the stage's guard session,
    // which the cut had broken ("Client has encountered a connection error and is not queryable"), with no retry
    await client.query(`CREATE TABLE ${schema}.dst_parts (id int, t text)`);
    f.dataset('DstParts', 'PostgreSqlTable', 'PgCut', { schema, table: 'dst_parts' });
    pgProxy.setPlan({ cutWhenUpstreamContains: `INSERT INTO "${schema}"."dmgw_stage_`, cuts: 1 });
    const r = await f.copy('ToPgParts', 'Src', 'DstParts', { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 2 });
    const cuts = pgProxy.cutCount;
    pgProxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    expect(await summary('dst_parts')).toEqual({ n: ROWS, sum: expectedSum });
    expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw%' AND tablename <> 'dmgw_commit_log'`, [schema])).rows[0].n).toBe(0); // no stage, no part
  });

  it('PostgreSQL sink: the connection cut while the sink reads its columns is retried; the sink equals the source', async () => {
    await client.query(`CREATE TABLE ${schema}.dst (id int, t text)`);
    f.dataset('Dst', 'PostgreSqlTable', 'PgCut', { schema, table: 'dst' });
    pgProxy.setPlan({ cutWhenUpstreamContains: '."dst" LIMIT 0', cuts: 1 });
    const r = await f.copy('ToPgCut', 'Src', 'Dst', { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 2 });
    const cuts = pgProxy.cutCount;
    pgProxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    expect(r.activities[0]!.output!.retries).toBeGreaterThanOrEqual(1);
    expect(await summary('dst')).toEqual({ n: ROWS, sum: expectedSum });
    expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw_stage_%'`, [schema])).rows[0].n).toBe(0);
  });

  it('MariaDB sink: the connection cut while the sink reads its columns is retried; the sink equals the source', async () => {
    myProxy.setPlan({ cutWhenUpstreamContains: '`dst` LIMIT 0', cuts: 1 });
    const r = await f.copy('ToMariaCut', 'Src', 'MariaDst', { source: {}, sink: { type: 'MariaDBSink' } });
    const cuts = myProxy.cutCount;
    myProxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    await maria.query('SET SESSION group_concat_max_len = 100000000');
    const [rows] = await maria.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n, md5(group_concat(id, ':', t ORDER BY id SEPARATOR ',')) AS sum FROM (SELECT id, t FROM dst) x`);
    expect({ n: Number(rows[0]!.n), sum: rows[0]!.sum }).toEqual({ n: ROWS, sum: expectedSum });
  });

  it('MariaDB source: a connection lost mid-read is retried; the sink equals the source', async () => {
    await client.query(`CREATE TABLE ${schema}.from_maria (id bigint, t text)`);
    f.dataset('FromMaria', 'PostgreSqlTable', 'Pg', { schema, table: 'from_maria' });
    myProxy.setPlan({ cutDownstreamAfterBytes: 600_000, cuts: 1 });
    const r = await f.copy('MariaCutRead', 'MariaSrc', 'FromMaria', { source: { type: 'MariaDBSource' }, sink: {} });
    const cuts = myProxy.cutCount;
    myProxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    expect(r.events.some((e) => e.event === 'log' && e.level === 'warn' && /failed on try 1: .*(Connection lost|closed the connection)/i.test(e.message))).toBe(true);
    expect(await summary('from_maria')).toEqual({ n: ROWS, sum: expectedSum });
  });

  it('PostgreSQL source: the connection cut while the partition bounds are read is retried; the sink equals the source', async () => {
    await client.query(`CREATE TABLE ${schema}.bounds_dst (id int, t text)`);
    f.dataset('SrcCut', 'PostgreSqlTable', 'PgCut', { schema, table: 'src' });
    f.dataset('BoundsDst', 'PostgreSqlTable', 'Pg', { schema, table: 'bounds_dst' });
    pgProxy.setPlan({ cutWhenUpstreamContains: 'AS min', cuts: 1 });
    const r = await f.copy('BoundsCut', 'SrcCut', 'BoundsDst', { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 3 });
    const cuts = pgProxy.cutCount;
    pgProxy.setPlan({});
    expect(r.error).toBeUndefined();
    expect(cuts).toBe(1);
    expect(r.events.some((e) => e.event === 'log' && e.level === 'warn' && /reading the bounds of id failed on try 1/.test(e.message))).toBe(true);
    expect(await summary('bounds_dst')).toEqual({ n: ROWS, sum: expectedSum });
  });

  it('PostgreSQL sink: the stage session lost before the commit; the commit succeeds once and drops its stage', async () => {
    await client.query(`CREATE TABLE ${schema}.guarded (id int, t text)`);
    const c = new PostgresConnector({ name: 'Pg', properties: { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(PG_URL) } } } as LinkedService);
    try {
      const sink = await c.openSink({ schema, table: 'guarded' }, ['id', 't']);
      const rows = async function* () {
        yield [
          ['1', 'a'],
          ['2', 'b'],
        ];
      };
      expect(await sink.loadRows(rows(), new AbortController().signal)).toBe(2);
      // the stage's own session (it made the stage and holds its advisory lock) goes away
      const killed = await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COMMENT ON TABLE "${schema}"."dmgw_stage_%guarded%' AND pid <> pg_backend_pid()`);
      expect(killed.rowCount).toBe(1);
      expect(await sink.commit()).toBe(2);
      expect((await client.query(`SELECT id, t FROM ${schema}.guarded ORDER BY id`)).rows).toEqual([
        { id: 1, t: 'a' },
        { id: 2, t: 'b' },
      ]);
      expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE $2`, [schema, `dmgw\\_stage\\_${targetTag(schema, 'guarded')}\\_%`])).rows[0].n).toBe(0);
    } finally {
      await c.close?.();
    }
  });
});
