// What the integration tests run against: a copy of the walkthrough pointed at the real PostgreSQL (a fresh schema
// with a seeded sales_orders table) and at an Azurite started here, a gateway home with a certificate, and a broken
// file for the diagnostics checks.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
export const PG_URL = process.env.DMGW_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEV_ACCOUNT = 'devstoreaccount1';
// Azurite's published well-known development key (not a secret).
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(logFile) {
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const child = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--loose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start in 30 s: ${out}`)), 30_000);
    const onData = (b) => {
      out += b.toString();
      const m = /(?:listening at|listens on) https?:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (c) => reject(new Error(`azurite exited with ${c}: ${out}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  writeFileSync(logFile, `azurite on ${port}\n`);
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A fresh schema in the real PostgreSQL with `rows` sales orders, and `bigRows` in sales_orders_big (for Cancel). */
export async function seedPostgres(schema, rows, bigRows = 0) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    await c.query(`CREATE TABLE ${schema}.sales_orders (order_id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, ordered_at timestamptz NOT NULL)`);
    await c.query(
      `INSERT INTO ${schema}.sales_orders SELECT g, 'customer ' || (g % 97), round((g * 7 % 10000) / 100.0, 2), timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $1) g`,
      [rows],
    );
    await c.query(`CREATE TABLE ${schema}.sales_orders_big AS SELECT * FROM ${schema}.sales_orders WHERE false`);
    await c.query(
      `INSERT INTO ${schema}.sales_orders_big SELECT g, 'customer ' || (g % 97), round((g * 7 % 10000) / 100.0, 2), timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $1) g`,
      [bigRows],
    );
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => c.end());
}

const editJson = (file, fn) => {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  fn(v);
  writeFileSync(file, JSON.stringify(v, null, 4) + '\n');
};

/**
 * workspace/walkthrough: the walkthrough factory with PostgreSQL at 127.0.0.1:5432 (a plaintext password for the
 * Encrypt check; the server uses trust auth), the sales table in `schema`, and the blob sink in Azurite.
 */
export function prepareWorkspace(ws, { schema, azurite }) {
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  const f = join(ws, 'walkthrough');
  cpSync('examples/walkthrough', f, { recursive: true });
  const pg = new URL(PG_URL);
  editJson(join(f, 'linkedService/OnPremPostgreSql.json'), (v) => {
    v.properties.typeProperties.connectionString = `Server=${pg.hostname};Port=${pg.port || 5432};Database=${pg.pathname.slice(1)};UID=${decodeURIComponent(pg.username) || 'postgres'};Password=e2e-not-a-real-secret`;
  });
  editJson(join(f, 'linkedService/AzureStorage.json'), (v) => {
    v.properties.typeProperties.connectionString = azurite.connectionString;
  });
  editJson(join(f, 'dataset/SalesOrdersTable.json'), (v) => {
    v.properties.typeProperties.schema = schema;
  });
  // A linked service that cannot connect (nothing listens on port 1), for the Test Connection failure.
  const unreachable = JSON.parse(readFileSync(join(f, 'linkedService/OnPremPostgreSql.json'), 'utf8'));
  unreachable.name = 'UnreachablePostgreSql';
  unreachable.properties.typeProperties.connectionString = 'Server=127.0.0.1;Port=1;Database=test;UID=postgres';
  writeFileSync(join(f, 'linkedService/UnreachablePostgreSql.json'), JSON.stringify(unreachable, null, 4) + '\n');
  // Broken on purpose: a wrong type for a property and a reference to a linked service that does not exist.
  writeFileSync(
    join(f, 'dataset/BrokenDataset.json'),
    `{\n    "name": "BrokenDataset",\n    "properties": {\n        "type": "PostgreSqlTable",\n        "linkedServiceName": {\n            "referenceName": "NoSuchLinkedService",\n            "type": "LinkedServiceReference"\n        },\n        "typeProperties": {\n            "schema": 42,\n            "table": "orders"\n        }\n    }\n}\n`,
  );
  // The same copy of a big table, to cancel mid-copy.
  const big = (from, to, fn) => {
    const v = JSON.parse(readFileSync(join(f, from), 'utf8'));
    fn(v);
    writeFileSync(join(f, to), JSON.stringify(v, null, 4) + '\n');
  };
  big('dataset/SalesOrdersTable.json', 'dataset/BigSalesOrdersTable.json', (v) => {
    v.name = 'BigSalesOrdersTable';
    v.properties.typeProperties.table = 'sales_orders_big';
  });
  big('dataset/SalesOrdersCsv.json', 'dataset/BigSalesOrdersCsv.json', (v) => {
    v.name = 'BigSalesOrdersCsv';
    v.properties.typeProperties.location.fileName = 'big_sales_orders.csv.gz';
  });
  big('pipeline/CopySalesOrdersToBlob.json', 'pipeline/CopyBigSalesOrdersToBlob.json', (v) => {
    v.name = 'CopyBigSalesOrdersToBlob';
    v.properties.activities[0].inputs[0].referenceName = 'BigSalesOrdersTable';
    v.properties.activities[0].outputs[0].referenceName = 'BigSalesOrdersCsv';
  });
  return f;
}

/** A gateway home with a current certificate, made by the agent itself. */
export function prepareGatewayHome(home, cli) {
  rmSync(home, { recursive: true, force: true });
  execFileSync(process.execPath, [cli, 'cert', 'new', '--subject', 'CN=dmgw-e2e'], { env: { ...process.env, DMGW_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** `dmgw service start` from the installed extension's agent, on loopback, polling fast so that tests see changes soon. */
export async function startFactoryService(cli, dataDir, port) {
  const url = `https://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [cli, 'service', 'start', '--host', '127.0.0.1', '--port', String(port), '--public-url', url, '--data', dataDir, '--heartbeat-seconds', '1', '--poll-seconds', '2', '--lease-seconds', '5'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.once('exit', (c) => reject(new Error(`the factory service exited with ${c}: ${err}`)));
  });
  child.stdout.resume();
  return {
    ...ready,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A factory and a gateway in the service (through the same ARM client users have), this home registered with its key. */
export async function registerWithNewGateway(service, cli, home, factory, gateway) {
  const { DataFactoryManagementClient } = require('@azure/arm-datafactory');
  const token = readFileSync(service.adminTokenFile, 'utf8').trim();
  const arm = new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, '00000000-0000-0000-0000-000000000001', {
    endpoint: service.url,
    tlsOptions: { ca: readFileSync(service.caCertFile, 'utf8') },
  });
  await arm.factories.createOrUpdate('rg-ui', factory, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate('rg-ui', factory, gateway, { properties: { type: 'SelfHosted' } });
  const keys = await arm.integrationRuntimes.listAuthKeys('rg-ui', factory, gateway);
  execFileSync(process.execPath, [cli, 'register', '--key-stdin', '--node-name', 'vscode-ui'], { env: { ...process.env, DMGW_HOME: home }, input: keys.authKey1 + '\n', stdio: ['pipe', 'pipe', 'inherit'] });
  return keys;
}
