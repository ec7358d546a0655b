/**
 * Faults in the middle of a copy, through a TCP fault proxy: the source PostgreSQL connection cut mid-COPY,
 * the blob connection cut mid-upload. The run retries the partition and the sink equals the source (no
 * duplicate rows or blocks); when the tries run out, the run fails clearly and the sink holds nothing new.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/agent/connectors/azureBlob.js';
import { devConnectionString, startAzurite, type AzuriteServer } from '../support/azurite.js';
import { dropSchema, openSchema, pgConnectionString, testFactory, type TestFactory } from '../support/copyFactory.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('copyfaults');
const ROWS = 60_000;

describe.skipIf(!up)('copy: faults mid-copy', () => {
  let az: AzuriteServer;
  let client: pg.Client;
  let pgProxy: FaultProxy;
  let blobProxy: FaultProxy;
  let f: TestFactory;
  let blobs: BlobServiceClient;
  const table = (t: string) => `${schema}.${t}`;
  const same = async (a: string, b: string) => (await client.query(`SELECT (SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x) + (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}) y) AS n`)).rows[0].n === '0';

  beforeAll(async () => {
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${table('src')} AS SELECT g AS id, md5(g::text) || ' ' || repeat('x', 80) AS t, g * 1.5 AS n, now() AS ts FROM generate_series(1, ${ROWS}) g`);
    pgProxy = await startFaultProxy(new URL(PG_URL).port ? Number(new URL(PG_URL).port) : 5432);
    blobProxy = await startFaultProxy(az.port);
    f = testFactory({ blobConnectionString: az.connectionString });
    f.write('linkedService', 'PgFaulty', { type: 'PostgreSql', typeProperties: { connectionString: pgConnectionString(PG_URL).replace(/Port=\d+/, `Port=${pgProxy.port}`) } });
    f.write('linkedService', 'BlobFaulty', { type: 'AzureBlobStorage', typeProperties: { connectionString: devConnectionString(blobProxy.port) } });
    f.dataset('FaultySrc', 'PostgreSqlTable', 'PgFaulty', { schema, table: 'src' });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  });
  afterAll(async () => {
    await pgProxy?.close();
    await blobProxy?.close();
    await dropSchema(client, schema);
    await az?.stop();
  });

  async function blobBack(container: string, name: string): Promise<void> {
    await client.query(`CREATE TABLE ${table(name)} (LIKE ${table('src')})`);
    const back = f.dataset(`Back_${name}`, 'PostgreSqlTable', 'Pg', { schema, table: name });
    const inDs = f.dataset(`In_${name}`, 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy(`Load_${name}`, inDs, back, { source: {}, sink: {} });
    expect(r.error).toBeUndefined();
  }

  it('source connection cut mid-COPY: the partition restarts and the blob equals the table', async () => {
    pgProxy.setPlan({ cutDownstreamAfterBytes: 1_000_000, cuts: 2 });
    const ds = f.dataset('CutSrcBlob', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'cutsrc', fileName: 'all.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy('CutSrc', 'FaultySrc', ds, { source: {}, sink: {}, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(pgProxy.cutCount).toBe(2);
    const o = r.activities[0]!.output!;
    expect(o.retries).toBe(2);
    expect(o.rowsCopied).toBe(ROWS);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    expect(r.events.some((e) => e.event === 'log' && e.level === 'warn' && /failed on try 1/.test(e.message))).toBe(true);
    await blobBack('cutsrc', 'cutsrc_back');
    expect(await same(table('src'), table('cutsrc_back'))).toBe(true);
  });

  it('blob connection cut mid-upload: retried, one copy of every block committed', async () => {
    blobProxy.setPlan({ cutUpstreamAfterBytes: 3_000_000, cuts: 4 });
    const ds = f.dataset('CutBlob', 'DelimitedText', 'BlobFaulty', { location: { type: 'AzureBlobStorageLocation', container: 'cutblob', fileName: 'all.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy('CutUpload', 'Src', ds, { source: {}, sink: {}, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(blobProxy.cutCount).toBeGreaterThanOrEqual(1);
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(ROWS);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    const blob = blobs.getContainerClient('cutblob').getBlockBlobClient('all.csv');
    const list = await blob.getBlockList('committed');
    const props = await blob.getProperties();
    expect(list.committedBlocks!.reduce((s, b) => s + b.size, 0)).toBe(props.contentLength);
    expect(list.committedBlocks!.length).toBe(Math.ceil(props.contentLength! / BLOCK_SIZE));
    expect(o.dataWritten).toBe(props.contentLength);
    await blobBack('cutblob', 'cutblob_back');
    expect(await same(table('src'), table('cutblob_back'))).toBe(true);
  });

  it('retries exhausted: a clear error, and no blob, no rows, no temp files, no staging table', async () => {
    pgProxy.setPlan({ cutDownstreamAfterBytes: 500_000, cuts: 1000 });
    try {
      const blobDs = f.dataset('NeverBlob', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'never', fileName: 'x.csv' } });
      const a = await f.copy('NeverToBlob', 'FaultySrc', blobDs, { source: {}, sink: {} });
      expect(a.status).toBe('Failed');
      expect(a.error?.message).toMatch(/activity Copy failed: .*(terminated|closed|ECONNRESET|reset)/i);
      expect(a.activities[0]!.attempts).toBe(1);
      const names: string[] = [];
      for await (const b of blobs.getContainerClient('never').listBlobsFlat()) names.push(b.name);
      expect(names).toEqual([]);

      const fileDs = f.dataset('NeverFile', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'never', fileName: 'x.csv' } });
      const b = await f.copy('NeverToFile', 'FaultySrc', fileDs, { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 2 });
      expect(b.status).toBe('Failed');
      const dir = join(f.files, 'never');
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);

      await client.query(`CREATE TABLE ${table('never')} (LIKE ${table('src')})`);
      f.dataset('NeverTable', 'PostgreSqlTable', 'Pg', { schema, table: 'never' });
      const c = await f.copy('NeverToTable', 'FaultySrc', 'NeverTable', { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 3 }, { policy: { retry: 1, retryIntervalInSeconds: 1 }, secondMs: 10 });
      expect(c.status).toBe('Failed');
      expect(c.activities[0]!.attempts).toBe(2);
      expect((await client.query(`SELECT count(*)::int AS n FROM ${table('never')}`)).rows[0].n).toBe(0);
      expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw_stage_%'`, [schema])).rows[0].n).toBe(0);
    } finally {
      pgProxy.setPlan({});
    }
  });
});
