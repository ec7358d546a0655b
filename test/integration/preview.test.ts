// `dmgw preview` on real stores: PostgreSQL (table, query), MariaDB, CSV/JSON/Parquet files on a file share, a CSV
// blob in Azurite; the column names and types and the rows it returns; a bad dataset's error (file, field, fix);
// a file share outside fileSystem.allowedRoots refused; an encrypted credential never printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmgwInProcess } from '../support/builtCli.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { allowFileRoots } from '../support/gatewayHome.js';
import { awkwardSource, dropSchema, type TestFactory } from '../support/copyFactory.js';
import { MARIADB_URL, requireServer, uniqueName } from '../support/servers.js';
import type pg from 'pg';

const pgUp = await requireServer('PostgreSQL', 5432);
const myUp = await requireServer('MariaDB', 3306);

const dmgw = dmgwInProcess;

interface Preview {
  dataset: string;
  columns: Array<{ name: string; type: string; nativeType?: string }>;
  rows: Array<Array<string | null>>;
  truncated: boolean;
  source: string;
}

describe.skipIf(!pgUp || !myUp)('dmgw preview', () => {
  const schema = uniqueName('preview');
  let client: pg.Client;
  let f: TestFactory;
  let az: AzuriteServer;
  let my: mysql.Connection;
  const dsFile = (name: string) => join(f.dir, 'dataset', `${name}.json`);
  const preview = async (name: string, ...extra: string[]) => {
    const r = await dmgw(['preview', dsFile(name), '--json', ...extra], { DMGW_HOME: f.home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Preview;
  };

  beforeAll(async () => {
    az = await startAzurite();
    ({ client, f } = await awkwardSource(schema, { blobConnectionString: az.connectionString }));
    my = await mysql.createConnection(MARIADB_URL);
    await my.query(`CREATE TABLE ${schema} (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(12,3), born DATE, ok BOOLEAN)`);
    await my.query(`INSERT INTO ${schema} VALUES (1, 'ünïcode', 12.500, '2024-02-29', true), (2, NULL, -0.001, NULL, false)`);
  }, 60_000);
  afterAll(async () => {
    await my?.query(`DROP TABLE IF EXISTS ${schema}`).catch(() => undefined);
    await my?.end();
    await dropSchema(client, schema);
    await az?.stop();
  });

  it('a PostgreSQL table: the first 100 of its 2007 rows, with its column names and types, values exact', async () => {
    const p = await preview('Src');
    expect(p.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 't:string', 'v:string', 'n:decimal', 'f:float', 'ts:timestamptz', 'tsl:timestamp', 'd:date', 'b:boolean', 'by:binary', 'j:json', 'u:uuid']);
    expect(p.rows).toHaveLength(100);
    expect(p.truncated).toBe(true);
    expect(p.source).toBe(`${schema}.src`);
    const one = p.rows.find((r) => r[0] === '1')!;
    expect(one[3]).toBe('12345678901234567890.123456789');
    expect(p.rows.find((r) => r[0] === '2')!.slice(1, 3)).toEqual(['', null]);
  });

  it('a query instead of the table, and --rows', async () => {
    const p = await preview('Src', '--query', `SELECT id, n * 2 AS twice FROM ${schema}.src WHERE id < 4 ORDER BY id`, '--rows', '2');
    expect(p.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 'twice:decimal']);
    expect(p.rows).toEqual([['1', '24691357802469135780.246913578'], ['2', '-0.000002']]);
    expect(p.truncated).toBe(true);
    expect(p.source).toBe('query');
  });

  it('a MariaDB table', async () => {
    f.write('linkedService', 'Maria', { type: 'MariaDB', typeProperties: { connectionString: 'Server=127.0.0.1;Port=3306;Database=test;UID=root' } });
    f.dataset('MariaTable', 'MariaDBTable', 'Maria', { tableName: schema });
    const p = await preview('MariaTable');
    expect(p.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 'name:string', 'price:decimal', 'born:date', 'ok:boolean']);
    expect(p.rows.map((r) => r.slice(0, 4))).toEqual([['1', 'ünïcode', '12.500', '2024-02-29'], ['2', null, '-0.001', null]]);
    expect(p.truncated).toBe(false);
  });

  it('a CSV file and a JSON file on a file share', async () => {
    mkdirSync(join(f.files, 'in'), { recursive: true });
    writeFileSync(join(f.files, 'in/orders.csv'), 'id,customer,amount\n1,"Smith, Jane",10.50\n2,Ünal,\n3,"say ""hi""",7\n');
    writeFileSync(join(f.files, 'in/orders.json'), '{"id":1,"name":"a"}\n{"id":2,"name":null}\n');
    f.dataset('OrdersCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'in', fileName: 'orders.csv' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true });
    f.dataset('OrdersJson', 'Json', 'Files', { location: { type: 'FileServerLocation', folderPath: 'in', fileName: 'orders.json' } });
    const csv = await preview('OrdersCsv');
    expect(csv.columns.map((c) => c.name)).toEqual(['id', 'customer', 'amount']);
    expect(csv.rows).toEqual([['1', 'Smith, Jane', '10.50'], ['2', 'Ünal', null], ['3', 'say "hi"', '7']]);
    expect(csv.source).toBe('in/orders.csv');
    const json = await preview('OrdersJson');
    expect(json.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(json.rows).toEqual([['1', 'a'], ['2', null]]);
  });

  it('a Parquet file written by a copy: its logical types come back', async () => {
    f.dataset('Pq', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'pq', fileName: 'awkward.parquet' } });
    const out = await f.copy('ToParquet', 'Src', 'Pq', { source: { type: 'PostgreSqlSource', query: `SELECT id, t, f, ts, d, b FROM ${schema}.src WHERE id >= 100 ORDER BY id` }, sink: { type: 'ParquetSink' } });
    expect(out.error).toBeUndefined();
    expect(out.status).toBe('Succeeded');
    const p = await preview('Pq', '--rows', '5');
    expect(p.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 't:string', 'f:float', 'ts:timestamptz', 'd:date', 'b:boolean']);
    expect(p.truncated).toBe(true);
    expect(p.rows.map((r) => [r[0], r[1], r[4], r[5]])).toEqual([
      ['100', 'row 100', '2024-04-10', 'true'],
      ['101', 'row 101', '2024-04-11', 'false'],
      ['102', 'row 102', '2024-04-12', 'true'],
      ['103', 'row 103', '2024-04-13', 'false'],
      ['104', 'row 104', '2024-04-14', 'true'],
    ]);
  });

  it('a CSV blob in Azurite', async () => {
    const svc = BlobServiceClient.fromConnectionString(az.connectionString);
    const container = svc.getContainerClient('previews');
    await container.create();
    const body = 'k;v\na;1\nb;2\n';
    await container.getBlockBlobClient('day=1/part.csv').upload(body, body.length);
    f.dataset('BlobCsv', 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'previews', folderPath: 'day=1', fileName: 'part.csv' }, columnDelimiter: ';', firstRowAsHeader: true });
    const p = await preview('BlobCsv');
    expect(p.columns.map((c) => c.name)).toEqual(['k', 'v']);
    expect(p.rows).toEqual([['a', '1'], ['b', '2']]);
    expect(p.source).toBe('previews/day=1/part.csv');
  });

  it('a bad dataset: the error names the file, the field and the fix; no stack', async () => {
    f.dataset('NoTable', 'PostgreSqlTable', 'Pg', {});
    const r = await dmgw(['preview', dsFile('NoTable')], { DMGW_HOME: f.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dsFile('NoTable')}`);
    expect(r.stderr).toContain('typeProperties.table');
    expect(r.stderr).toMatch(/set "schema"\/"table" on the dataset/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    // a reference to a linked service that is not there: validation's own words, with the line
    f.dataset('Dangling', 'PostgreSqlTable', 'Pgg', { table: 'x' });
    const d = await dmgw(['preview', dsFile('Dangling')], { DMGW_HOME: f.home });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/cannot preview: .*Dangling\.json:\d+:\d+: error: .*Pgg/);
    expect(d.stderr).toContain('Pg');
    // not a dataset file
    const n = await dmgw(['preview', join(f.dir, 'linkedService', 'Pg.json')], { DMGW_HOME: f.home });
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('is not a dataset file');
    expect((await dmgw(['preview', dsFile('Src'), '--rows', '0'])).code).toBe(2);
  });

  it('attack: a file share outside fileSystem.allowedRoots is refused, its file never read', async () => {
    const secretDir = join(f.dir, 'outside');
    mkdirSync(secretDir);
    writeFileSync(join(secretDir, 'shadow.csv'), 'user,hash\nroot,SECRET-HASH\n');
    f.write('linkedService', 'Outside', { type: 'FileServer', typeProperties: { host: secretDir } });
    f.dataset('Shadow', 'DelimitedText', 'Outside', { location: { type: 'FileServerLocation', fileName: 'shadow.csv' }, firstRowAsHeader: true });
    const r = await dmgw(['preview', dsFile('Shadow'), '--json'], { DMGW_HOME: f.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('outside the folders this gateway allows');
    expect(r.stdout + r.stderr).not.toContain('SECRET-HASH');
    // with the folder allowed by the node's operator, it reads
    const home = join(f.dir, 'home2');
    allowFileRoots(home, f.files, secretDir);
    const ok = await dmgw(['preview', dsFile('Shadow'), '--json'], { DMGW_HOME: home });
    expect(JSON.parse(ok.stdout).rows).toEqual([['root', 'SECRET-HASH']]);
  });

  it('an encrypted credential is decrypted with the home certificate, bound to its server, and never printed', async () => {
    const home = f.home;
    expect((await dmgw(['cert', 'new'], { DMGW_HOME: home })).code).toBe(0);
    const lsFile = join(f.dir, 'linkedService', 'Pg.json');
    const v = JSON.parse(readFileSync(lsFile, 'utf8'));
    v.properties.typeProperties.connectionString = 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres;Password=pw-never-shown';
    writeFileSync(lsFile, JSON.stringify(v));
    expect((await dmgw(['encrypt', lsFile], { DMGW_HOME: home })).code).toBe(0);
    expect(readFileSync(lsFile, 'utf8')).not.toContain('pw-never-shown');
    // the test server trusts local connections: it ignores the password, the preview reads
    const p = await preview('Src', '--rows', '3');
    expect(p.rows).toHaveLength(3);
    // the bound credential moved to another port: refused before connecting, the password not in any output
    const moved = JSON.parse(readFileSync(lsFile, 'utf8'));
    moved.properties.typeProperties.connectionString = moved.properties.typeProperties.connectionString.replace('Port=5432', 'Port=5433');
    writeFileSync(lsFile, JSON.stringify(moved));
    const r = await dmgw(['preview', dsFile('Src')], { DMGW_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bound|encrypted for/i);
    expect(r.stdout + r.stderr).not.toContain('pw-never-shown');
  });
});
