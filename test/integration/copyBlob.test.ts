/**
 * PostgreSQL ↔ Azure Blob (a real Azurite) ↔ files, with the awkward table: what comes back into PostgreSQL
 * equals the source; a block damaged on its way into storage is refused by the service (its Content-MD5) and
 * sent again; a blob that reads back different from the source fails the consistency check and is removed.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devConnectionString, startAzurite, type AzuriteServer } from '../support/azurite.js';
import { AWKWARD_COLUMNS, awkwardSource, dropSchema, tableDifference, type TestFactory } from '../support/copyFactory.js';
import { startFaultProxy, type FaultPlan } from '../support/faultProxy.js';
import { requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('copyblob');

describe.skipIf(!up)('copy: PostgreSQL ↔ Azure Blob ↔ files', () => {
  let az: AzuriteServer;
  let client: pg.Client;
  let f: TestFactory;
  let blobs: BlobServiceClient;
  const table = (t: string) => `${schema}.${t}`;

  beforeAll(async () => {
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    ({ client, f } = await awkwardSource(schema, { blobConnectionString: az.connectionString }));
  });
  afterAll(async () => {
    await dropSchema(client, schema);
    await az?.stop();
  });

  async function loadBack(name: string, dataset: string, storeType: string, folder: string) {
    await client.query(`CREATE TABLE ${table(name)} (${AWKWARD_COLUMNS})`);
    const back = f.dataset(`Back_${name}`, 'PostgreSqlTable', 'Pg', { schema, table: name });
    const r = await f.copy(`In_${name}`, dataset, back, { source: { storeSettings: { type: storeType, wildcardFolderPath: folder, wildcardFileName: '*' } }, sink: { type: 'PostgreSqlSink' }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
    expect(await tableDifference(client, table('src'), table(name))).toBe(0);
  }

  it('pg → gzip CSV blob (fast path, 2 partitions) → pg', async () => {
    const ds = f.dataset('CsvBlob', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'sales', folderPath: 'orders', fileName: 'orders.csv.gz' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' });
    const r = await f.copy('ToBlob', 'Src', ds, { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: { type: 'DelimitedTextSink', storeSettings: { type: 'AzureBlobStorageWriteSettings' } }, parallelCopies: 2, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    const o = r.activities[0]!.output!;
    expect(o.files).toEqual(['orders/orders_00000.csv.gz', 'orders/orders_00001.csv.gz']);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    const text = gunzipSync(await blobs.getContainerClient('sales').getBlobClient('orders/orders_00000.csv.gz').downloadToBuffer()).toString('utf8');
    expect(text.startsWith('id,t,v,n,f,ts,tsl,d,b,by,j,u\n')).toBe(true);
    const inDs = f.dataset('CsvBlobIn', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'sales' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' });
    await loadBack('fromcsvblob', inDs, 'AzureBlobStorageReadSettings', 'orders');
  });

  it('pg → JSON blob (row path) → pg', async () => {
    const ds = f.dataset('JsonBlob', 'Json', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'json', folderPath: 'a', fileName: 'rows.json' } });
    const r = await f.copy('ToJsonBlob', 'Src', ds, { source: {}, sink: { type: 'JsonSink' }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    const inDs = f.dataset('JsonBlobIn', 'Json', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'json' } });
    await loadBack('fromjsonblob', inDs, 'AzureBlobStorageReadSettings', 'a');
  });

  it('file → gzip JSON blob → CSV file → pg', async () => {
    const csv = f.dataset('LocalCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'start', fileName: 'src.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    expect((await f.copy('ToLocal', 'Src', csv, { source: {}, sink: {} })).status).toBe('Succeeded');
    const jsonBlob = f.dataset('MidBlob', 'Json', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'mid', folderPath: 'x', fileName: 'mid.json.gz' }, compressionCodec: 'gzip' });
    const a = await f.copy('FileToBlob', csv, jsonBlob, { source: {}, sink: { formatSettings: { filePattern: 'arrayOfObjects' } }, validateDataConsistency: true });
    expect(a.error).toBeUndefined();
    expect(a.activities[0]!.output!.rowsCopied).toBe(2007);
    const endCsv = f.dataset('EndCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'end', fileName: 'end.csv' }, firstRowAsHeader: true, quoteChar: '"', escapeChar: '\\', nullValue: '\\N' });
    const b = await f.copy('BlobToFile', jsonBlob, endCsv, { source: {}, sink: {}, validateDataConsistency: true });
    expect(b.error).toBeUndefined();
    expect(readFileSync(join(f.files, 'end/end.csv'), 'utf8')).toContain('\\N');
    await loadBack('fromchain', endCsv, 'FileServerReadSettings', 'end');
  });

  /** A CSV blob dataset `name` whose linked service reaches Azurite through a fault proxy with `plan`; the proxy lives while `run` does. */
  async function throughFaultProxy<T>(name: string, plan: FaultPlan, run: (dataset: string, container: ContainerClient) => Promise<T>): Promise<T> {
    const proxy = await startFaultProxy(az.port, '127.0.0.1', plan);
    try {
      const container = name.toLowerCase();
      f.write('linkedService', `${name}Blob`, { type: 'AzureBlobStorage', typeProperties: { connectionString: devConnectionString(proxy.port) } });
      // the container exists first, so the traffic the plan counts is the copy's own
      await blobs.getContainerClient(container).createIfNotExists();
      const ds = f.dataset(name, 'DelimitedText', `${name}Blob`, { location: { type: 'AzureBlobStorageLocation', container, fileName: 'out.csv' }, firstRowAsHeader: true, escapeChar: '"' });
      return await run(ds, blobs.getContainerClient(container));
    } finally {
      await proxy.close();
    }
  }

  it('a block damaged on its way into storage is refused by the service (Content-MD5) and the partition sends it again', async () => {
    await throughFaultProxy('Corrupt', { corruptUpstreamAtByte: 60_000 }, async (ds, c) => {
      const r = await f.copy('ToCorrupt', 'Src', ds, { source: {}, sink: {}, validateDataConsistency: true });
      expect(r.error).toBeUndefined();
      const o = r.activities[0]!.output!;
      expect(o.retries).toBe(1);
      expect(o.dataConsistencyVerification?.ok).toBe(true);
      const retried = r.events.filter((e) => e.event === 'log' && /failed on try 1/.test(e.message));
      expect(retried.map((e) => (e as { message: string }).message).join('\n')).toMatch(/MD5/i);
      // what is stored is what a clean copy writes
      const clean = f.dataset('Clean', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'corrupt', fileName: 'clean.csv' }, firstRowAsHeader: true, escapeChar: '"' });
      expect((await f.copy('ToClean', 'Src', clean, { source: {}, sink: {} })).error).toBeUndefined();
      expect((await c.getBlobClient('out.csv').downloadToBuffer()).equals(await c.getBlobClient('clean.csv').downloadToBuffer())).toBe(true);
    });
  });

  it('a blob that reads back different from the source fails the consistency check and is removed', async () => {
    // the upload is intact; one letter of the read-back (the check's download) is changed on the way
    await throughFaultProxy('Misread', { corruptDownstreamChunkOver: 16_384 }, async (ds, c) => {
      const r = await f.copy('ToMisread', 'Src', ds, { source: {}, sink: {}, validateDataConsistency: true });
      expect(r.status).toBe('Failed');
      expect(r.error?.code).toBe('DATA_INCONSISTENT');
      expect(r.activities[0]!.error?.message).toMatch(/source 2007 rows .* sink 2007 rows/);
      expect(await c.getBlobClient('out.csv').exists()).toBe(false);
    });
  });
});
