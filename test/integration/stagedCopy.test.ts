/**
 * Staged copy (`enableStaging` + `stagingSettings`) through a real Azurite, PostgreSQL and MariaDB.
 * - The two halves run as two separate calls with only the manifest (JSON) between them, as two gateways would:
 *   the staged blobs are there after `stageOut` (4 partitions → 4 blobs, gzip: checked by their magic bytes and by
 *   gunzipping them), `stageIn` loads the awkward table into PostgreSQL equal to the source (multiset difference 0,
 *   validated both hops) and leaves no blob behind.
 * - A pipeline with a staged Copy (PostgreSQL → MariaDB, no compression) loads every row and leaves the staging
 *   path empty; one whose sink fails (an upsert key held twice) leaves the sink unchanged and the staging path
 *   empty too.
 * - The attack: a Copy whose author wrote the service's own `typeProperties.dmgwStagedHalf` with a manifest naming
 *   blobs outside its staging path (or another staging linked service) is refused before anything is read: those
 *   blobs are neither loaded into the sink nor deleted.
 */
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkedService } from '../../src/common/model/types.js';
import { GatewayHome } from '../../src/agent/config/home.js';
import { stageIn, stageOut } from '../../src/agent/copy/stagedCopy.js';
import { removeLeftovers } from '../../src/agent/worker/cleanup.js';
import type { CleanupResult } from '../../src/common/staging.js';
import type { StagedCopyManifest } from '../../src/common/stagedCopy.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { AWKWARD_COLUMNS, awkwardSource, dropSchema, pgConnectionString, tableDifference, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { mariadbStore, type TableStore } from '../support/storeContract.js';
import type pg from 'pg';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));

describe.skipIf(!up)('staged copy through Azure Blob (enableStaging)', () => {
  const schema = uniqueName('staged');
  let az: AzuriteServer;
  let blobs: BlobServiceClient;
  let staging: ContainerClient;
  let client: pg.Client;
  let f: TestFactory;
  let maria: TableStore;

  beforeAll(async () => {
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    staging = blobs.getContainerClient('staging');
    await staging.createIfNotExists();
    ({ client, f } = await awkwardSource(schema, { blobConnectionString: az.connectionString }));
    maria = await mariadbStore(uniqueName('staged'));
    f.write('linkedService', 'Maria', maria.linkedService);
  });
  afterAll(async () => {
    await maria?.close();
    await dropSchema(client, schema);
    await az?.stop();
  });

  const blobNames = async (prefix = '') => {
    const out: string[] = [];
    for await (const b of staging.listBlobsFlat({ prefix })) out.push(b.name);
    return out;
  };
  const ls = (name: string, type: string, typeProperties: Record<string, unknown>): LinkedService => ({ kind: 'linkedService', name, properties: { type, typeProperties }, file: `linkedService/${name}.json` }) as unknown as LinkedService;

  it('stageOut and stageIn run apart with only the manifest between them: gzip blobs, then the sink equals the source, then no blob', async () => {
    await client.query(`CREATE TABLE ${schema}.two_halves (${AWKWARD_COLUMNS})`);
    const pgLs = ls('Pg', 'PostgreSql', { connectionString: pgConnectionString() });
    const blobLs = ls('Blob', 'AzureBlobStorage', { connectionString: az.connectionString });
    const node = { home: GatewayHome.resolve({ home: f.home }) };
    const logs: string[] = [];
    const base = { activity: 'StagedCopy', node, signal: new AbortController().signal, log: (_l: string, m: string) => logs.push(m) };
    const typeProperties = { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: { type: 'PostgreSqlSink' }, parallelCopies: 4, validateDataConsistency: true, enableStaging: true };

    // gateway A: the source half
    const manifest = await stageOut(
      { ...base, typeProperties, input: { name: 'Src', type: 'PostgreSqlTable', typeProperties: { schema, table: 'src' }, linkedService: pgLs }, output: { name: 'Dst', type: 'PostgreSqlTable', typeProperties: { schema, table: 'two_halves' }, linkedService: pgLs } },
      { reference: { referenceName: 'Blob' }, linkedService: blobLs, container: 'staging', folder: 'copies/run1', compress: true },
    );
    const wire = JSON.parse(JSON.stringify(manifest)) as StagedCopyManifest;
    expect(wire.files).toHaveLength(4);
    expect(wire.staging).toMatchObject({ container: 'staging', compression: 'gzip', linkedServiceName: { referenceName: 'Blob' } });
    expect(wire.staging.folder).toMatch(/^copies\/run1\/dmgw-StagedCopy-[0-9a-f]{12}$/);
    expect(wire.rowsRead).toBe(2007);
    expect(wire.stagingVerification?.ok).toBe(true);
    expect((await blobNames(wire.staging.folder)).sort()).toEqual([...wire.files].sort());
    let csvRows = 0;
    for (const name of wire.files) {
      const bytes = await staging.getBlobClient(name).downloadToBuffer();
      expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      const text = gunzipSync(bytes).toString('utf8');
      expect(text.startsWith('id,t,v,n,f,ts,tsl,d,b,by,j,u\n')).toBe(true);
      csvRows += text.split('\n').filter((l) => /^\d+,/.test(l)).length;
    }
    expect(csvRows).toBeGreaterThanOrEqual(2000);
    // NULL is \N unquoted; the text "\N" is quoted
    const first = gunzipSync(await staging.getBlobClient(wire.files[0]!).downloadToBuffer()).toString('utf8');
    expect(first).toContain('"\\N"');
    expect(first).toMatch(/,\\N,/);

    // gateway B: the sink half, from the manifest alone
    const out = await stageIn(wire, { ...base, typeProperties, output: { name: 'Dst', type: 'PostgreSqlTable', typeProperties: { schema, table: 'two_halves' }, linkedService: pgLs } }, blobLs);
    expect(out.rowsCopied).toBe(2007);
    expect(out.rowsRead).toBe(2007);
    expect(out.dataConsistencyVerification?.ok).toBe(true);
    expect(out.staging).toMatchObject({ files: 4, compression: 'gzip' });
    expect(await tableDifference(client, `${schema}.src`, `${schema}.two_halves`)).toBe(0);
    expect(await blobNames('copies/')).toEqual([]);
  });

  const stagedPipeline = (sink: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    source: { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${schema}.src` },
    sink,
    enableStaging: true,
    stagingSettings: { linkedServiceName: { referenceName: 'Blob', type: 'LinkedServiceReference' }, path: 'staging/pipeline' },
    ...extra,
  });

  it('a pipeline Copy PostgreSQL → MariaDB staged through blob (no compression): every row, staging path empty after', async () => {
    await maria.exec('CREATE TABLE staged_target (id int primary key, t text) CHARACTER SET utf8mb4');
    f.dataset('MariaTarget', 'MariaDBTable', 'Maria', maria.dataset('staged_target'));
    const r = await f.copy('StagedToMaria', 'Src', 'MariaTarget', stagedPipeline({ type: 'MariaDBSink' }, { parallelCopies: 2, validateDataConsistency: true }));
    expect(r.error).toBeUndefined();
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(2007);
    expect(o.staging).toMatchObject({ container: 'staging', compression: 'none', files: 1 });
    expect(r.events.some((e) => e.event === 'log' && /staged 2007 row\(s\) in 1 blob/.test(e.message))).toBe(true);
    const src = (await client.query<{ id: number; t: string | null }>(`SELECT id, t FROM ${schema}.src ORDER BY id`)).rows.map((x) => `${x.id}|${x.t ?? '∅'}`);
    const dst = (await maria.exec('SELECT id, t FROM staged_target ORDER BY id')).map((x) => `${String(x[0])}|${x[1] === null ? '∅' : String(x[1])}`);
    expect(dst).toEqual(src);
    expect(await blobNames('pipeline/')).toEqual([]);
  });

  it('a staged Copy whose sink fails leaves the sink unchanged and no staged blob', async () => {
    await maria.exec('CREATE TABLE staged_fail (id int, t text) CHARACTER SET utf8mb4');
    await maria.exec("INSERT INTO staged_fail VALUES (1, 'before')");
    f.dataset('MariaFail', 'MariaDBTable', 'Maria', maria.dataset('staged_fail'));
    // every row gets the key 1: a duplicate key for the upsert, found at commit after everything was staged and loaded
    const r = await f.copy('StagedFails', 'Src', 'MariaFail', { ...stagedPipeline({ type: 'MariaDBSink', writeBehavior: 'upsert', upsertSettings: { keys: ['id'] } }), source: { type: 'PostgreSqlSource', query: `SELECT 1 AS id, t FROM ${schema}.src` } });
    expect(r.activities[0]!.error?.code).toBe('UPSERT_KEY_DUPLICATE');
    expect(await maria.exec('SELECT id, t FROM staged_fail')).toEqual([[1, 'before']]);
    expect(await blobNames('pipeline/')).toEqual([]);
  });

  it('enableStaging without a staging linked service is an error naming the field, before anything is read', async () => {
    const r = await f.copy('StagedNoStore', 'Src', 'MariaTarget', { ...stagedPipeline({ type: 'MariaDBSink' }), stagingSettings: { path: 'staging/x' } });
    expect(r.activities[0]!.error?.code).toBe('STAGING_SETTINGS');
    expect(r.activities[0]!.error?.message).toContain('stagingSettings.linkedServiceName');
  });

  it('attack: a hand-written dmgwStagedHalf manifest (stage-in or drop) naming blobs outside the staging path is refused; they are neither loaded nor deleted', async () => {
    await maria.exec('CREATE TABLE staged_attack (id int primary key, t text) CHARACTER SET utf8mb4');
    f.dataset('MariaAttack', 'MariaDBTable', 'Maria', maria.dataset('staged_attack'));
    // blobs the author wants loaded into the sink and then deleted: in the staging container, outside staging/pipeline
    const victim = 'finance/dmgw-Steal-0123456789ab';
    const body = 'id,t\n1,salary\n';
    await staging.getBlockBlobClient(`${victim}/part_00000.csv`).upload(body, Buffer.byteLength(body));
    const forged = (over: Partial<StagedCopyManifest['staging']> = {}, files = [`${victim}/part_00000.csv`], phase = 'in') => ({
      phase,
      manifest: { version: 1, activity: 'Steal', staging: { linkedServiceName: { referenceName: 'Blob' }, container: 'staging', folder: victim, compression: 'none', ...over }, files, rowsRead: 1, dataRead: 1, dataStaged: 1 },
    });
    const attempts = [
      forged(),
      // the right folder shape below the staging path, but a blob of another folder
      forged({ folder: 'pipeline/dmgw-Steal-0123456789ab' }, [`${victim}/part_00000.csv`]),
      // another staging linked service than the activity's own
      forged({ linkedServiceName: { referenceName: 'Files' } }),
      // the service's drop phase (delete the staged folder only) is held to the same check: no deleting elsewhere
      forged({}, undefined, 'drop'),
      forged({ folder: 'pipeline/dmgw-Steal-0123456789ab' }, [`${victim}/part_00000.csv`], 'drop'),
    ];
    for (const half of attempts) {
      const r = await f.copy('Steal', 'Src', 'MariaAttack', { ...stagedPipeline({ type: 'MariaDBSink' }), dmgwStagedHalf: half });
      expect(r.activities[0]!.error?.code).toBe('STAGED_MANIFEST');
      expect(r.activities[0]!.error?.message).toContain('is refused');
    }
    // a manifest the schema refuses (a path going up) never reaches the check above
    const up = await f.copy('Steal', 'Src', 'MariaAttack', { ...stagedPipeline({ type: 'MariaDBSink' }), dmgwStagedHalf: forged({ folder: 'pipeline/dmgw-Steal-0123456789ab' }, ['pipeline/dmgw-Steal-0123456789ab/../../finance/dmgw-Steal-0123456789ab/part_00000.csv']) });
    expect(up.activities[0]!.error?.code).toBe('STAGED_HALF');
    expect(await blobNames('finance/')).toEqual([`${victim}/part_00000.csv`]);
    expect(await maria.exec('SELECT count(*) FROM staged_attack')).toEqual([[0]]);
  });

  it('a killed worker\'s staged folder is removed by the host\'s cleanup (dmgw worker --cleanup), and only a staged-copy folder', async () => {
    const folder = 'left/over/dmgw-Copy_1-0123456789ab';
    for (const name of [`${folder}/part_00000.csv.gz`, `${folder}/part_00001.csv.gz`, 'left/over/keep.csv']) await staging.getBlockBlobClient(name).upload('x', 1);
    const linkedService = { name: 'Blob', properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: az.connectionString } } };
    const results: CleanupResult[] = [];
    const ok = await removeLeftovers(
      {
        items: [
          { linkedService, thing: { kind: 'staged-copy', container: 'staging', folder } },
          // a folder not of a staged copy's naming is refused, whatever the journal says
          { linkedService, thing: { kind: 'staged-copy', container: 'staging', folder: 'left/over' } },
        ],
      },
      f.home,
      (r) => results.push(r),
    );
    expect(ok).toBe(false);
    expect(results[0]).toEqual({ removed: `2 staged copy blobs under staging/${folder}` });
    expect(results[1]).toMatchObject({ failed: 'staged copy blobs under staging/left/over' });
    expect(await blobNames('left/')).toEqual(['left/over/keep.csv']);
  });
});
