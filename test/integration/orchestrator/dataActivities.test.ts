/**
 * Lookup, GetMetadata and Delete against the real stores: PostgreSQL and MariaDB (Lookup), the file system inside
 * the gateway's allowed roots and Azure Blob Storage (Azurite) for all three. Values that crossed the wire are
 * checked as text — a 64-bit id, a DECIMAL(38,9) and a microsecond timestamp keep every digit through Lookup and
 * the expressions after it — and files on disk and blobs in the container say what Delete removed. The attacks: a
 * GetMetadata or Delete aimed outside the allowed folder (by `..` or through a symbolic link) is refused and
 * touches nothing there.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../src/agent/worker/runPipeline.js';
import type { RunEvent } from '../../../src/common/events.js';
import { startAzurite, type AzuriteServer } from '../../support/azurite.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { mariadbConnectionString } from '../../support/storeContract.js';
import { MARIADB_URL, PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);

type Json = Record<string, unknown>;

async function run(f: TestFactory, name: string, activities: Json[], extra: Json = {}) {
  f.write('pipeline', name, { activities, ...extra });
  const events: RunEvent[] = [];
  const result = await runPipeline({ factory: f.dir, pipeline: name, home: f.home, emit: (e) => events.push(e), secondMs: 1 });
  return { ...result, events, json: JSON.stringify(result) };
}

const ref = (name: string, parameters?: Json) => ({ referenceName: name, type: 'DatasetReference', ...(parameters ? { parameters } : {}) });
const lookup = (name: string, dataset: string, source: Json, firstRowOnly = true, extra: Json = {}) => ({ name, type: 'Lookup', typeProperties: { dataset: ref(dataset), source, firstRowOnly }, ...extra });
const dep = (activity: string, ...c: string[]) => [{ activity, dependencyConditions: c.length ? c : ['Succeeded'] }];
const out = (r: { activities: Array<{ name: string; output?: unknown; error?: unknown; status: string }> }, name: string) => r.activities.find((a) => a.name === name)!;

describe.skipIf(!pgUp)('Lookup on PostgreSQL: typed, exact values', () => {
  const schema = uniqueName('lkpg');
  let client: pg.Client;
  let f: TestFactory;

  beforeAll(async () => {
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.t (id bigint primary key, amount numeric(38,9), at timestamptz, local_at timestamp, ok boolean, ratio float8, note text)`);
    await client.query(`INSERT INTO ${schema}.t VALUES
      (9223372036854775807, 12345678901234567890123456789.123456789, '2024-03-01 10:00:00.123456+02', '2024-03-01 10:00:00.654321', true, 0.1, NULL),
      (9007199254740993, -0.000000001, '1999-12-31 23:59:59.999999+00', '2000-01-01 00:00:00', false, 1e300, 'second'),
      (1, 0, '2024-01-01 00:00:00+00', '2024-01-01 00:00:00', NULL, 'NaN', 'third')`);
    f = testFactory();
    f.dataset('T', 'PostgreSqlTable', 'Pg', { schema, table: 't' });
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
  });

  it('firstRow keeps a 64-bit id, a DECIMAL(38,9) and microseconds, into the expressions after it', async () => {
    const r = await run(
      f,
      'First',
      [
        lookup('Top', 'T', { type: 'PostgreSqlSource', query: `SELECT * FROM ${schema}.t ORDER BY id DESC` }),
        { name: 'Echo', type: 'SetVariable', dependsOn: dep('Top'), typeProperties: { variableName: 'v', value: "@{activity('Top').output.firstRow.id}|@{add(activity('Top').output.firstRow.amount, 1)}|@{activity('Top').output.firstRow.at}|@{addDays(activity('Top').output.firstRow.at, 1)}" } },
      ],
      { variables: { v: { type: 'String' } } },
    );
    expect(r.error).toBeUndefined();
    // the JSON the run reports carries the digits, not a double's
    expect(r.json).toContain('"firstRow":{"id":9223372036854775807,"amount":12345678901234567890123456789.123456789,"at":"2024-03-01T08:00:00.123456Z","local_at":"2024-03-01T10:00:00.654321","ok":true,"ratio":0.1,"note":null}');
    expect(out(r, 'Echo').output).toEqual({ name: 'v', value: '9223372036854775807|12345678901234567890123456790.123456789|2024-03-01T08:00:00.123456Z|2024-03-02T08:00:00.1234560Z' });
  });

  it('all rows (firstRowOnly false): count and value, in the query\'s order; NaN stays text', async () => {
    const r = await run(f, 'All', [lookup('Rows', 'T', { type: 'PostgreSqlSource', query: `SELECT id, ratio, note FROM ${schema}.t ORDER BY id` }, false)]);
    expect(r.error).toBeUndefined();
    expect(JSON.stringify(out(r, 'Rows').output)).toBe('{"count":3,"value":[{"id":1,"ratio":"NaN","note":"third"},{"id":9007199254740993,"ratio":1e+300,"note":"second"},{"id":9223372036854775807,"ratio":0.1,"note":null}]}');
  });

  it('no row: output {} and reading firstRow fails naming it, as in ADF', async () => {
    const r = await run(f, 'None', [lookup('Empty', 'T', { type: 'PostgreSqlSource', query: `SELECT * FROM ${schema}.t WHERE false` }), { name: 'Use', type: 'SetVariable', dependsOn: dep('Empty'), typeProperties: { variableName: 'v', value: "@string(activity('Empty').output.firstRow.id)" } }], { variables: { v: { type: 'String' } } });
    expect(out(r, 'Empty').output).toEqual({});
    expect(r.status).toBe('Failed');
    expect(out(r, 'Use').error).toMatchObject({ code: 'EXPRESSION', message: expect.stringMatching(/activity\('Empty'\)\.output has no property 'firstRow' \(it is an empty object\)/) });
  });

  it('Parquet written by a Copy reads back through Lookup with its types, exactly', async () => {
    f.dataset('Pq', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'pq', fileName: 't.parquet' } });
    const r = await run(f, 'ParquetBack', [
      { name: 'Write', type: 'Copy', inputs: [ref('T')], outputs: [ref('Pq')], typeProperties: { source: { type: 'PostgreSqlSource', query: `SELECT id, amount, at, ok FROM ${schema}.t ORDER BY id` }, sink: { type: 'ParquetSink', storeSettings: { type: 'FileServerWriteSettings' } } } },
      { name: 'Read', type: 'Lookup', dependsOn: dep('Write'), typeProperties: { dataset: { referenceName: 'Pq', type: 'DatasetReference' }, source: { type: 'ParquetSource', storeSettings: { type: 'FileServerReadSettings', wildcardFolderPath: 'pq', wildcardFileName: '*.parquet' } }, firstRowOnly: false } },
    ]);
    expect(r.error).toBeUndefined();
    const rows = JSON.stringify(out(r, 'Read').output);
    expect(rows).toContain('"id":9223372036854775807,"amount":12345678901234567890123456789.123456789,"at":"2024-03-01T08:00:00.123456Z","ok":true');
    expect(rows).toContain('"id":9007199254740993,"amount":-0.000000001');
  });

  it('the dataset\'s table without a query; a query that fails says the server\'s reason', async () => {
    const r = await run(f, 'Table', [lookup('Whole', 'T', { type: 'PostgreSqlSource' }, false), lookup('Bad', 'T', { type: 'PostgreSqlSource', query: `SELECT nope FROM ${schema}.t` })]);
    expect((out(r, 'Whole').output as { count: number }).count).toBe(3);
    expect(out(r, 'Bad').status).toBe('Failed');
    expect(out(r, 'Bad').error).toMatchObject({ code: 'LOOKUP_FAILED', message: expect.stringMatching(/^Lookup Bad could not read T \(Pg\): column "nope" does not exist/) });
  });
});

describe.skipIf(!mariaUp)('Lookup on MariaDB', () => {
  const db = uniqueName('lkmaria');
  let conn: mysql.Connection;
  let f: TestFactory;

  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: MARIADB_URL });
    await conn.query(`CREATE DATABASE \`${db}\``);
    await conn.query(`CREATE TABLE \`${db}\`.t (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(38,9), at DATETIME(6), ok BOOLEAN)`);
    await conn.query(`INSERT INTO \`${db}\`.t VALUES (18446744073709551615, 99999999999999999999999999999.999999999, '2024-03-01 10:00:00.000001', 1), (2, -1.5, '2024-03-01 10:00:00', 0)`);
    f = testFactory();
    f.write('linkedService', 'Maria', { type: 'MariaDB', typeProperties: { connectionString: mariadbConnectionString(MARIADB_URL.replace(/\/[^/]*$/, `/${db}`)) } });
    f.dataset('MT', 'MariaDBTable', 'Maria', { tableName: `\`${db}\`.t` });
  });
  afterAll(async () => {
    await conn?.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn?.end();
  });

  it('BIGINT UNSIGNED, DECIMAL(38,9) and DATETIME(6) come back exact', async () => {
    const r = await run(f, 'Maria', [lookup('Rows', 'MT', { type: 'MariaDBSource', query: `SELECT * FROM \`${db}\`.t ORDER BY id DESC` }, false)]);
    expect(r.error).toBeUndefined();
    expect(JSON.stringify(out(r, 'Rows').output)).toBe('{"count":2,"value":[{"id":18446744073709551615,"amount":99999999999999999999999999999.999999999,"at":"2024-03-01T10:00:00.000001","ok":true},{"id":2,"amount":-1.500000000,"at":"2024-03-01T10:00:00","ok":false}]}');
  });
});

describe('Lookup, GetMetadata and Delete on the file system (inside the allowed roots)', () => {
  let f: TestFactory;
  let outside: string;

  beforeAll(() => {
    f = testFactory();
    mkdirSync(join(f.files, 'in', 'sub'), { recursive: true });
    writeFileSync(join(f.files, 'in', 'tables.csv'), 'schema,table,rows\nsales,orders,10\nsales,customers,3\n');
    writeFileSync(join(f.files, 'in', 'config.json'), '[{"table":"orders","watermark":"2024-03-01T10:00:00.123456Z","maxId":9223372036854775807},{"table":"customers","watermark":null,"maxId":1.10}]');
    writeFileSync(join(f.files, 'in', 'sub', 'note.txt'), 'x');
    outside = mkdtempSync(join(tmpdir(), 'dmgw-outside-'));
    writeFileSync(join(outside, 'keep.csv'), 'secret,data\n1,2\n');
    symlinkSync(outside, join(f.files, 'in', 'escape'));
    f.dataset('Csv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'in', fileName: 'tables.csv' }, firstRowAsHeader: true });
    f.dataset('Conf', 'Json', 'Files', { location: { type: 'FileServerLocation', folderPath: 'in', fileName: 'config.json' } });
    f.write('dataset', 'Any', { type: 'DelimitedText', linkedServiceName: { referenceName: 'Files', type: 'LinkedServiceReference' }, parameters: { folder: { type: 'String' }, file: { type: 'String', defaultValue: '' } }, typeProperties: { location: { type: 'FileServerLocation', folderPath: '@dataset().folder', fileName: '@dataset().file' }, firstRowAsHeader: true } });
  });

  it('Lookup reads a CSV (text values) and a JSON file (typed, exact)', async () => {
    const r = await run(f, 'Files', [lookup('Tables', 'Csv', { type: 'DelimitedTextSource' }, false), lookup('Config', 'Conf', { type: 'JsonSource' }, false)]);
    expect(r.error).toBeUndefined();
    expect(out(r, 'Tables').output).toEqual({ count: 2, value: [{ schema: 'sales', table: 'orders', rows: '10' }, { schema: 'sales', table: 'customers', rows: '3' }] });
    expect(JSON.stringify(out(r, 'Config').output)).toBe('{"count":2,"value":[{"table":"orders","watermark":"2024-03-01T10:00:00.123456Z","maxId":9223372036854775807},{"table":"customers","watermark":null,"maxId":1.10}]}');
  });

  it('GetMetadata of a file, a folder and a missing file', async () => {
    const gm = (name: string, folder: string, file: string, fieldList: string[]) => ({ name, type: 'GetMetadata', typeProperties: { dataset: ref('Any', { folder, file }), fieldList } });
    const r = await run(f, 'Meta', [
      gm('File', 'in', 'tables.csv', ['exists', 'itemName', 'itemType', 'size', 'lastModified', 'columnCount', 'structure']),
      gm('Folder', 'in', '', ['itemName', 'itemType', 'childItems']),
      gm('Missing', 'in', 'nope.csv', ['exists', 'size']),
      gm('MissingNoExists', 'in', 'nope.csv', ['size']),
    ]);
    expect(out(r, 'File').output).toEqual({ exists: true, itemName: 'tables.csv', itemType: 'File', size: 52, lastModified: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/), columnCount: 3, structure: [{ name: 'schema', type: 'String' }, { name: 'table', type: 'String' }, { name: 'rows', type: 'String' }] });
    // the link out of the host is not shown, as a listing follows none
    expect(out(r, 'Folder').output).toEqual({ itemName: 'in', itemType: 'Folder', childItems: [{ name: 'config.json', type: 'File' }, { name: 'sub', type: 'Folder' }, { name: 'tables.csv', type: 'File' }] });
    expect(out(r, 'Missing').output).toEqual({ exists: false });
    expect(out(r, 'MissingNoExists').error).toMatchObject({ code: 'METADATA_NOT_FOUND' });
  });

  it('attack: GetMetadata and Delete aimed out of the host (.. or a link) are refused, and nothing out there is touched or told', async () => {
    const r = await run(f, 'Out', [
      { name: 'PeekUp', type: 'GetMetadata', typeProperties: { dataset: ref('Any', { folder: '../..', file: '' }), fieldList: ['exists', 'childItems'] } },
      { name: 'PeekLink', type: 'GetMetadata', typeProperties: { dataset: ref('Any', { folder: 'in/escape', file: 'keep.csv' }), fieldList: ['exists', 'size', 'columnCount'] } },
      // only what stat tells: whether a file exists out there, and its size
      { name: 'ProbeLink', type: 'GetMetadata', typeProperties: { dataset: ref('Any', { folder: 'in/escape', file: 'keep.csv' }), fieldList: ['exists', 'size'] } },
      { name: 'ProbeUp', type: 'GetMetadata', typeProperties: { dataset: ref('Any', { folder: '..', file: '' }), fieldList: ['exists', 'itemName'] } },
      { name: 'DeleteLink', type: 'Delete', typeProperties: { dataset: ref('Any', { folder: 'in/escape', file: '' }), storeSettings: { type: 'FileServerReadSettings', recursive: true } } },
      { name: 'DeleteUp', type: 'Delete', typeProperties: { dataset: ref('Any', { folder: '..', file: '' }), storeSettings: { type: 'FileServerReadSettings', recursive: true } } },
    ]);
    for (const name of ['PeekUp', 'PeekLink', 'ProbeLink', 'ProbeUp', 'DeleteLink', 'DeleteUp']) {
      expect(out(r, name).status, name).toBe('Failed');
      expect((out(r, name).error as { code: string }).code, name).toBe('PATH_OUTSIDE_ROOT');
      expect(out(r, name).output, name).toBeUndefined();
    }
    expect(existsSync(join(outside, 'keep.csv'))).toBe(true);
    expect(r.json).not.toContain('secret,data');
  });

  it('Delete: a wildcard (recursive), then a whole folder with its subfolders; files elsewhere stay', async () => {
    mkdirSync(join(f.files, 'old', 'a', 'b'), { recursive: true });
    for (const p of ['old/x.tmp', 'old/keep.csv', 'old/a/y.tmp', 'old/a/b/z.csv', 'other.tmp']) writeFileSync(join(f.files, p), p);
    const del = (name: string, folder: string, file: string, store: Json) => ({ name, type: 'Delete', typeProperties: { dataset: ref('Any', { folder, file }), storeSettings: { type: 'FileServerReadSettings', ...store } } });
    const r1 = await run(f, 'Del1', [del('Tmp', 'old', '', { recursive: true, wildcardFileName: '*.tmp' })]);
    expect(out(r1, 'Tmp').output).toMatchObject({ filesDeleted: 2, isWildcardUsed: true, recursive: true });
    expect(readdirSync(join(f.files, 'old'), { recursive: true }).sort()).toEqual(['a', 'a/b', 'a/b/z.csv', 'keep.csv']);
    const r2 = await run(f, 'Del2', [del('All', 'old', '', { recursive: true })]);
    expect(out(r2, 'All').output).toMatchObject({ filesDeleted: 2, foldersDeleted: 3 });
    expect(existsSync(join(f.files, 'old'))).toBe(false);
    expect(existsSync(join(f.files, 'other.tmp'))).toBe(true);
  });
});

describe('Lookup, GetMetadata and Delete on Azure Blob Storage (Azurite)', () => {
  let az: AzuriteServer;
  let f: TestFactory;
  let blobs: BlobServiceClient;
  const put = (path: string, text: string) => blobs.getContainerClient('data').getBlockBlobClient(path).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(text).digest() } });

  beforeAll(async () => {
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    await blobs.getContainerClient('data').create();
    await put('cfg/tables.json', '{"table":"orders","maxId":9007199254740993}\n{"table":"lines","maxId":12}\n');
    await put('drop/2024/a.csv', 'id\n1\n');
    await put('drop/2024/b.csv', 'id\n2\n');
    await put('drop/2024/deep/c.csv', 'id\n3\n');
    await put('drop/keep.txt', 'k');
    f = testFactory({ blobConnectionString: az.connectionString });
    f.write('dataset', 'Blobby', { type: 'DelimitedText', linkedServiceName: { referenceName: 'Blob', type: 'LinkedServiceReference' }, parameters: { folder: { type: 'String' }, file: { type: 'String', defaultValue: '' } }, typeProperties: { location: { type: 'AzureBlobStorageLocation', container: 'data', folderPath: '@dataset().folder', fileName: '@dataset().file' }, firstRowAsHeader: true } });
    f.dataset('Cfg', 'Json', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'data', folderPath: 'cfg', fileName: 'tables.json' } });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('Lookup of JSON Lines keeps 2^53 + 1', async () => {
    const r = await run(f, 'BlobLookup', [lookup('Cfg', 'Cfg', { type: 'JsonSource', storeSettings: { type: 'AzureBlobStorageReadSettings' } }, false)]);
    expect(JSON.stringify(out(r, 'Cfg').output)).toBe('{"count":2,"value":[{"table":"orders","maxId":9007199254740993},{"table":"lines","maxId":12}]}');
  });

  it('GetMetadata of a blob (contentMD5, columns), a virtual folder (childItems) and the container', async () => {
    const gm = (name: string, folder: string, file: string, fieldList: string[]) => ({ name, type: 'GetMetadata', typeProperties: { dataset: ref('Blobby', { folder, file }), fieldList } });
    const r = await run(f, 'BlobMeta', [
      gm('Blob', 'drop/2024', 'a.csv', ['exists', 'itemName', 'size', 'contentMD5', 'lastModified', 'columnCount']),
      gm('Folder', 'drop', '', ['exists', 'itemType', 'childItems']),
      gm('Container', '', '', ['itemName', 'itemType', 'lastModified']),
      gm('Gone', 'drop/1999', '', ['exists']),
    ]);
    expect(out(r, 'Blob').output).toEqual({ exists: true, itemName: 'a.csv', size: 5, contentMD5: createHash('md5').update('id\n1\n').digest('base64'), lastModified: expect.stringMatching(/Z$/), columnCount: 1 });
    expect(out(r, 'Folder').output).toEqual({ exists: true, itemType: 'Folder', childItems: [{ name: '2024', type: 'Folder' }, { name: 'keep.txt', type: 'File' }] });
    expect(out(r, 'Container').output).toMatchObject({ itemName: 'data', itemType: 'Folder' });
    expect(out(r, 'Gone').output).toEqual({ exists: false });
  });

  it('Delete a folder\'s blobs, recursively; others stay', async () => {
    const r = await run(f, 'BlobDelete', [{ name: 'Clean', type: 'Delete', typeProperties: { dataset: ref('Blobby', { folder: 'drop/2024' }), storeSettings: { type: 'AzureBlobStorageReadSettings', recursive: true }, maxConcurrentConnections: 2 } }]);
    expect(out(r, 'Clean').output).toMatchObject({ datasetName: 'Blobby', filesDeleted: 3 });
    const left: string[] = [];
    for await (const b of blobs.getContainerClient('data').listBlobsFlat()) left.push(b.name);
    expect(left.sort()).toEqual(['cfg/tables.json', 'drop/keep.txt']);
  });
});
