// New Linked Service / Dataset / Pipeline and "Create dataset from this table" build their files from the one
// catalogue (src/common/authoring/resourceTemplates.ts): every linked-service type of the catalogue gives a template,
// and what each builder returns passes `validateFactory` (the checks of `dmgw validate`) with no problem at all; a
// dataset from a browsed table or file has the type the catalogue gives its store and file name.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  datasetFromStoreItem,
  datasetNameFrom,
  datasetQuestions,
  datasetTypesFor,
  fileFormatOf,
  fillTemplate,
  linkedServiceTemplate,
  newCopyPipeline,
  newDataset,
  secretPromptOf,
} from '../../../src/common/authoring/resourceTemplates.js';
import { CATALOGUE_TYPES, likeType } from '../../../src/common/model/linkedServiceTypes.js';
import { loadFactory } from '../../../src/common/model/factory.js';
import { validateFactory } from '../../../src/common/validate/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The problems `dmgw validate` finds in a factory of exactly these resources. */
function problemsOf(resources: Array<[string, Record<string, unknown>]>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dmgw-templates-'));
  dirs.push(dir);
  for (const [kind, r] of resources) {
    mkdirSync(join(dir, kind), { recursive: true });
    writeFileSync(join(dir, kind, `${r.name as string}.json`), JSON.stringify(r, null, 4));
  }
  mkdirSync(join(dir, 'integrationRuntime'), { recursive: true });
  writeFileSync(join(dir, 'integrationRuntime', 'OnPremGateway.json'), JSON.stringify({ name: 'OnPremGateway', properties: { type: 'SelfHosted' } }));
  return validateFactory(loadFactory(dir)).map((p) => `${p.severity} ${p.code} ${p.place.file}: ${p.message}`);
}

const FILLED: Record<string, string> = { host: '127.0.0.1', server: 'db1', database: 'sales', user: 'gateway', '/srv/data': '/srv/data', account: 'devstoreaccount1' };

describe('resource templates from the catalogue', () => {
  it('every linked-service type of the catalogue has a template whose filled-in file validates clean', () => {
    for (const type of CATALOGUE_TYPES) {
      const t = linkedServiceTemplate(type)!;
      expect(t, type).toBeDefined();
      const values = Object.fromEntries(t.fields.map((f) => [f.id, FILLED[f.default] ?? f.default]));
      const ls = fillTemplate(t, `New${type}`, values);
      expect((ls.properties as { type: string }).type).toBe(type);
      expect(JSON.stringify(ls), type).not.toMatch(/\$\{?\d/);
      expect(problemsOf([['linkedService', ls]]), type).toEqual([]);
    }
    expect(linkedServiceTemplate('NoSuchType')).toBeUndefined();
  });

  it('the PostgreSql template asks for host, port, database, user and the gateway, and a password in the box', () => {
    const t = linkedServiceTemplate('PostgreSql')!;
    expect(t.fields.map((f) => f.label)).toEqual(['host', '5432', 'database', 'user', 'OnPremGateway']);
    const ls = fillTemplate(t, 'Pg', { 2: 'db.corp', 4: 'sales' });
    expect(ls).toMatchObject({ name: 'Pg', properties: { connectVia: { referenceName: 'OnPremGateway' }, typeProperties: { connectionString: 'Server=db.corp;Port=5432;Database=sales;UID=user' } } });
    expect(secretPromptOf('PostgreSql')).toBe('password');
    expect(secretPromptOf('AzureStorage')).toBe('account key');
    expect(secretPromptOf('AzureKeyVault')).toBeUndefined();
  });

  it('a dataset from a browsed table has the table type of its store; from a file, the format its name says', () => {
    const cases: Array<[string, string, string[], Record<string, unknown>]> = [
      ['PostgreSql', 'PostgreSqlTable', ['sales', 'orders'], { schema: 'sales', table: 'orders' }],
      ['AzurePostgreSql', 'PostgreSqlTable', ['sales', 'orders'], { schema: 'sales', table: 'orders' }],
      ['PostgreSqlV2', 'PostgreSqlV2Table', ['sales', 'orders'], { schema: 'sales', table: 'orders' }],
      ['MySql', 'MySqlTable', ['test', 'orders'], { tableName: 'orders' }],
      ['MariaDB', 'MariaDBTable', ['test', 'orders'], { tableName: 'orders' }],
      ['SqlServer', 'SqlServerTable', ['dbo', 'orders'], { schema: 'dbo', table: 'orders' }],
      ['AzureSqlDatabase', 'AzureSqlTable', ['dbo', 'orders'], { schema: 'dbo', table: 'orders' }],
    ];
    for (const [lsType, dsType, path, tp] of cases) {
      const t = linkedServiceTemplate(lsType)!;
      const ls = fillTemplate(t, 'Store', Object.fromEntries(t.fields.map((f) => [f.id, FILLED[f.default] ?? f.default])));
      const ds = datasetFromStoreItem({ name: 'Store', type: lsType }, path, 'Table');
      expect(ds, lsType).toMatchObject({ name: 'Orders', properties: { type: dsType, linkedServiceName: { referenceName: 'Store' }, typeProperties: tp } });
      expect(problemsOf([['linkedService', ls], ['dataset', ds]]), lsType).toEqual([]);
    }
    const blob = fillTemplate(linkedServiceTemplate('AzureBlobStorage')!, 'Blob', {});
    const share = fillTemplate(linkedServiceTemplate('FileServer')!, 'Share', {});
    const files: Array<[string, string[], string, Record<string, unknown>]> = [
      ['Blob', ['sales', 'orders', 'day=1', 'part.csv.gz'], 'DelimitedText', { location: { type: 'AzureBlobStorageLocation', container: 'sales', folderPath: 'orders/day=1', fileName: 'part.csv.gz' }, compressionCodec: 'gzip', firstRowAsHeader: true }],
      ['Blob', ['sales', 'top.parquet'], 'Parquet', { location: { type: 'AzureBlobStorageLocation', container: 'sales', fileName: 'top.parquet' } }],
      ['Share', ['in', 'orders.json'], 'Json', { location: { type: 'FileServerLocation', folderPath: 'in', fileName: 'orders.json' } }],
      ['Share', ['blob.bin'], 'Binary', { location: { type: 'FileServerLocation', fileName: 'blob.bin' } }],
    ];
    for (const [lsName, path, type, tp] of files) {
      const ds = datasetFromStoreItem({ name: lsName, type: lsName === 'Blob' ? 'AzureBlobStorage' : 'FileServer' }, path, 'File');
      expect(ds.properties).toMatchObject({ type, typeProperties: tp });
      expect(problemsOf([['linkedService', blob], ['linkedService', share], ['dataset', ds]]), path.join('/')).toEqual([]);
    }
    expect(fileFormatOf('x.TSV').properties.columnDelimiter).toBe('\t');
    expect(datasetNameFrom('sales_orders')).toBe('SalesOrders');
    expect(datasetNameFrom('2026 report.csv')).toBe('Dataset2026Report');
  });

  it('New Dataset asks what its type needs and validates; New Pipeline copies between two datasets and validates', () => {
    const pgT = linkedServiceTemplate('PostgreSql')!;
    const pg = fillTemplate(pgT, 'Pg', { 2: '127.0.0.1', 4: 'sales', 5: 'gateway' });
    const blob = fillTemplate(linkedServiceTemplate('AzureBlobStorage')!, 'Blob', {});
    expect(datasetTypesFor('PostgreSql')).toEqual(['PostgreSqlTable']);
    expect(datasetTypesFor('AzureStorage')).toEqual(['DelimitedText', 'Json', 'Parquet', 'Binary']);
    expect(datasetQuestions('PostgreSqlTable', { name: 'Pg', type: 'PostgreSql' })).toEqual(['schema', 'table']);
    expect(datasetQuestions('MariaDBTable', { name: 'M', type: 'MariaDB' })).toEqual(['table']);
    expect(datasetQuestions('Json', { name: 'S', type: 'FileServer' })).toEqual(['folderPath', 'fileName']);
    const src = newDataset('Orders', 'PostgreSqlTable', { name: 'Pg', type: 'PostgreSql' }, { schema: 'public', table: 'orders' });
    const dst = newDataset('OrdersCsv', 'DelimitedText', { name: 'Blob', type: 'AzureBlobStorage' }, { container: 'out', folderPath: 'orders', fileName: 'orders.csv' });
    const pipe = newCopyPipeline('CopyOrders', 'Copy orders', { name: 'Orders', type: 'PostgreSqlTable' }, { name: 'OrdersCsv', type: 'DelimitedText' });
    expect(pipe).toMatchObject({ properties: { activities: [{ typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink' } } }] } });
    expect(problemsOf([['linkedService', pg], ['linkedService', blob], ['dataset', src], ['dataset', dst], ['pipeline', pipe]])).toEqual([]);
    expect(likeType('AzureStorage')).toBe('AzureBlobStorage');
  });
});
