// `dmgw browse` on real stores: the schemas and tables of the real PostgreSQL (a view told apart), MariaDB's
// connected database and its tables, Azurite's containers, folders and blobs, a file share's folders and files; a
// share outside fileSystem.allowedRoots refused and never listed; an unreachable server's message without a stack;
// an encrypted credential decrypted by the agent and never printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmgwInProcess } from '../support/builtCli.js';
import type { BrowseResult } from '../../src/agent/browse/browseLinkedService.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { MARIADB_URL, requireServer, uniqueName } from '../support/servers.js';
import type pg from 'pg';

const pgUp = await requireServer('PostgreSQL', 5432);
const myUp = await requireServer('MariaDB', 3306);

const dmgw = dmgwInProcess;

describe.skipIf(!pgUp || !myUp)('dmgw browse', () => {
  const schema = uniqueName('browse');
  let client: pg.Client;
  let f: TestFactory;
  let az: AzuriteServer;
  let my: mysql.Connection;
  const browse = async (ls: string, ...path: string[]) => {
    const r = await dmgw(['browse', '--factory', f.dir, '--linked-service', ls, ...path.flatMap((p) => ['--path', p]), '--json'], { DMGW_HOME: f.home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as BrowseResult;
  };

  beforeAll(async () => {
    az = await startAzurite();
    f = testFactory({ blobConnectionString: az.connectionString });
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.orders (id int); CREATE TABLE ${schema}."Mixed Case" (id int); CREATE VIEW ${schema}.big_orders AS SELECT * FROM ${schema}.orders`);
    my = await mysql.createConnection(MARIADB_URL);
    await my.query(`CREATE TABLE ${schema} (id INT PRIMARY KEY)`);
  }, 60_000);
  afterAll(async () => {
    await my?.query(`DROP TABLE IF EXISTS ${schema}`).catch(() => undefined);
    await my?.end();
    await dropSchema(client, schema);
    await az?.stop();
  });

  it('PostgreSQL: the schemas (no system ones), then a schema’s tables and views by name', async () => {
    const top = await browse('Pg');
    expect(top.store).toBe('table');
    const names = top.items.map((i) => i.name);
    expect(names).toContain(schema);
    expect(names).toContain('public');
    expect(names.filter((n) => /^pg_|^information_schema$/.test(n))).toEqual([]);
    expect(top.items.find((i) => i.name === schema)).toEqual({ name: schema, type: 'Schema', path: [schema], expandable: true });
    const tables = await browse('Pg', schema);
    expect(tables.items).toEqual([
      { name: 'Mixed Case', type: 'Table', path: [schema, 'Mixed Case'], expandable: false },
      { name: 'big_orders', type: 'View', path: [schema, 'big_orders'], expandable: false },
      { name: 'orders', type: 'Table', path: [schema, 'orders'], expandable: false },
    ]);
  });

  it('MariaDB: the connected database is the one schema; its tables', async () => {
    f.write('linkedService', 'Maria', { type: 'MariaDB', typeProperties: { connectionString: 'Server=127.0.0.1;Port=3306;Database=test;UID=root' } });
    expect((await browse('Maria')).items.map((i) => i.name)).toEqual(['test']);
    const tables = await browse('Maria', 'test');
    expect(tables.items.find((i) => i.name === schema)).toEqual({ name: schema, type: 'Table', path: ['test', schema], expandable: false });
  });

  it('blob storage: containers, then folders and blobs level by level', async () => {
    const svc = BlobServiceClient.fromConnectionString(az.connectionString);
    const c = svc.getContainerClient(`${schema.replace(/_/g, '-')}`);
    await c.create();
    for (const name of ['day=1/a.csv', 'day=1/deeper/b.json', 'top.parquet']) await c.getBlockBlobClient(name).upload('x', 1);
    const top = await browse('Blob');
    expect(top.items.map((i) => `${i.type}:${i.name}`)).toContain(`Container:${c.containerName}`);
    expect((await browse('Blob', c.containerName)).items.map((i) => `${i.type}:${i.name}:${i.expandable}`)).toEqual(['Folder:day=1:true', 'File:top.parquet:false']);
    const day = await browse('Blob', c.containerName, 'day=1');
    expect(day.items.map((i) => `${i.type}:${i.path.join('/')}`)).toEqual([`File:${c.containerName}/day=1/a.csv`, `Folder:${c.containerName}/day=1/deeper`]);
  });

  it('file system: folders and files under the host', async () => {
    mkdirSync(join(f.files, 'in/2026'), { recursive: true });
    writeFileSync(join(f.files, 'in/orders.csv'), 'id\n1\n');
    expect((await browse('Files')).items.map((i) => `${i.type}:${i.name}`)).toContain('Folder:in');
    expect((await browse('Files', 'in')).items.map((i) => `${i.type}:${i.name}`)).toEqual(['Folder:2026', 'File:orders.csv']);
  });

  it('attack: a share outside fileSystem.allowedRoots is refused and nothing of it is listed; .. cannot climb out', async () => {
    const secret = join(f.dir, 'outside');
    mkdirSync(secret);
    writeFileSync(join(secret, 'SECRET-NAME.txt'), 'x');
    f.write('linkedService', 'Outside', { type: 'FileServer', typeProperties: { host: secret } });
    const r = await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Outside', '--json'], { DMGW_HOME: f.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('outside the folders this gateway allows');
    expect(r.stdout + r.stderr).not.toContain('SECRET-NAME');
    const up = await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Files', '--path', '..', '--json'], { DMGW_HOME: f.home });
    expect(up.code).toBe(1);
    expect(up.stdout).toBe('');
  });

  it('an unreachable server: the driver’s message, no stack; a table has no level below it', async () => {
    f.write('linkedService', 'Nowhere', { type: 'PostgreSql', typeProperties: { connectionString: 'Server=127.0.0.1;Port=1;Database=test;UID=postgres' } });
    const r = await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Nowhere', '--json'], { DMGW_HOME: f.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not list Nowhere \(PostgreSql\): .*ECONNREFUSED/);
    expect(r.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
    const deep = await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Pg', '--path', schema, '--path', 'orders'], { DMGW_HOME: f.home });
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain('has no level below a table');
    expect((await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Nope'], { DMGW_HOME: f.home })).stderr).toContain('the factory has: ');
  });

  it('an encrypted credential: the agent decrypts it with the home certificate; the password is never printed', async () => {
    expect((await dmgw(['cert', 'new'], { DMGW_HOME: f.home })).code).toBe(0);
    const lsFile = join(f.dir, 'linkedService', 'Pg.json');
    const v = JSON.parse(readFileSync(lsFile, 'utf8'));
    v.properties.typeProperties.connectionString += ';Password=pw-never-listed';
    writeFileSync(lsFile, JSON.stringify(v));
    expect((await dmgw(['encrypt', lsFile], { DMGW_HOME: f.home })).code).toBe(0);
    expect(readFileSync(lsFile, 'utf8')).not.toContain('pw-never-listed');
    const r = await dmgw(['browse', '--factory', f.dir, '--linked-service', 'Pg', '--path', schema], { DMGW_HOME: f.home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Table\s+orders/);
    expect(r.stdout + r.stderr).not.toContain('pw-never-listed');
  });
});
