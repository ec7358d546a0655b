/**
 * The connector contract against a real SQL Server / Azure SQL Database — only where DMGW_TEST_MSSQL_URL names
 * one (`mssql://user:password@host:1433/db?encrypt=true&trustServerCertificate=true`). No SQL Server can run on
 * the development machines (no Debian package, no container engine), so here, and in CI, this file skips with
 * the reason printed; the README says which suites ran where.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../src/agent/worker/runPipeline.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { requireServer, uniqueName } from '../../support/servers.js';
import { awkwardRows, dumpDifference, expectedDump, mariadbStore, MSSQL_URL, postgresStore, sqlServerStore, type TableStore } from '../../support/storeContract.js';

if (!MSSQL_URL) console.warn('SKIP: SQL Server contract tests: DMGW_TEST_MSSQL_URL is not set (no SQL Server can run on this machine)');
const up = !!MSSQL_URL && (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const ROWS = awkwardRows(2000);

describe.skipIf(!up)('connector contract: SQL Server ↔ PostgreSQL / MariaDB', () => {
  let f: TestFactory;
  let mss: TableStore;
  let pgs: TableStore;
  let maria: TableStore;
  let n = 0;
  const next = () => `t${++n}`;
  const lsName = (s: TableStore) => (s === pgs ? 'Pg' : s === maria ? 'Maria' : 'Mssql');

  beforeAll(async () => {
    f = testFactory();
    mss = await sqlServerStore(uniqueName('contract'));
    pgs = await postgresStore(uniqueName('contract'));
    maria = await mariadbStore(uniqueName('contract'));
    f.write('linkedService', 'Maria', maria.linkedService);
    f.write('linkedService', 'Mssql', mss.linkedService);
    for (const s of [mss, pgs]) {
      await s.create('src');
      await s.insert('src', ROWS);
    }
    f.dataset('MssqlSrc', mss.datasetType, 'Mssql', mss.dataset('src'));
    f.dataset('PgSrc', pgs.datasetType, 'Pg', pgs.dataset('src'));
  });
  afterAll(async () => {
    await mss?.close();
    await pgs?.close();
    await maria?.close();
  });

  async function copy(fromDataset: string, from: TableStore, to: TableStore, tp: Record<string, unknown> = {}): Promise<string> {
    const t = next();
    await to.create(t);
    const ds = f.dataset(`Dst_${t}`, to.datasetType, lsName(to), to.dataset(t));
    const r = await f.copy(`Copy_${t}`, fromDataset, ds, { source: { type: from.sourceType }, sink: { type: to.sinkType }, validateDataConsistency: true, ...tp });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.rowsCopied).toBe(ROWS.length);
    return t;
  }

  it('the source table holds the data set exactly', async () => {
    expect(dumpDifference(expectedDump(ROWS), await mss.dump('src'))).toEqual([]);
  });

  it('PostgreSQL → SQL Server (bulk load into a stage, one transaction)', async () => {
    const t = await copy('PgSrc', pgs, mss);
    expect(dumpDifference(await pgs.dump('src'), await mss.dump(t))).toEqual([]);
  });

  it('SQL Server → MariaDB, DynamicRange in 3 streamed partitions', async () => {
    const t = await copy('MssqlSrc', mss, maria, { source: { type: 'SqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, parallelCopies: 3 });
    expect(dumpDifference(await mss.dump('src'), await maria.dump(t))).toEqual([]);
  });

  it('SQL Server → PostgreSQL by PhysicalPartitionsOfTable', async () => {
    const schema = mss.dataset('src').schema as string;
    const pf = `pf_${schema}`.slice(0, 100);
    await mss.exec(`CREATE PARTITION FUNCTION [${pf}] (bigint) AS RANGE RIGHT FOR VALUES (100, 1000, 1500)`);
    await mss.exec(`CREATE PARTITION SCHEME [ps_${schema}] AS PARTITION [${pf}] ALL TO ([PRIMARY])`);
    await mss.exec(`CREATE TABLE [${schema}].[parted] (id bigint NOT NULL, t nvarchar(max), v nvarchar(50), n decimal(38,9), f float, ts datetime2(6), tz datetimeoffset(6), d date, b bit, [by] varbinary(255), j nvarchar(max), CONSTRAINT [pk_parted_${schema}] PRIMARY KEY CLUSTERED (id)) ON [ps_${schema}](id)`);
    await mss.exec(`INSERT INTO [${schema}].[parted] SELECT * FROM [${schema}].[src]`);
    f.dataset('MssqlParted', 'SqlServerTable', 'Mssql', { schema, table: 'parted' });
    const t = next();
    await pgs.create(t);
    const ds = f.dataset(`Dst_${t}`, pgs.datasetType, 'Pg', pgs.dataset(t));
    const r = await f.copy(`Copy_${t}`, 'MssqlParted', ds, { source: { type: 'SqlSource', partitionOption: 'PhysicalPartitionsOfTable' }, sink: { type: 'PostgreSqlSink' }, parallelCopies: 2, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(dumpDifference(await mss.dump('src'), await pgs.dump(t))).toEqual([]);
    await mss.exec(`DROP TABLE [${schema}].[parted]; DROP PARTITION SCHEME [ps_${schema}]; DROP PARTITION FUNCTION [${pf}]`);
  });

  it('a stored procedure runs with typed parameters; a failing one fails the activity with its message', async () => {
    const schema = mss.dataset('src').schema as string;
    await mss.exec(`CREATE TABLE [${schema}].[orders] (id bigint, amount decimal(38,9), at datetimeoffset(6), vip bit)`);
    await mss.exec(`CREATE PROCEDURE [${schema}].[add_order] @id bigint, @amount decimal(38,9), @at datetimeoffset(6), @vip bit AS BEGIN IF @amount <= 0 THROW 50001, 'amount is not positive', 1; INSERT INTO [${schema}].[orders] VALUES (@id, @amount, @at, @vip) END`);
    const sp = (amount: string) => ({ name: 'Add', type: 'SqlServerStoredProcedure', linkedServiceName: { referenceName: 'Mssql', type: 'LinkedServiceReference' }, typeProperties: { storedProcedureName: `[${schema}].[add_order]`, storedProcedureParameters: { vip: { value: true, type: 'Boolean' }, id: { value: '9223372036854775807', type: 'Int64' }, amount: { value: amount, type: 'Decimal' }, at: { value: '2024-03-01T10:00:00.5+02:00', type: 'DateTimeOffset' } } } });
    f.write('pipeline', 'SpOk', { activities: [sp('12345678901234567890123456789.123456789')] });
    const ok = await runPipeline({ factory: f.dir, pipeline: 'SpOk' });
    expect(ok.error).toBeUndefined();
    expect(await mss.exec(`SELECT CONVERT(varchar(20), id), CONVERT(varchar(60), amount), CONVERT(varchar(40), SWITCHOFFSET(at, '+00:00'), 121), vip FROM [${schema}].[orders]`)).toEqual([['9223372036854775807', '12345678901234567890123456789.123456789', '2024-03-01 08:00:00.500000 +00:00', true]]);
    f.write('pipeline', 'SpFail', { activities: [sp('-1')] });
    const bad = await runPipeline({ factory: f.dir, pipeline: 'SpFail' });
    expect(bad.status).toBe('Failed');
    expect(bad.error?.message).toContain('amount is not positive');
  });
});
