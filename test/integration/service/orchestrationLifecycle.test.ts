/**
 * The life of a run the service orchestrates, through real processes (support/orchestrationRig.ts): cancel with
 * and without isRecursive (the running activity job's worker is stopped; children of ExecutePipeline are cancelled,
 * or go on), kill -9 of the service mid-run (the restarted service resumes the run from its stored jobs: the copy
 * that was running is not run again, the sink holds each row once — also when its input has `@utcNow()`, which the
 * replay evaluates anew: the job is known by its place, and its record keeps the input it ran with), and examples/incremental — the watermark load
 * — run, the source changed, run again, the warehouse compared row for row each time.
 */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP, tempDir } from '../../support/factoryService.js';
import { ROOT } from '../../support/builtCli.js';
import { dep, pgCopy, ref, startRig, type Rig } from '../../support/orchestrationRig.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { until } from '../../support/wait.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);

describe.skipIf(!pgUp || !mariaUp)('lifecycle of orchestrated runs: cancel, service restart, incremental load', () => {
  let r: Rig;
  let s: string;
  const count = async (table: string) => Number((await r.db.query(`select count(*) as n from ${s}.${table}`)).rows[0].n);
  const status = async (runId: string) => (await r.arm.pipelineRuns.get(RESOURCE_GROUP, r.F, runId)).status;
  /** the run ExecutePipeline started, found as an ADF user finds it: queryByFactory, invokedBy the parent run */
  const childOf = async (runId: string) => until(`the child run of ${runId}`, async () => {
    const page = await r.arm.pipelineRuns.queryByFactory(RESOURCE_GROUP, r.F, { lastUpdatedAfter: new Date(Date.now() - 3600_000), lastUpdatedBefore: new Date(Date.now() + 3600_000) });
    return page.value.find((x) => (x.invokedBy as { pipelineRunId?: string } | undefined)?.pipelineRunId === runId)?.runId;
  }, 30_000, 200);

  beforeAll(async () => {
    r = await startRig('orchlife');
    s = r.schema;
    await r.db.query(`create table ${s}.src as select g as id, md5(g::text) as t from generate_series(1, 1000) g`);
    for (const t of ['slow_dst', 'short_dst', 'survive_dst']) await r.db.query(`create table ${s}.${t} (id int, t text)`);
    await r.dataset('Src', 'PostgreSqlTable', 'PgA', { schema: s, table: 'src' });
    for (const t of ['slow_dst', 'short_dst', 'survive_dst']) await r.dataset(t, 'PostgreSqlTable', 'PgA', { schema: s, table: t });
    // a child that copies slowly, and a parent that waits for it
    const childOf = (name: string, table: string, seconds: number) =>
      r.pipeline(name, { activities: [pgCopy('SlowCopy', ref('Src'), ref(table), `SELECT s.id, s.t FROM ${s}.src s, pg_sleep(${seconds}) x WHERE s.id <= 100`)] });
    await childOf('SlowChild', 'slow_dst', 60);
    await childOf('ShortChild', 'short_dst', 4);
    for (const child of ['SlowChild', 'ShortChild']) {
      await r.pipeline(`${child}Parent`, { activities: [{ name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: child, type: 'PipelineReference' }, waitOnCompletion: true } }] });
    }
  }, 180_000);
  afterAll(async () => r?.close());

  it('cancel with isRecursive stops the running activity job on its node and cancels the child pipeline', async () => {
    const runId = await r.run('SlowChildParent');
    const childRunId = await childOf(runId);
    const worker = await until('the child copy running on node-a', () => r.running('a').find((j) => j.runId === childRunId && j.workerPid), 30_000, 100);
    await r.arm.pipelineRuns.cancel(RESOURCE_GROUP, r.F, runId, { isRecursive: true });
    expect((await r.finalRun(runId, 30_000)).status).toBe('Cancelled');
    expect((await r.finalRun(childRunId, 30_000)).status).toBe('Cancelled');
    // the worker was stopped (it would copy for 60 s more) and nothing reached the sink
    await until('the worker to stop', () => { try { process.kill(worker.workerPid!, 0); return undefined; } catch { return true; } }, 20_000, 200);
    expect(r.running('a').filter((j) => j.runId === childRunId)).toEqual([]);
    expect(await count('slow_dst')).toBe(0);
    const copy = (await r.activities(childRunId)).find((a) => a.activityName === 'SlowCopy')!;
    expect(copy.status).toBe('Cancelled');
    expect(copy.error).toMatchObject({ errorCode: 'CANCELLED', target: 'SlowCopy' });
  });

  it('cancel without isRecursive cancels the parent; the child pipeline goes on and completes', async () => {
    const runId = await r.run('ShortChildParent');
    const childRunId = await childOf(runId);
    await until('the child copy running on node-a', () => r.running('a').find((j) => j.runId === childRunId && j.workerPid), 30_000, 100);
    await r.arm.pipelineRuns.cancel(RESOURCE_GROUP, r.F, runId);
    expect((await r.finalRun(runId, 30_000)).status).toBe('Cancelled');
    expect(await status(childRunId)).toBe('InProgress');
    expect((await r.finalRun(childRunId, 60_000)).status).toBe('Succeeded');
    expect(await count('short_dst')).toBe(100);
  });

  it('kill -9 of the service mid-run: the restarted service resumes the run; the running copy is not run again, each row lands once', async () => {
    await r.pipeline('Survive', {
      variables: { copied: { type: 'String' } },
      activities: [
        { name: 'Bounds', type: 'Lookup', typeProperties: { dataset: ref('Src'), source: { type: 'PostgreSqlSource', query: `SELECT min(id) AS lo, max(id) AS hi FROM ${s}.src` } } },
        pgCopy('SlowCopy', ref('Src'), ref('survive_dst'), `SELECT s.id, s.t FROM ${s}.src s, pg_sleep(5) x WHERE s.id BETWEEN @{activity('Bounds').output.firstRow.lo} AND @{activity('Bounds').output.firstRow.hi}`, { dependsOn: dep('Bounds') }),
        { name: 'Note', type: 'SetVariable', dependsOn: dep('SlowCopy'), typeProperties: { variableName: 'copied', value: "@string(activity('SlowCopy').output.rowsCopied)" } },
      ],
    });
    const runId = await r.run('Survive');
    await until('the copy running on node-a', () => r.running('a').find((j) => j.runId === runId && j.activity === 'SlowCopy' && j.workerPid), 30_000, 100);
    const jobsBefore = await r.db.query(`select count(*)::int as n from ${r.svcSchema}.jobs where run_id = $1`, [runId]);
    await r.restartService('SIGKILL');
    const run = await r.finalRun(runId, 120_000);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect(await count('survive_dst')).toBe(1000);
    expect(Number((await r.db.query(`select count(distinct id) as n from ${s}.survive_dst`)).rows[0].n)).toBe(1000);
    // resumed from the stored jobs: the Lookup and the copy were not queued again
    const jobsAfter = await r.db.query(`select count(*)::int as n from ${r.svcSchema}.jobs where run_id = $1`, [runId]);
    expect([jobsBefore.rows[0].n, jobsAfter.rows[0].n]).toEqual([2, 2]);
    const acts = await r.activities(runId);
    expect(acts.map((a) => [a.activityName, a.status]).sort()).toEqual([['Bounds', 'Succeeded'], ['Note', 'Succeeded'], ['SlowCopy', 'Succeeded']]);
    expect(acts.find((a) => a.activityName === 'Note')!.output).toMatchObject({ value: '1000' });
    expect(r.svc.stderr.join('\n')).toContain(`run ${runId} (Survive) lost its orchestrator; resuming it`);
  });

  it('kill -9 of the service mid-run, an activity input with @utcNow(): the replay finds the running job, it runs once, its recorded input is unchanged', async () => {
    await r.db.query(`create table ${s}.stamp_dst (id int, t text)`);
    await r.dataset('stamp_dst', 'PostgreSqlTable', 'PgA', { schema: s, table: 'stamp_dst' });
    // the query carries the time it was evaluated at: each row holds the utcNow() of the input the job really ran with
    await r.pipeline('Stamped', {
      activities: [pgCopy('StampCopy', ref('Src'), ref('stamp_dst'), `SELECT s.id, '@{utcNow()}' AS t FROM ${s}.src s, pg_sleep(5) x WHERE s.id <= 100`)],
    });
    const runId = await r.run('Stamped');
    await until('the copy running on node-a', () => r.running('a').find((j) => j.runId === runId && j.activity === 'StampCopy' && j.workerPid), 30_000, 100);
    const inputBefore = (await r.activities(runId)).find((a) => a.activityName === 'StampCopy')!.input as { source: { query: string } };
    await r.restartService('SIGKILL');
    const run = await r.finalRun(runId, 120_000);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    // one job: the replay (a later utcNow(), so another input) recognised the one already dispatched
    const jobs = await r.db.query(`select count(*)::int as n from ${r.svcSchema}.jobs where run_id = $1`, [runId]);
    expect(jobs.rows[0].n).toBe(1);
    const stamps = (await r.db.query<{ t: string; n: number }>(`select t, count(*)::int as n from ${s}.stamp_dst group by t`)).rows;
    expect(stamps).toHaveLength(1);
    expect(stamps[0]!.n).toBe(100);
    expect(stamps[0]!.t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    // the record shows the input the job ran with, as before the restart
    const acts = await r.activities(runId);
    expect(acts).toHaveLength(1);
    const input = acts[0]!.input as { source: { query: string } };
    expect(input.source.query).toContain(`'${stamps[0]!.t}' AS t`);
    expect(input).toEqual(inputBefore);
    expect(acts[0]!.status).toBe('Succeeded');
    expect(acts[0]!.output).toMatchObject({ rowsCopied: 100 });
  });

  describe('examples/incremental through the service', () => {
    const db = uniqueName('orchwh');
    let sink: mysql.Connection;
    const EXAMPLE = join(ROOT, 'examples', 'incremental');
    const sql = (file: string) => readFileSync(join(EXAMPLE, file), 'utf8').replace(/\bsales\b/g, s);

    beforeAll(async () => {
      await r.db.query(sql('setup-postgresql.sql'));
      sink = await mysql.createConnection({ uri: MARIADB_URL, multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
      await sink.query(`CREATE DATABASE \`${db}\``);
      await sink.query(`USE \`${db}\``);
      await sink.query(sql('setup-mariadb.sql'));
      // the example as written, pointed at this test's schema, database and gateway (text edits only), uploaded as its files are
      const dir = tempDir('dmgw-orch-incremental');
      cpSync(EXAMPLE, dir, { recursive: true });
      const pgUrl = new URL(PG_URL);
      const edit = (text: string) =>
        text
          .replace(/\bsales\./g, `${s}.`)
          .replace('"schema": "sales"', `"schema": "${s}"`)
          .replace('"OnPremGateway"', '"gwA"')
          .replace('Server=127.0.0.1;Port=5432;Database=sales;UID=gateway', `Server=${pgUrl.hostname};Port=${pgUrl.port || 5432};Database=${pgUrl.pathname.slice(1)};UID=${pgUrl.username}`)
          .replace('Server=127.0.0.1;Port=3306;Database=warehouse;UID=loader', `Server=127.0.0.1;Port=3306;Database=${db};UID=${decodeURIComponent(new URL(MARIADB_URL).username)}`);
      const read = (kind: string) => readdirSync(join(dir, kind)).map((f) => JSON.parse(edit(readFileSync(join(dir, kind, f), 'utf8'))) as { name: string; properties: Record<string, unknown> });
      for (const ls of read('linkedService')) await r.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, r.F, ls.name, { properties: ls.properties } as never);
      for (const ds of read('dataset')) await r.arm.datasets.createOrUpdate(RESOURCE_GROUP, r.F, ds.name, { properties: ds.properties } as never);
      for (const p of read('pipeline')) await r.pipeline(p.name, p.properties);
    });
    afterAll(async () => {
      await sink?.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await sink?.end();
    });

    const insert = (rows: Array<[string, string, string, string]>) => r.db.query(`INSERT INTO ${s}.orders VALUES ${rows.map((_, i) => `($${i * 4 + 1}::bigint, $${i * 4 + 2}, $${i * 4 + 3}::numeric, $${i * 4 + 4}::timestamptz)`).join(', ')}`, rows.flat());
    async function sourceRows(): Promise<string[]> {
      const q = await r.db.query<{ row: string }>(`SELECT id::text || '|' || customer || '|' || to_char(amount, 'FM999999999990.000000') || '|' || to_char(modified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS row FROM ${s}.orders ORDER BY id`);
      return q.rows.map((x) => x.row);
    }
    async function sinkRows(): Promise<string[]> {
      const [rows] = await sink.query(`SELECT CONCAT(CAST(id AS CHAR), '|', customer, '|', CAST(amount AS CHAR), '|', DATE_FORMAT(modified_at, '%Y-%m-%d %H:%i:%s.%f')) AS \`row\` FROM \`${db}\`.orders ORDER BY id`);
      return (rows as Array<{ row: string }>).map((x) => x.row);
    }
    async function watermark(): Promise<{ at: string; lastId: string | null }> {
      const q = await r.db.query<{ at: string; last_id: string | null }>(`SELECT to_char(watermark_value AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at, last_id::text AS last_id FROM ${s}.watermarks WHERE table_name = 'orders'`);
      return { at: q.rows[0]!.at, lastId: q.rows[0]!.last_id };
    }
    async function load(): Promise<number> {
      const runId = await r.run('IncrementalCopyOrders');
      const run = await r.finalRun(runId);
      expect([run.status, run.message]).toEqual(['Succeeded', '']);
      const acts = await r.activities(runId);
      expect(acts.map((a) => [a.activityName, a.status]).sort()).toEqual([['IncrementalCopy', 'Succeeded'], ['LookupNewWatermark', 'Succeeded'], ['LookupOldWatermark', 'Succeeded'], ['StoreNewWatermark', 'Succeeded']]);
      return (acts.find((a) => a.activityName === 'IncrementalCopy')!.output as { rowsCopied: number }).rowsCopied;
    }

    it('copies each row exactly once across runs, the boundary rows included, and stores the exact watermark', async () => {
      await insert([
        ['1', 'first', '10.5', '2024-02-29 23:59:59.999999+00'],
        ['9007199254740993', 'beyond a double', '0.000001', '2024-03-01 10:00:00.123455+00'],
        ['9223372036854775806', 'the boundary row', '123456789012.123456', '2024-03-01 12:00:00.123456+02'],
      ]);
      expect(await load()).toBe(3);
      expect(await sinkRows()).toEqual(await sourceRows());
      // the new watermark went node → service → expression → node with all its digits
      expect(await watermark()).toEqual({ at: '2024-03-01 10:00:00.123456', lastId: '9223372036854775806' });
      await insert([
        ['9223372036854775807', 'the largest id', '1.000000', '2024-03-01 10:00:00.123457+00'],
        ['42', 'later', '99.99', '2024-03-02 08:15:00+00'],
        ['43', 'later still, another zone', '0', '2024-03-02 09:15:00.5-05:00'],
      ]);
      expect(await load()).toBe(3);
      expect(await sinkRows()).toEqual(await sourceRows());
      expect(await watermark()).toEqual({ at: '2024-03-02 14:15:00.500000', lastId: '9223372036854775807' });
      expect(await load()).toBe(0);
      expect((await sinkRows()).length).toBe(6);
    });
  });
});
