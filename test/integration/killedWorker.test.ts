/**
 * A worker the host must kill, and what it had staged. Real service (on PostgreSQL, so the test can take a lease
 * away), a real node and host (`DMGW_WORKER_KILL_SECONDS=3`), workers copying from the real PostgreSQL into
 * PostgreSQL, a folder and Azurite.
 * - Cancel: a worker wedged in its commit (the target is locked by another session) keeps reporting progress and
 *   ignores SIGTERM; it is killed 3 s after the cancel, and its staging table is dropped before the run ends
 *   Cancelled. It used to get only SIGTERM and run on forever.
 * - SIGKILL mid-copy (the lease taken away: 409 → kill): the staging table, the temp file and the uncommitted blob
 *   blocks it left are removed by the host's cleanup at once, not by some later run into the same targets.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetTag } from '../../src/agent/connectors/postgresStage.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { tempDir } from '../support/factoryService.js';
import { allowFileRoots } from '../support/gatewayHome.js';
import { alive, GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('kill');
const store = `${schema}_svc`;
const files = tempDir('dmgw-kill-files');
const rig = new GatewayRig({ factory: 'factory-kill', gateway: 'killgw', postgresSchema: store, serviceArgs: ['--lease-seconds', '10', '--heartbeat-seconds', '1', '--poll-seconds', '2'], hostEnv: { DMGW_WORKER_KILL_SECONDS: '3' } });
let db: pg.Client;
let azurite: AzuriteServer;
const ROWS = 200_000;
/** the source stops for a while at this row: everything before it is staged, nothing is committed */
const STALL_AT = 150_000;

/** the staging tables of `table` (postgresStage.ts names them after their target) */
const stages = async (table: string): Promise<string[]> => (await db.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like $2 order by 1`, [schema, `dmgw\\_stage\\_${targetTag(schema, table)}\\_%`])).rows.map((r: { relname: string }) => r.relname);
const temps = (): string[] => readdirSync(join(files, 'out')).filter((n) => n.endsWith('.dmgw-tmp'));
const blob = () => BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('kill').getBlockBlobClient('out/data.csv');
const uncommitted = async (): Promise<number> => ((await blob().getBlockList('uncommitted').catch(() => undefined))?.uncommittedBlocks ?? []).length;

describe.skipIf(!up)('a worker the host kills leaves nothing staged (real service, host, workers, PostgreSQL, Azurite)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema};
      create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g;
      create table ${schema}.dst (id int, t text); create table ${schema}.wedged (id int, t text);
      create function ${schema}.slow(i int) returns boolean language plpgsql as $$ begin if i = ${STALL_AT} then perform pg_sleep(25); end if; return true; end $$`);
    mkdirSync(join(files, 'out'));
    azurite = await startAzurite();
    await rig.start();
    allowFileRoots(rig.home, files);
    const { arm, factory, gateway } = rig;
    const gw = { referenceName: gateway, type: 'IntegrationRuntimeReference' };
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Folder', { properties: { type: 'FileServer', connectVia: gw, typeProperties: { host: files } } as never });
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Blob', { properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: azurite.connectionString } } as never });
    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    await rig.tableDataset('Wedged', schema, 'wedged');
    const csv = (ls: string, location: Record<string, unknown>) => ({ properties: { type: 'DelimitedText', linkedServiceName: { referenceName: ls, type: 'LinkedServiceReference' }, typeProperties: { location, firstRowAsHeader: true } } as never });
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'FolderCsv', csv('Folder', { type: 'FileServerLocation', folderPath: 'out', fileName: 'data.csv' }));
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'BlobCsv', csv('Blob', { type: 'AzureBlobStorageLocation', container: 'kill', folderPath: 'out', fileName: 'data.csv' }));
    const copy = (name: string, output: string, sink: Record<string, unknown>, query = `SELECT id, t FROM ${schema}.src WHERE ${schema}.slow(id)`) => ({
      name, type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: output, type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query }, sink,
    });
    // a preCopyScript keeps the stage these tests are about (one partition would otherwise load straight into the
    // target, with nothing staged to leave behind: test/integration/directSink.test.ts)
    const staged = { type: 'PostgreSqlSink', preCopyScript: 'SELECT 1' };
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'Wedge', { activities: [copy('ToWedged', 'Wedged', staged, `SELECT id, t FROM ${schema}.src`)] as never });
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'Stage3', {
      activities: [copy('ToTable', 'Dst', staged), copy('ToFolder', 'FolderCsv', { type: 'DelimitedTextSink' }), copy('ToBlob', 'BlobCsv', { type: 'DelimitedTextSink' })] as never,
    });
  }, 180_000);

  afterAll(async () => {
    await rig.stop();
    await azurite?.stop();
    await db?.query(`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query like '%${schema}%'`).catch(() => undefined);
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${store} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('cancel: a worker wedged in its commit, still reporting progress, is killed 3 s after SIGTERM; its stage is dropped', async () => {
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      // reads go on (the sink reads the table's columns, the stage copies them), the commit's INSERT waits
      await locker.query(`begin; lock table ${schema}.wedged in share mode`);
      const { runId, workerPid } = await rig.runningRun('Wedge');
      await until('the commit waiting for the lock', async () => (await db.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'INSERT INTO "${schema}"."wedged"%'`)).rowCount || undefined, 60_000);
      expect(await stages('wedged')).toHaveLength(1);
      // taken before the call: a cancel answers when the run has ended or after 2 s, whichever is first
      const cancelledAt = Date.now();
      await rig.arm.pipelineRuns.cancel(RESOURCE_GROUP, rig.factory, runId);
      await until('the worker killed', () => !alive(workerPid) || undefined, 30_000);
      const took = Date.now() - cancelledAt;
      expect(took).toBeGreaterThan(2500);
      expect(rig.log()).toMatch(new RegExp(`killing worker ${workerPid}: it was still running 3 s after the cancel`));
      // the killed worker's INSERT is still waiting: let it finish; PostgreSQL then finds its client gone and rolls back
      await locker.query('rollback');
      const run = await rig.finalRun(runId, 60_000);
      expect(run.status).toBe('Cancelled');
      expect(await stages('wedged')).toEqual([]);
      expect(rig.log()).toMatch(/removed staging table .*dmgw_stage_/);
      expect((await db.query(`select count(*)::int as n from ${schema}.wedged`)).rows[0].n).toBe(0);
    } finally {
      await locker.end();
    }
  });

  it('killed mid-copy (lease lost): its staging table, temp file and uncommitted blocks are gone before the run ends', async () => {
    const { runId, workerPid } = await rig.runningRun('Stage3');
    await until('all three targets staged', async () => ((await stages('dst')).length === 1 && temps().length === 1 && (await uncommitted()) > 0) || undefined, 90_000);
    // another attempt has the job now: this node's next report is refused (409) and its host kills the worker at once
    await db.query(`update ${store}.jobs set lease_token = gen_random_uuid()::text, max_attempts = attempt where run_id = $1`, [runId]);
    await until('the worker killed', () => !alive(workerPid) || undefined, 30_000);
    expect(rig.log()).toMatch(new RegExp(`killing worker ${workerPid}: the lease was lost`));
    // three jobs, each hearing its 409 at its own next report: wait for all three cleanups, not the first
    await until('the cleanup done', () => {
      const log = rig.log();
      return (/removed \d+ uncommitted blocks of blob kill\/out\/data\.csv/.test(log) && new RegExp(`removed staging table ${schema}\\.dmgw_stage_${targetTag(schema, 'dst')}_`).test(log) && /removed temp file out\//.test(log)) || undefined;
    }, 60_000);
    expect(await stages('dst')).toEqual([]);
    expect(temps()).toEqual([]);
    expect(await uncommitted()).toBe(0);
    expect(await blob().exists()).toBe(false);
    expect(readdirSync(join(files, 'out'))).toEqual([]);
    expect((await db.query(`select count(*)::int as n from ${schema}.dst`)).rows[0].n).toBe(0);
    const run = await rig.finalRun(runId, 60_000);
    expect(run.status).toBe('Failed');
  });
});
