/**
 * A worker killed with SIGKILL while it stages into MariaDB, through the real service (PGlite), node, host and
 * workers, PostgreSQL → MariaDB, partitioned (DynamicRange) and so resumable (copy/resume.ts). The test-only
 * DMGW_TEST_DIE_AFTER_OWN_PARTITIONS=3 makes every worker kill itself right after its 3rd partition was journaled: the
 * sink's staging table (`dmgw_stage_…`) exists, nothing is committed, and the host must remove the stage, as it does
 * for PostgreSQL (test/integration/killedWorker.test.ts) — it used to stay in the database for good.
 * - Retried: 4 partitions; attempt 1 finishes 3 and dies, attempt 2 resumes from them (the parts the host must NOT
 *   remove), loads the 4th and commits: every row once, no stage and no part left.
 * - Failed for good: 10 partitions, 3 attempts each dying after 3: the run fails; no stage is left in the database,
 *   and, the job having ended for good, neither are the parts nor the copy's resume journal (they were left for a day).
 * - The same into PostgreSQL, whose stages were already on the journal: its parts now go the same way.
 */
import mysql from 'mysql2/promise';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { mariadbConnectionString } from '../support/storeContract.js';
import { until } from '../support/wait.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const name = uniqueName('killmaria');
const rig = new GatewayRig({ factory: 'factory-killmaria', gateway: 'killmariagw', hostEnv: { DMGW_TEST_DIE_AFTER_OWN_PARTITIONS: '3' } });
let db: pg.Client;
let maria: mysql.Connection;
const ROWS = 4000;

/** tables of the MariaDB database whose name starts with `prefix` (information_schema, as an operator would look) */
const tables = async (prefix: string): Promise<string[]> => {
  const [rows] = await maria.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ORDER BY 1', [name, `${prefix.replace(/_/g, '\\_')}%`]);
  return (rows as Array<{ t: string }>).map((r) => r.t);
};
const count = async (table: string): Promise<{ n: number; ids: number }> => {
  const [rows] = await maria.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM \`${name}\`.\`${table}\``);
  const r = (rows as Array<{ n: number; ids: number }>)[0]!;
  return { n: Number(r.n), ids: Number(r.ids) };
};
const resumeJournals = (): string[] => (existsSync(join(rig.home, 'resume')) ? readdirSync(join(rig.home, 'resume')) : []);
const removedStages = (): number => (rig.log().match(new RegExp(`removed staging table ${name}\\.dmgw_stage_`, 'g')) ?? []).length;

describe.skipIf(!up)('a worker killed while staging into MariaDB leaves no stage (real service, host, workers, PostgreSQL, MariaDB)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${name}; create table ${name}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g`);
    const u = new URL(MARIADB_URL);
    maria = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    await maria.query(`CREATE DATABASE \`${name}\``);
    await maria.query(`CREATE TABLE \`${name}\`.dst_a (id bigint, t text) ENGINE=InnoDB`);
    await maria.query(`CREATE TABLE \`${name}\`.dst_b (id bigint, t text) ENGINE=InnoDB`);
    await rig.start();
    const { arm, factory, gateway } = rig;
    u.pathname = `/${name}`;
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Maria', { properties: { type: 'MariaDB', connectVia: { referenceName: gateway, type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: mariadbConnectionString(u.toString()) } } as never });
    await rig.tableDataset('Src', name, 'src');
    const mariaDs = (tableName: string) => ({ properties: { type: 'MariaDBTable', linkedServiceName: { referenceName: 'Maria', type: 'LinkedServiceReference' }, typeProperties: { tableName } } as never });
    // one qualified by its database, one in the connection's database (the stage's schema is then DATABASE())
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'DstA', mariaDs(`\`${name}\`.\`dst_a\``));
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'DstB', mariaDs('`dst_b`'));
    const copy = (output: string, parallelCopies: number) => ({
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [{ referenceName: 'Src', type: 'DatasetReference' }],
          outputs: [{ referenceName: output, type: 'DatasetReference' }],
          typeProperties: { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: { type: 'MariaDBSink' }, parallelCopies },
        },
      ] as never,
    });
    // parallelCopies 1: 4 partitions one after the other; 10: ten at a time
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'Retried', copy('DstA', 1));
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'GivesUp', copy('DstB', 10));
    await db.query(`create table ${name}.dst (id int, t text)`);
    await rig.tableDataset('DstPg', name, 'dst');
    const pg10 = copy('DstPg', 10) as { activities: Array<{ typeProperties: { sink: { type: string } } }> };
    pg10.activities[0]!.typeProperties.sink = { type: 'PostgreSqlSink' };
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'GivesUpPg', pg10 as never);
  }, 180_000);

  afterAll(async () => {
    await rig.stop();
    await maria?.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
    await maria?.end();
    await db?.query(`drop schema if exists ${name} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('killed after 3 of 4 partitions: the host drops the stage, keeps the parts; attempt 2 resumes and commits every row once', async () => {
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Retried');
    const run = await rig.finalRun(runId, 180_000);
    expect(run.status, run.message).toBe('Succeeded');
    expect(await count('dst_a')).toEqual({ n: ROWS, ids: ROWS });
    const [activity] = await rig.activityRuns(runId);
    // the 3 parts attempt 1 left were there for attempt 2: the host's cleanup did not take them
    expect((activity!.output as { partitionsResumed?: number }).partitionsResumed).toBe(3);
    expect((activity!.output as { rowsCopied?: number }).rowsCopied).toBe(ROWS);
    expect(rig.log()).toMatch(/killed by a signal|exited \(SIGKILL\)/);
    expect(await tables('dmgw_stage_')).toEqual([]);
    expect(await tables('dmgw_part_')).toEqual([]);
    expect(removedStages()).toBe(1);
  });

  it('three attempts each killed while staging: the run fails, and no stage is left in the database', async () => {
    const before = removedStages();
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'GivesUp');
    const run = await rig.finalRun(runId, 240_000);
    expect(run.status).toBe('Failed');
    expect(run.message).toMatch(/gave up after 3 attempts/);
    expect(await count('dst_b')).toEqual({ n: 0, ids: 0 });
    expect(await tables('dmgw_stage_')).toEqual([]);
    expect(removedStages() - before).toBe(3);
    // the parts the attempts kept for a resume are not needed any more once the job ended for good: the host hears it
    // in the answer to its last result and removes them, and the copy's resume journal in the node's home
    await until('the parts removed', async () => ((await tables('dmgw_part_')).length === 0 && resumeJournals().length === 0) || undefined, 30_000).catch(() => undefined);
    expect(await tables('dmgw_part_')).toEqual([]);
    expect(resumeJournals()).toEqual([]);
    expect(rig.log()).toMatch(/removed resume part dmgw_part_/);
  });

  it('PostgreSQL: three attempts killed while staging, the run fails; no stage, no part, no resume journal left', async () => {
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'GivesUpPg');
    const run = await rig.finalRun(runId, 240_000);
    expect(run.status).toBe('Failed');
    const pgTables = async (prefix: string) => (await db.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like $2 order by 1`, [name, `${prefix.replace(/_/g, '\\_')}%`])).rows.map((r: { relname: string }) => r.relname);
    await until('the parts removed', async () => ((await pgTables('dmgw_part_')).length === 0 && resumeJournals().length === 0) || undefined, 30_000).catch(() => undefined);
    expect((await db.query(`select count(*)::int as n from ${name}.dst`)).rows[0].n).toBe(0);
    expect(await pgTables('dmgw_stage_')).toEqual([]);
    expect(await pgTables('dmgw_part_')).toEqual([]);
    expect(resumeJournals()).toEqual([]);
    expect(rig.log()).toMatch(new RegExp(`removed resume part ${name}\\.dmgw_part_`));
  });
});
