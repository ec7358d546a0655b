/**
 * A staged Copy across two gateways, through real processes (the orchestration rig: the service on PostgreSQL,
 * gateways gwA / gwB with a node each, the real @azure/arm-datafactory client) and a real Azurite as the staging
 * store both gateways reach (a blob linked service without connectVia). The source table is behind gwA, the sink
 * table behind gwB: the service runs the activity as a stage-out job on node-a and a stage-in job on node-b.
 * Asserted: the sink equals the source (count and checksum), each half in its own node's host log, the staging path
 * empty after (also when the sink half fails, with the sink's error), and one Copy activity run with the combined
 * output; a cancel stops the half that runs (no stage-in after a cancelled stage-out) and leaves no staged blob. The attack: a pipeline that writes the service's own `dmgwStagedHalf` (a hand-made manifest naming blobs
 * outside its staging path) is refused, and the blobs it named are neither loaded nor deleted. A cancel between the halves
 * (the stage-in still queued: gwB's node stopped) deletes the staged folder all the same, by a drop job on gwA.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP } from '../../support/factoryService.js';
import { startAzurite, type AzuriteServer } from '../../support/azurite.js';
import { ref, startRig, type Json, type Rig } from '../../support/orchestrationRig.js';
import { requireServer } from '../../support/servers.js';
import { until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);

describe.skipIf(!up)('a staged copy across two gateways (stage-out on gwA, stage-in on gwB, real processes)', () => {
  let r: Rig;
  let s: string;
  let az: AzuriteServer;
  let container: ContainerClient;
  const blobs = async (prefix: string) => {
    const out: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix })) out.push(b.name);
    return out;
  };
  const digest = async (table: string) => (await r.db.query(`select count(*)::int as n, md5(coalesce(string_agg(id || ':' || coalesce(t, '∅') || ':' || coalesce(n::text, '∅') || ':' || coalesce(ts::text, '∅'), ',' order by id), '')) as sum from ${s}.${table}`)).rows[0] as { n: number; sum: string };
  const stagedCopy = (name: string, output: string, extra: Json = {}): Json => ({
    name,
    type: 'Copy',
    inputs: [ref('SrcA')],
    outputs: [ref(output)],
    typeProperties: {
      source: { type: 'PostgreSqlSource', query: `SELECT id, t, n, ts FROM ${s}.src` },
      sink: { type: 'PostgreSqlSink' },
      enableStaging: true,
      stagingSettings: { linkedServiceName: { referenceName: 'StageBlob', type: 'LinkedServiceReference' }, path: 'staging/across', enableCompression: true },
      ...extra,
    },
  });

  beforeAll(async () => {
    az = await startAzurite();
    container = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('staging');
    await container.createIfNotExists();
    r = await startRig('xgw');
    s = r.schema;
    await r.db.query(`create table ${s}.src as select g as id, case when g % 7 = 0 then null else 'row "' || g || '", é' end as t, (g * 1.25)::numeric(12,3) as n, timestamp '2026-01-01 00:00:00.123456' + g * interval '1 minute' as ts from generate_series(1, 3000) g`);
    await r.db.query(`create table ${s}.dst (id int, t text, n numeric(12,3), ts timestamp)`);
    await r.db.query(`create table ${s}.dst_narrow (id int, t varchar(3), n numeric(12,3), ts timestamp)`);
    await r.dataset('SrcA', 'PostgreSqlTable', 'PgA', { schema: s, table: 'src' });
    await r.dataset('DstB', 'PostgreSqlTable', 'PgB', { schema: s, table: 'dst' });
    await r.dataset('NarrowB', 'PostgreSqlTable', 'PgB', { schema: s, table: 'dst_narrow' });
    // the staging store both gateways reach: no connectVia
    await r.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, r.F, 'StageBlob', { properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: az.connectionString } } as never });
  }, 180_000);
  afterAll(async () => {
    await r?.close();
    await az?.stop();
  });

  it('source behind gwA, sink behind gwB: stage-out on node-a, stage-in on node-b, the sink equals the source, nothing staged is left', async () => {
    await r.pipeline('Across', { activities: [stagedCopy('CopyAcross', 'DstB', { parallelCopies: 2 })] });
    const runId = await r.run('Across');
    const run = await r.finalRun(runId, 120_000);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    const src = await digest('src');
    expect(src.n).toBe(3000);
    expect(await digest('dst')).toEqual(src);
    // each half ran where its store is: the out half on node-a's host, the in half on node-b's
    expect(r.hostLog('a')).toContain(`run ${runId}, activity CopyAcross (Copy)`);
    expect(r.hostLog('b')).toContain(`run ${runId}, activity CopyAcross (Copy)`);
    expect(await blobs('across/')).toEqual([]);
    const acts = await r.activities(runId);
    expect(acts).toHaveLength(1);
    const [a] = acts as Array<(typeof acts)[number] & Json>;
    expect(a).toMatchObject({ activityName: 'CopyAcross', activityType: 'Copy', status: 'Succeeded', nodeName: 'node-a, node-b', integrationRuntimeNames: ['gwA', 'gwB'] });
    expect(a!.output).toMatchObject({
      rowsRead: 3000,
      rowsCopied: 3000,
      effectiveIntegrationRuntime: 'gwA, gwB',
      staging: { container: 'staging', compression: 'gzip' },
      stagedHalves: [
        { phase: 'out', integrationRuntime: 'gwA', nodeName: 'node-a', rowsRead: 3000 },
        { phase: 'in', integrationRuntime: 'gwB', nodeName: 'node-b', rowsCopied: 3000 },
      ],
    });
    expect(JSON.stringify(a!.output)).not.toContain('stagedManifest');
    // the record's input is the activity as written: the service's own field is not in it
    expect(JSON.stringify(a!.input)).not.toContain('dmgwStagedHalf');
  });

  it("the sink half fails: the activity fails with the sink's error, the sink is unchanged and the staged folder is deleted", async () => {
    await r.pipeline('AcrossFails', { activities: [stagedCopy('CopyNarrow', 'NarrowB')] });
    const runId = await r.run('AcrossFails');
    const run = await r.finalRun(runId, 120_000);
    expect(run.status).toBe('Failed');
    const [a] = await r.activities(runId);
    expect(a).toMatchObject({ activityName: 'CopyNarrow', status: 'Failed', nodeName: 'node-a, node-b', integrationRuntimeNames: ['gwA', 'gwB'] });
    expect(a!.error!.message).toMatch(/too long|varying\(3\)/i);
    expect(Number((await r.db.query(`select count(*) as n from ${s}.dst_narrow`)).rows[0].n)).toBe(0);
    expect(r.hostLog('a')).toContain(`run ${runId}, activity CopyNarrow (Copy)`);
    expect(r.hostLog('b')).toContain(`run ${runId}, activity CopyNarrow (Copy)`);
    expect(await blobs('across/')).toEqual([]);
  });

  it('cancel stops whichever half runs: during stage-out no stage-in is queued; during stage-in its worker stops; no staged blob is left', async () => {
    const before = await digest('dst');
    const workerGone = (pid: number) => until(`worker ${pid} to stop`, () => { try { process.kill(pid, 0); return undefined; } catch { return true; } }, 30_000, 200);
    // the source half reads slowly (20 s): cancelled while it runs on node-a
    await r.pipeline('CancelOut', { activities: [stagedCopy('SlowOut', 'DstB', { source: { type: 'PostgreSqlSource', query: `SELECT s.id, s.t, s.n, s.ts FROM ${s}.src s, pg_sleep(20) x` } })] });
    const outRun = await r.run('CancelOut');
    const outWorker = await until('the stage-out running on node-a', () => r.running('a').find((j) => j.runId === outRun && j.workerPid), 30_000, 100);
    await r.arm.pipelineRuns.cancel(RESOURCE_GROUP, r.F, outRun);
    expect((await r.finalRun(outRun, 30_000)).status).toBe('Cancelled');
    await workerGone(outWorker.workerPid!);
    expect(r.hostLog('b')).not.toContain(`run ${outRun}`);
    // the sink half waits 20 s in its preCopyScript: cancelled while it runs on node-b, after the stage-out staged
    await r.pipeline('CancelIn', { activities: [stagedCopy('SlowIn', 'DstB', { sink: { type: 'PostgreSqlSink', preCopyScript: 'select pg_sleep(20)' } })] });
    const inRun = await r.run('CancelIn');
    const inWorker = await until('the stage-in running on node-b', () => r.running('b').find((j) => j.runId === inRun && j.workerPid), 60_000, 100);
    expect(r.hostLog('a')).toContain(`run ${inRun}, activity SlowIn (Copy)`);
    await r.arm.pipelineRuns.cancel(RESOURCE_GROUP, r.F, inRun);
    expect((await r.finalRun(inRun, 30_000)).status).toBe('Cancelled');
    await workerGone(inWorker.workerPid!);
    const [a] = await r.activities(inRun);
    expect(a).toMatchObject({ activityName: 'SlowIn', status: 'Cancelled', nodeName: 'node-a, node-b', error: { errorCode: 'CANCELLED' } });
    expect(await digest('dst')).toEqual(before);
    // the staged folder of each goes: by the half's own clean-up, or by its host's staging journal when the worker was killed
    await until('the staging path to be empty', async () => ((await blobs('across/')).length === 0 ? true : undefined), 30_000, 250);
  });

  it('attack: a pipeline carrying its own dmgwStagedHalf (a manifest naming blobs elsewhere) is refused; those blobs are neither loaded nor deleted', async () => {
    const victim = 'victim/dmgw-CopyAcross-0123456789ab';
    await container.getBlockBlobClient(`${victim}/part_00000.csv`).upload('id,t,n,ts\n1,stolen,1,\\N\n', 27);
    const manifest = { version: 1, activity: 'Evil', staging: { linkedServiceName: { referenceName: 'StageBlob' }, container: 'staging', folder: victim, compression: 'none' }, files: [`${victim}/part_00000.csv`], rowsRead: 1, dataRead: 1, dataStaged: 1 };
    await r.pipeline('Evil', { activities: [stagedCopy('Evil', 'DstB', { dmgwStagedHalf: { phase: 'in', manifest } })] });
    const before = await digest('dst');
    const runId = await r.run('Evil');
    expect((await r.finalRun(runId)).status).toBe('Failed');
    const [a] = await r.activities(runId);
    expect(a!.error!.message).toContain('dmgwStagedHalf, which only the factory service sets');
    expect(await blobs('victim/')).toEqual([`${victim}/part_00000.csv`]);
    expect(await digest('dst')).toEqual(before);
    expect(r.hostLog('b')).not.toContain(`run ${runId}`);
  });

  // last: it stops node-b for good
  it('cancel between the halves (the stage-in still queued: gwB has no node): the staged folder is deleted all the same', async () => {
    r.hosts.b!.kill('SIGKILL');
    const before = await digest('dst');
    await r.pipeline('CancelBetween', { activities: [stagedCopy('Between', 'DstB')] });
    const runId = await r.run('CancelBetween');
    const jobs = async () => (await r.db.query<{ key: string; status: string; attempt: number }>(`select split_part(replay_key, '/', 2) as key, status, attempt from ${r.svcSchema}.jobs where run_id = $1 order by enqueued_at`, [runId])).rows;
    // the stage-out ran on node-a and staged its blobs; the stage-in waits in the queue of gwB
    await until('the stage-in queued after the stage-out', async () => ((await jobs()).some((j) => j.key === 'in' && j.status === 'queued') ? true : undefined), 60_000, 200);
    const staged = await blobs('across/');
    expect(staged.length).toBeGreaterThan(0);
    expect(staged.every((b) => /^across\/dmgw-Between-[0-9a-f]{12}\/part_\d+\.csv\.gz$/.test(b))).toBe(true);
    await r.arm.pipelineRuns.cancel(RESOURCE_GROUP, r.F, runId);
    expect((await r.finalRun(runId, 30_000)).status).toBe('Cancelled');
    const [a] = await r.activities(runId);
    expect(a).toMatchObject({ activityName: 'Between', status: 'Cancelled', error: { errorCode: 'CANCELLED' } });
    // a node never ran the stage-in: the source's gateway deletes the folder (a drop job), nothing reached the sink
    await until('the staging path to be empty', async () => ((await blobs('across/')).length === 0 ? true : undefined), 30_000, 250);
    await until('the drop job to end', async () => ((await jobs()).some((j) => j.key === 'drop' && j.status === 'done') ? true : undefined), 30_000, 250);
    expect((await jobs()).map((j) => [j.key, j.status, j.attempt])).toEqual([['out', 'done', 1], ['in', 'done', 0], ['drop', 'done', 1]]);
    expect(await digest('dst')).toEqual(before);
  });
});
