/**
 * The connector contract suite: the awkward data set (storeContract.ts) copied between table stores and
 * through blob files, in every direction, with validateDataConsistency on; the sink's dump (in its own SQL)
 * must equal the source's. Runs against the real PostgreSQL and MariaDB of this machine, and SQL Server
 * when DMGW_TEST_MSSQL_URL names one (sqlServer.contract.test.ts).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../../support/azurite.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { requireServer, uniqueName } from '../../support/servers.js';
import { awkwardRows, dumpDifference, expectedDump, mariadbStore, postgresStore, type TableStore } from '../../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const ROWS = awkwardRows(2000);
const EXT = { DelimitedText: 'csv', Json: 'json', Parquet: 'parquet' };

describe.skipIf(!up)('connector contract: PostgreSQL ↔ MariaDB ↔ Azure Blob', () => {
  let az: AzuriteServer;
  let f: TestFactory;
  let pgs: TableStore;
  let maria: TableStore;
  let n = 0;
  const next = () => `t${++n}`;

  beforeAll(async () => {
    az = await startAzurite();
    f = testFactory({ blobConnectionString: az.connectionString });
    pgs = await postgresStore(uniqueName('contract'));
    maria = await mariadbStore(uniqueName('contract'));
    f.write('linkedService', 'Maria', maria.linkedService);
    for (const s of [pgs, maria]) {
      await s.create('src');
      await s.insert('src', ROWS);
    }
    f.dataset('PgSrc', pgs.datasetType, 'Pg', pgs.dataset('src'));
    f.dataset('MariaSrc', maria.datasetType, 'Maria', maria.dataset('src'));
  });
  afterAll(async () => {
    await maria?.close();
    await pgs?.close();
    await az?.stop();
  });

  const ls = (s: TableStore) => (s === pgs ? 'Pg' : 'Maria');

  /** Copies `from` → a fresh table of `to`, checks the run and returns the new table's name. */
  async function copyTable(from: TableStore, fromDataset: string, to: TableStore, tp: Record<string, unknown> = {}): Promise<string> {
    const table = next();
    await to.create(table);
    const ds = f.dataset(`Dst_${table}`, to.datasetType, ls(to), to.dataset(table));
    const r = await f.copy(`Copy_${table}`, fromDataset, ds, { source: { type: from.sourceType }, sink: { type: to.sinkType }, validateDataConsistency: true, ...tp });
    expect(r.error).toBeUndefined();
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(ROWS.length);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    return table;
  }

  it('the source tables hold the data set exactly (4-byte emoji, big decimals, microseconds, bytes)', async () => {
    expect(dumpDifference(expectedDump(ROWS), await pgs.dump('src'))).toEqual([]);
    expect(dumpDifference(expectedDump(ROWS), await maria.dump('src'))).toEqual([]);
  });

  it('MariaDB → PostgreSQL', async () => {
    const t = await copyTable(maria, 'MariaSrc', pgs);
    expect(dumpDifference(await maria.dump('src'), await pgs.dump(t))).toEqual([]);
  });

  it('PostgreSQL → MariaDB', async () => {
    const t = await copyTable(pgs, 'PgSrc', maria);
    expect(dumpDifference(await pgs.dump('src'), await maria.dump(t))).toEqual([]);
  });

  it('MariaDB → MariaDB, DynamicRange on a datetime column (NULL keys too), 3 at a time, preCopyScript in the same transaction', async () => {
    const t = next();
    await maria.create(t);
    await maria.exec(`INSERT INTO \`${t}\` (id, t) VALUES (-1, 'old')`);
    const ds = f.dataset(`Dst_${t}`, maria.datasetType, 'Maria', maria.dataset(t));
    const r = await f.copy(`Copy_${t}`, 'MariaSrc', ds, {
      source: { type: maria.sourceType, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'ts' } },
      sink: { type: maria.sinkType, preCopyScript: `DELETE FROM \`${t}\`` },
      parallelCopies: 3,
      validateDataConsistency: true,
    });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.usedParallelCopies).toBe(3);
    expect(dumpDifference(await maria.dump('src'), await maria.dump(t))).toEqual([]);
    expect(await maria.exec("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw_stage_%'")).toEqual([[0]]);
  });

  for (const format of ['DelimitedText', 'Json', 'Parquet'] as const) {
    it(`MariaDB → ${format} blob → MariaDB and → PostgreSQL`, async () => {
      const name = next();
      const tp = format === 'DelimitedText' ? { firstRowAsHeader: true, escapeChar: '"', quoteChar: '"' } : {};
      const out = f.dataset(`Blob_${name}`, format, 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'contract', folderPath: name, fileName: `awkward.${EXT[format]}` }, ...tp });
      const r = await f.copy(`Out_${name}`, 'MariaSrc', out, { source: { type: maria.sourceType, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: { type: `${format}Sink` }, parallelCopies: 2, validateDataConsistency: true });
      expect(r.error).toBeUndefined();
      expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
      const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('contract');
      const first = await blobs.getBlobClient(`${name}/awkward_00000.${EXT[format]}`).downloadToBuffer();
      if (format === 'Parquet') expect(first.subarray(0, 4).toString()).toBe('PAR1');
      else expect(first.toString('utf8')).toContain('😀 𝄞');
      const inp = f.dataset(`BlobIn_${name}`, format, 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'contract' }, ...tp });
      for (const to of [maria, pgs]) {
        const t = next();
        await to.create(t);
        const ds = f.dataset(`Dst_${t}`, to.datasetType, ls(to), to.dataset(t));
        const back = await f.copy(`In_${t}`, inp, ds, { source: { storeSettings: { type: 'AzureBlobStorageReadSettings', wildcardFolderPath: name, wildcardFileName: '*' } }, sink: { type: to.sinkType }, validateDataConsistency: true });
        expect(back.error).toBeUndefined();
        expect(back.activities[0]!.output!.rowsCopied).toBe(ROWS.length);
        expect(dumpDifference(await maria.dump('src'), await to.dump(t))).toEqual([]);
      }
    });
  }

  it('MySql v2 linked service (server/port/database/username fields) and a query source', async () => {
    const db = (maria.dataset('src').tableName as string).split('.')[0]!.replace(/`/g, '');
    f.write('linkedService', 'MySqlV2', { type: 'MySql', typeProperties: { driverVersion: 'v2', server: '127.0.0.1', port: 3306, database: db, username: 'root', sslMode: 'DISABLED' } });
    f.dataset('MySqlQuery', 'MySqlTable', 'MySqlV2', {});
    const t = next();
    await pgs.create(t);
    const ds = f.dataset(`Dst_${t}`, pgs.datasetType, 'Pg', pgs.dataset(t));
    const r = await f.copy(`Copy_${t}`, 'MySqlQuery', ds, { source: { type: 'MySqlSource', query: 'SELECT * FROM src WHERE id < 10' }, sink: { type: 'PostgreSqlSink' }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.rowsCopied).toBe(7);
    expect(dumpDifference(expectedDump(ROWS.slice(0, 7)), await pgs.dump(t))).toEqual([]);
  });

  it('a value that does not fit fails the copy with the server message and leaves the target as it was', async () => {
    const t = next();
    await maria.exec(`CREATE TABLE \`${t}\` (id bigint primary key, t varchar(3))`);
    await maria.exec(`INSERT INTO \`${t}\` VALUES (-5, 'old')`);
    const ds = f.dataset(`Dst_${t}`, maria.datasetType, 'Maria', maria.dataset(t));
    const r = await f.copy(`Copy_${t}`, 'PgSrc', ds, { source: { type: pgs.sourceType, query: `SELECT id, t FROM ${(pgs.dataset('src').schema as string)}.src` }, sink: { type: maria.sinkType, preCopyScript: `DELETE FROM \`${t}\`` } });
    expect(r.status).toBe('Failed');
    expect(r.error?.message).toMatch(/Data too long|did not fit/);
    expect(await maria.exec(`SELECT id, t FROM \`${t}\``)).toEqual([[-5, 'old']]);
    expect(await maria.exec("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw_stage_%'")).toEqual([[0]]);
  });
});
