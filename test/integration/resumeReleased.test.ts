/**
 * Resume through the service and a host: a Copy job whose worker dies (SIGKILL, the test-only
 * DMGW_TEST_DIE_AFTER_PARTITIONS in the host's environment: right after the journal holds 2 of 4 finished partitions)
 * is released by the host and leased again; the new worker continues from the finished partitions. Real service (on
 * PostgreSQL), a real node and host, PostgreSQL as the source, a folder and Azurite as the sinks.
 * - Between the two attempts the source changes everywhere (the test holds an advisory lock the source query waits
 *   on, from the moment the journal shows the 2 partitions until the change is made): the sink holds the ORIGINAL
 *   text for ids ≤ 2000 — read by the first attempt, not again — and the CHANGED text for the rest, each row once.
 * - The host's cleanup after the kill leaves the kept files (the finished partitions' temp file / uncommitted blocks).
 * - The activity run says 2 partitions were resumed; the job took 2 attempts.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { tempDir } from '../support/factoryService.js';
import { allowFileRoots } from '../support/gatewayHome.js';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('resrel');
const store = `${schema}_svc`;
const files = tempDir('dmgw-resrel-files');
const rig = new GatewayRig({ factory: 'factory-resrel', gateway: 'resrelgw', postgresSchema: store, serviceArgs: ['--lease-seconds', '10', '--heartbeat-seconds', '1', '--poll-seconds', '2'], hostEnv: { DMGW_TEST_DIE_AFTER_PARTITIONS: '2' } });
const GATE = 731_013;
let db: pg.Client;
let azurite: AzuriteServer;

/** the `id,v` rows of CSV texts, sorted by id */
const rowsOf = (texts: string[]): Array<[number, string]> =>
  texts
    .flatMap((t) => t.split(/\r?\n/).filter(Boolean).slice(1))
    .map((l): [number, string] => [Number(l.slice(0, l.indexOf(','))), l.slice(l.indexOf(',') + 1)])
    .sort((a, b) => a[0] - b[0]);

describe.skipIf(!up)('a Copy job whose worker dies is leased again and resumes from its finished partitions (service, host, folder, blob)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    // the source query waits on a shared advisory lock per row: free unless the test holds it
    await db.query(`create schema ${schema};
      create function ${schema}.gate() returns boolean language sql volatile as 'select true from (select pg_advisory_xact_lock_shared(${GATE})) x';`);
    mkdirSync(join(files, 'out'));
    azurite = await startAzurite();
    await rig.start();
    allowFileRoots(rig.home, files);
    const { arm, factory, gateway } = rig;
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Folder', { properties: { type: 'FileServer', connectVia: { referenceName: gateway, type: 'IntegrationRuntimeReference' }, typeProperties: { host: files } } as never });
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Blob', { properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: azurite.connectionString } } as never });
    const csv = (ls: string, location: Record<string, unknown>) => ({ properties: { type: 'DelimitedText', linkedServiceName: { referenceName: ls, type: 'LinkedServiceReference' }, typeProperties: { location, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true } } as never });
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'FolderCsv', csv('Folder', { type: 'FileServerLocation', folderPath: 'out' }));
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, 'BlobCsv', csv('Blob', { type: 'AzureBlobStorageLocation', container: 'resrel', folderPath: 'out' }));
  }, 180_000);

  afterAll(async () => {
    await rig.stop();
    await azurite?.stop();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${store} cascade`).catch(() => undefined);
    await db?.end();
  });

  const journals = () => (existsSync(join(rig.home, 'resume')) ? readdirSync(join(rig.home, 'resume')) : []);
  const journaled = (): number => {
    const done = journals().filter((n) => n.endsWith('.json')).map((n) => Object.keys((JSON.parse(readFileSync(join(rig.home, 'resume', n), 'utf8')) as { done: object }).done).length);
    return done.length === 1 ? done[0]! : -1;
  };

  async function killedAndResumed(table: string, output: string, sinkStore: string): Promise<Record<string, unknown>> {
    await db.query(`create table ${schema}.${table} (id bigint primary key, v text); insert into ${schema}.${table} select g, 'original ' || g from generate_series(1, 4000) g`);
    await rig.tableDataset(table, schema, table);
    const name = `Resume_${table}`;
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, name, {
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [{ referenceName: table, type: 'DatasetReference' }],
          outputs: [{ referenceName: output, type: 'DatasetReference' }],
          typeProperties: {
            source: { type: 'PostgreSqlSource', query: `SELECT id, v FROM ${schema}.${table} WHERE ${schema}.gate()`, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '1', partitionUpperBound: '4000' } },
            sink: { type: 'DelimitedTextSink', storeSettings: { type: sinkStore } },
            parallelCopies: 1,
            validateDataConsistency: true,
          },
        },
      ] as never,
    });
    const gate = new pg.Client({ connectionString: PG_URL });
    await gate.connect();
    try {
      const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, name);
      // the first worker dies right after the journal holds 2 finished partitions: the next one waits at the gate
      await until('2 partitions journaled', () => (journaled() === 2 ? true : undefined), 90_000, 10);
      await gate.query(`select pg_advisory_lock(${GATE})`);
      await db.query(`update ${schema}.${table} set v = 'changed ' || id`);
      await gate.query(`select pg_advisory_unlock(${GATE})`);
      const run = await rig.finalRun(runId, 120_000);
      expect([run.status, run.message]).toEqual(['Succeeded', '']);
      const job = await db.query(`select attempt from ${store}.jobs where run_id = $1`, [runId]);
      expect(job.rows.map((r: { attempt: number }) => r.attempt)).toEqual([2]);
      const [copy] = await rig.activityRuns(runId);
      expect(journals()).toEqual([]);
      return copy!.output as Record<string, unknown>;
    } finally {
      await gate.end();
    }
  }

  const expectResumedRows = (rows: Array<[number, string]>) => {
    expect(rows).toHaveLength(4000);
    expect(new Set(rows.map((r) => r[0])).size).toBe(4000);
    // ids ≤ 2000 were read by the killed attempt only: their text is the one from before the change
    for (const [id, v] of rows) expect(v).toBe(id <= 2000 ? `original ${id}` : `changed ${id}`);
  };

  it('into a folder: the kept files outlive the kill and the host cleanup; the re-leased job writes only partitions 2 and 3', async () => {
    const out = await killedAndResumed('src_folder', 'FolderCsv', 'FileServerWriteSettings');
    expect(out).toMatchObject({ partitionsResumed: 2, rowsCopied: 4000, rowsRead: 4000, dataConsistencyVerification: { ok: true } });
    const dir = join(files, 'out');
    const names = readdirSync(dir).sort();
    expect(names).toEqual(['data_00000.csv', 'data_00001.csv', 'data_00002.csv', 'data_00003.csv']);
    expectResumedRows(rowsOf(names.map((n) => readFileSync(join(dir, n), 'utf8'))));
  });

  it('into blobs: the kept blocks outlive the kill and the host cleanup; the re-leased job commits them with the other 2', async () => {
    const out = await killedAndResumed('src_blob', 'BlobCsv', 'AzureBlobStorageWriteSettings');
    expect(out).toMatchObject({ partitionsResumed: 2, rowsCopied: 4000, dataConsistencyVerification: { ok: true } });
    const c = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('resrel');
    const names: string[] = [];
    for await (const b of c.listBlobsFlat({ prefix: 'out/' })) names.push(b.name);
    expect(names.sort()).toEqual(['out/data_00000.csv', 'out/data_00001.csv', 'out/data_00002.csv', 'out/data_00003.csv']);
    expectResumedRows(rowsOf(await Promise.all(names.map(async (n) => (await c.getBlobClient(n).downloadToBuffer()).toString('utf8')))));
  });
});
