/**
 * The attack: read the factory service's store (a backup, a dump, a database reader) or its logs, or ask its ARM API
 * as the admin token's holder, and find an on-premises secret. Distinct secrets are planted through every route —
 * linked services (ADO.NET `Password=`, URL password, SecureString and plain `password` fields, Azure Blob account
 * keys and SAS, with and without a gateway), SecureString parameter defaults of a linked service, a dataset and a
 * pipeline, an integration runtime's SecureString, and secure createRun parameters (declared, and passed as a
 * SecureString) — with the real @azure/arm-datafactory client against `dmgw service start` (built CLI), and a run
 * is handed to a real registered node (`dmgw register`, `dmgw host`, its worker), which copies PostgreSQL into two
 * Azurite accounts with those keys. Then every table of the store is dumped (PGlite: each row as text and the raw
 * files of its data folder; PostgreSQL: each row as text and pg_dump of the schema) and grepped, with every ARM answer,
 * the service's log and everything in the node's home, for each secret in its common spellings (raw, base64,
 * base64url, URL-encoded, JSON-escaped, a connection string's doubled quotes).
 */
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { BlobServiceClient, StorageSharedKeyCredential, generateAccountSASQueryParameters, AccountSASPermissions, AccountSASResourceTypes, AccountSASServices } from '@azure/storage-blob';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../../src/agent/cert/store.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { openCredential } from '../../../src/common/credential/envelope.js';
import { encryptedCredentialOf } from '../../../src/common/secrets.js';
import type { LinkedService } from '../../../src/common/model/types.js';
import { startAzurite, type AzuriteServer } from '../../support/azurite.js';
import { ensureBuilt } from '../../support/builtCli.js';
import { armClient, CLI, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../../support/factoryService.js';
import { freePort, PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const F = 'factory-secrets';
const GW = 'onprem';
const MASK = '**********';
const gw = { referenceName: GW, type: 'IntegrationRuntimeReference' };

const rand = (): string => randomBytes(9).toString('base64url');
/** Distinct secrets, some with the characters that make each form escape them. */
function plant() {
  return {
    adoPassword: `Ado;pw"${rand()}`,
    urlPassword: `Url@pw/${rand()}+x`,
    secureStringPassword: `SecurePw-${rand()}`,
    plainPassword: `PlainPw-${rand()}`,
    lsParameterDefault: `LsDefault-${rand()}`,
    datasetParameterDefault: `DsDefault-${rand()}`,
    pipelineParameterDefault: `PipelineDefault-${rand()}`,
    runParameterDeclared: `RunDeclared-${rand()}`,
    runParameterWrapped: `RunWrapped-${rand()}`,
    irSecureString: `IrKey-${rand()}`,
  };
}
type Planted = ReturnType<typeof plant> & { keyNoGateway: string; keyGateway: string; sasNoGateway: string; sasGateway: string; sigNoGateway: string; sigGateway: string };

/**
 * The spellings a secret takes in text: raw, base64(url), URL-encoded, JSON-escaped, quotes doubled — and its longest
 * run of letters, digits, '-' and '_' (random, so unique), which every escaping leaves as it is: it finds the secret
 * under layers no list foresees (a quoted connection string, JSON-escaped, inside a row printed as text).
 */
function spellings(name: string, s: string): string[] {
  const forms = [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url'), encodeURIComponent(s), JSON.stringify(s).slice(1, -1), JSON.stringify(JSON.stringify(s)).slice(1, -1), s.replace(/"/g, '""')];
  // a whole SAS also holds its (public) version and expiry; its signature is planted on its own
  const core = name.startsWith('sas') ? undefined : (s.match(/[\w-]+/g) ?? []).sort((a, b) => b.length - a.length)[0];
  if (core && core.length >= 10) forms.push(core);
  return [...new Set(forms)].filter((f) => f.length >= 8);
}
/** Every planted secret (and SAS signature) found in `text`, by name and spelling. */
function leaks(planted: Record<string, string>, text: string): string[] {
  const out: string[] = [];
  for (const [name, secret] of Object.entries(planted)) for (const f of spellings(name, secret)) if (text.includes(f)) out.push(`${name} (${f === secret ? 'raw' : f})`);
  return out;
}
const sigOf = (sas: string): string => decodeURIComponent(/(?:^|&)sig=([^&]+)/.exec(sas)![1]!);
function filesUnder(dir: string): Array<{ path: string; bytes: Buffer }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ path: join(e.parentPath, e.name), bytes: readFileSync(join(e.parentPath, e.name)) }));
}

const STORES = [
  { store: 'PGlite', args: (): string[] => [] },
  { store: 'PostgreSQL', args: (schema: string): string[] => ['--postgres', PG_URL, '--schema', schema] },
] as const;

let azurite: AzuriteServer;
const accounts = { noGateway: { name: 'acctnogw', key: randomBytes(64).toString('base64') }, gateway: { name: 'acctgw', key: randomBytes(64).toString('base64') } };
let db: pg.Client;
const dataSchema = uniqueName('secrets_src');

beforeAll(async () => {
  if (!up) return;
  ensureBuilt();
  azurite = await startAzurite({ accounts: [accounts.noGateway, accounts.gateway] });
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`create schema ${dataSchema}; create table ${dataSchema}.src as select g as id, md5(g::text) as t from generate_series(1, 50) g`);
}, 120_000);

afterAll(async () => {
  await azurite?.stop();
  await db?.query(`drop schema if exists ${dataSchema} cascade`).catch(() => undefined);
  await db?.end();
});

describe.skipIf(!up).each(STORES)('secrets planted through every route, $store store', ({ store, args }) => {
  const storeSchema = uniqueName('dmgw_secrets');
  const home = tempDir('dmgw-secrets-node');
  const dataDir = tempDir('dmgw-secrets-svc');
  const answers: string[] = [];
  const onResponse = (r: { bodyAsText?: string | null }) => void answers.push(r.bodyAsText ?? '');
  let svc: ServiceProcess;
  let arm: DataFactoryManagementClient;
  let host: ChildProcess | undefined;
  let hostStderr = '';
  let planted: Planted;

  beforeAll(async () => {
    // the accounts' keys are what the blob linked services carry
    const sas = { noGateway: accountSas(accounts.noGateway), gateway: accountSas(accounts.gateway) };
    planted = { ...plant(), keyNoGateway: accounts.noGateway.key, keyGateway: accounts.gateway.key, sasNoGateway: sas.noGateway, sasGateway: sas.gateway, sigNoGateway: sigOf(sas.noGateway), sigGateway: sigOf(sas.gateway) };
    svc = await spawnService(['--port', String(await freePort()), '--data', dataDir, '--lease-seconds', '5', '--heartbeat-seconds', '1', '--poll-seconds', '2', ...args(storeSchema)]);
    arm = armClient(svc);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
  }, 60_000);

  afterAll(async () => {
    host?.kill('SIGKILL');
    await svc?.stop('SIGKILL');
    if (store === 'PostgreSQL') await db?.query(`drop schema if exists ${storeSchema} cascade`).catch(() => undefined);
  });

  it('refuses a plaintext secret for a gateway with no node yet: 400 naming the property and dmgw encrypt, nothing stored', async () => {
    const e = await restErrorBody(arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'PgAdo', { properties: { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: pgAdo(planted.adoPassword) } } as never }));
    expect(e.status).toBe(400);
    expect(e.body.error).toMatchObject({ code: 'GatewayCertificateMissing', target: 'properties.typeProperties.connectionString' });
    expect(e.body.error.message).toContain('dmgw encrypt');
    expect(e.body.error.message).toContain(`dmgw gateway certificate ${GW}`);
    expect(leaks(planted, JSON.stringify(e.body))).toEqual([]);
    const list: string[] = [];
    for await (const ls of arm.linkedServices.listByFactory(RESOURCE_GROUP, F)) list.push(ls.name!);
    expect(list).toEqual([]);
  });

  it('with a node registered: every secret is stored encrypted or sealed, answered masked, and reaches the node', async () => {
    const keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW);
    const reg = spawnSync(process.execPath, [CLI, 'register', '--key-stdin', '--node-name', 'node-1'], { env: { ...process.env, DMGW_HOME: home }, input: keys.authKey1, encoding: 'utf8', timeout: 60_000 });
    expect(reg.status, reg.stderr).toBe(0);
    host = spawn(process.execPath, [CLI, 'host'], { env: { ...process.env, DMGW_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    host.stderr!.on('data', (c: Buffer) => (hostStderr += c.toString('utf8')));
    await until('the node Online', () => hostStatus(home) === 'Online' || undefined, 30_000);

    // an integration runtime's SecureString (a shared IR's key)
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted', linkedInfo: { authorizationType: 'Key', key: { type: 'SecureString', value: planted.irSecureString } } } as never }, { onResponse });
    const u = new URL(PG_URL);
    const lsParameters = { lsSecret: { type: 'SecureString', defaultValue: planted.lsParameterDefault } };
    const linkedServices: Record<string, Record<string, unknown>> = {
      PgAdo: { type: 'PostgreSql', connectVia: gw, parameters: lsParameters, typeProperties: { connectionString: pgAdo(planted.adoPassword) } },
      PgUrl: { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: `postgres://${u.username}:${encodeURIComponent(planted.urlPassword)}@${u.hostname}:${u.port || 5432}${u.pathname}` } },
      PgSecure: { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: pgAdo(), password: { type: 'SecureString', value: planted.secureStringPassword } } },
      PgPlain: { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: pgAdo(), password: planted.plainPassword } },
      BlobKey: { type: 'AzureBlobStorage', typeProperties: { connectionString: blobConnectionString(accounts.noGateway) } },
      BlobKeyGw: { type: 'AzureBlobStorage', connectVia: gw, typeProperties: { connectionString: blobConnectionString(accounts.gateway) } },
      BlobSas: { type: 'AzureBlobStorage', typeProperties: { sasUri: `${blobEndpoint(accounts.noGateway)}?${planted.sasNoGateway}` } },
      BlobSasGw: { type: 'AzureBlobStorage', connectVia: gw, typeProperties: { sasUri: { type: 'SecureString', value: `${blobEndpoint(accounts.gateway)}?${planted.sasGateway}` } } },
    };
    // the wire shape (typeProperties as written), as `dmgw pipeline run --factory` sends files
    for (const [name, properties] of Object.entries(linkedServices)) await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, name, { properties } as never, { onResponse });
    const pgTable = (ls: string, extra: Record<string, unknown> = {}) => ({ type: 'PostgreSqlTable', linkedServiceName: { referenceName: ls, type: 'LinkedServiceReference' }, typeProperties: { schema: dataSchema, table: 'src' }, ...extra });
    const csv = (ls: string, file: string) => ({ type: 'DelimitedText', linkedServiceName: { referenceName: ls, type: 'LinkedServiceReference' }, typeProperties: { location: { type: 'AzureBlobStorageLocation', container: 'out', fileName: file }, firstRowAsHeader: true } });
    const datasets: Record<string, Record<string, unknown>> = {
      SrcAdo: pgTable('PgAdo', { parameters: { dsSecret: { type: 'SecureString', defaultValue: planted.datasetParameterDefault } } }),
      SrcUrl: pgTable('PgUrl'),
      SrcSecure: pgTable('PgSecure'),
      SrcPlain: pgTable('PgPlain'),
      OutKey: csv('BlobKey', 'key.csv'),
      OutKeyGw: csv('BlobKeyGw', 'keygw.csv'),
      OutSas: csv('BlobSas', 'sas.csv'),
      OutSasGw: csv('BlobSasGw', 'sasgw.csv'),
    };
    for (const [name, properties] of Object.entries(datasets)) await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, name, { properties } as never, { onResponse });
    // the secure parameters are used: the worker has to resolve them into the query it sends to PostgreSQL
    const query = `SELECT id, t FROM ${dataSchema}.src WHERE length('@{pipeline().parameters.declared}') > 0 AND length('@{pipeline().parameters.wrapped}') > 0 AND length('@{pipeline().parameters.withDefault}') > 0`;
    const copy = (name: string, input: string, output: string, source: Record<string, unknown> = { type: 'PostgreSqlSource' }) => ({
      name,
      type: 'Copy',
      inputs: [{ referenceName: input, type: 'DatasetReference' }],
      outputs: [{ referenceName: output, type: 'DatasetReference' }],
      typeProperties: { source, sink: { type: 'DelimitedTextSink' } },
    });
    await arm.pipelines.createOrUpdate(
      RESOURCE_GROUP,
      F,
      'Plant',
      {
        properties: {
          parameters: { declared: { type: 'SecureString' }, wrapped: { type: 'String' }, withDefault: { type: 'SecureString', defaultValue: planted.pipelineParameterDefault } },
          activities: [
            copy('CopyAdo', 'SrcAdo', 'OutKey', { type: 'PostgreSqlSource', query }),
            copy('CopyUrl', 'SrcUrl', 'OutKeyGw'),
            copy('CopySecure', 'SrcSecure', 'OutSas'),
            copy('CopyPlain', 'SrcPlain', 'OutSasGw'),
            // PostgreSQL quotes the value it cannot cast in its error: the secure parameter lands in the activity's error
            copy('Cast', 'SrcUrl', 'OutKey', { type: 'PostgreSqlSource', query: `SELECT '@{pipeline().parameters.declared}'::int AS id` }),
            { name: 'AfterCast', type: 'Wait', dependsOn: [{ activity: 'Cast', dependencyConditions: ['Completed'] }], typeProperties: { waitTimeInSeconds: 0 } },
          ],
        },
      } as never,
      { onResponse },
    );

    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Plant', { parameters: { declared: planted.runParameterDeclared, wrapped: { type: 'SecureString', value: planted.runParameterWrapped } }, onResponse });
    const run = await until(
      `run ${runId} to end`,
      async () => {
        const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId, { onResponse });
        return ['Succeeded', 'Failed', 'Cancelled'].includes(r.status!) ? r : undefined;
      },
      90_000,
      500,
    );
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect(run.parameters).toEqual({ declared: MASK, wrapped: MASK });
    await arm.pipelineRuns.queryByFactory(RESOURCE_GROUP, F, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) }, { onResponse });
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) }, { onResponse });
    expect(acts.value.map((a) => [a.activityName, a.status, (a.output as { rowsCopied?: number }).rowsCopied]).sort()).toEqual([
      ['AfterCast', 'Succeeded', undefined],
      ['Cast', 'Failed', undefined],
      ['CopyAdo', 'Succeeded', 50],
      ['CopyPlain', 'Succeeded', 50],
      ['CopySecure', 'Succeeded', 50],
      ['CopyUrl', 'Succeeded', 50],
    ]);
    expect(acts.value.find((a) => a.activityName === 'Cast')!.error).toMatchObject({ message: expect.stringContaining('invalid input syntax for type integer') });
    // the node wrote with both accounts' keys and SAS: the secrets reached it
    for (const [account, files] of [[accounts.noGateway, ['key.csv', 'sas.csv']], [accounts.gateway, ['keygw.csv', 'sasgw.csv']]] as const) {
      const blobs: string[] = [];
      for await (const b of blobService(account).getContainerClient('out').listBlobsFlat()) blobs.push(b.name);
      expect(blobs.sort()).toEqual([...files]);
    }
    // every answer shows the secrets masked, and the gateway's linked services carry an EncryptedCredential that
    // the node's key opens to the planted secret: it arrived, and went nowhere else
    for (const name of Object.keys(linkedServices)) await arm.linkedServices.get(RESOURCE_GROUP, F, name, { onResponse });
    const stored = Object.fromEntries(answers.filter((a) => a.startsWith('{')).map((a) => JSON.parse(a) as { name: string; properties: Record<string, unknown> }).filter((a) => a.name in linkedServices).map((a) => [a.name, a.properties]));
    const tp = (name: string) => stored[name]!.typeProperties as Record<string, unknown>;
    const keysOfNode = new CertificateStore(new GatewayHome(home)).credentialKeys();
    const opened = async (name: string) => JSON.stringify((await openCredential(encryptedCredentialOf({ properties: stored[name] } as unknown as LinkedService)!.value, keysOfNode)).payload);
    expect(await opened('PgAdo')).toContain(JSON.stringify(planted.adoPassword));
    expect(await opened('PgUrl')).toContain(JSON.stringify(planted.urlPassword));
    expect(await opened('PgSecure')).toContain(JSON.stringify(planted.secureStringPassword));
    expect(await opened('PgPlain')).toContain(JSON.stringify(planted.plainPassword));
    expect(await opened('BlobKeyGw')).toContain(JSON.stringify(planted.keyGateway));
    expect(await opened('BlobSasGw')).toContain(planted.sasGateway.slice(-20));
    expect((stored.PgAdo!.parameters as Record<string, { defaultValue: string }>).lsSecret!.defaultValue).toBe(MASK);
    expect(tp('BlobKey').connectionString).toContain(`AccountKey=${MASK}`);
    expect(tp('BlobSas').sasUri).toContain(`sig=${MASK}`);
    const pipeline = await arm.pipelines.get(RESOURCE_GROUP, F, 'Plant', { onResponse });
    expect(pipeline.parameters?.withDefault?.defaultValue).toBe(MASK);
    const ds = await arm.datasets.get(RESOURCE_GROUP, F, 'SrcAdo', { onResponse });
    expect(ds.properties.parameters?.dsSecret?.defaultValue).toBe(MASK);
    const ir = await arm.integrationRuntimes.get(RESOURCE_GROUP, F, GW, { onResponse });
    expect(JSON.stringify(ir.properties)).toContain(MASK);

    expect(leaks(planted, answers.join('\n'))).toEqual([]);
  }, 180_000);

  it('no planted secret in a full dump of the store, in the service log or anywhere in the node\'s home', async () => {
    host?.kill('SIGTERM');
    await until('the host to stop', () => host!.exitCode !== null || host!.signalCode !== null || undefined, 20_000);
    await svc.stop('SIGTERM');
    const dump = store === 'PGlite' ? await dumpPglite(join(dataDir, 'store')) : await dumpPostgres(storeSchema);
    expect(leaks(planted, dump)).toEqual([]);
    // the dump is real: it holds the ciphertext and the sealed originals, and the rows the run left
    expect(dump).toContain('EncryptedCredential=');
    expect(dump).toMatch(/v1\.[\w-]{16}\.[\w-]{22}\./);
    for (const table of ['resources', 'jobs', 'runs', 'activity_runs', 'nodes', 'gateways']) expect(dump).toMatch(new RegExp(`-- table ${table}: [1-9]`));
    if (store === 'PGlite') {
      // the database's own files (pages, WAL): no plaintext was ever written, not even in a row since updated
      for (const f of filesUnder(dataDir)) expect(leaks(planted, f.bytes.toString('latin1')), f.path).toEqual([]);
    } else {
      const pgDump = spawnSync('pg_dump', ['--schema', storeSchema, '--data-only', PG_URL], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      expect(pgDump.status, pgDump.stderr).toBe(0);
      expect(pgDump.stdout).toContain('EncryptedCredential=');
      expect(leaks(planted, pgDump.stdout)).toEqual([]);
    }
    expect(svc.stderr.join('\n')).toMatch(/leased .* to node node-1/);
    expect(leaks(planted, svc.stderr.join('\n'))).toEqual([]);
    const nodeFiles = filesUnder(home);
    expect(nodeFiles.some((f) => f.path.endsWith('dmgw.log'))).toBe(true);
    for (const f of nodeFiles) expect(leaks(planted, f.bytes.toString('utf8')), f.path).toEqual([]);
    expect(leaks(planted, hostStderr)).toEqual([]);
  }, 60_000);
});

function pgAdo(password?: string): string {
  const u = new URL(PG_URL);
  return `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${decodeURIComponent(u.username)}${password ? `;Password="${password.replace(/"/g, '""')}"` : ''}`;
}
const blobEndpoint = (a: { name: string }): string => `http://127.0.0.1:${azurite.port}/${a.name}`;
const blobConnectionString = (a: { name: string; key: string }): string => `DefaultEndpointsProtocol=http;AccountName=${a.name};AccountKey=${a.key};BlobEndpoint=${blobEndpoint(a)};`;
const blobService = (a: { name: string; key: string }): BlobServiceClient => new BlobServiceClient(blobEndpoint(a), new StorageSharedKeyCredential(a.name, a.key));
function accountSas(a: { name: string; key: string }): string {
  return generateAccountSASQueryParameters(
    { expiresOn: new Date(Date.now() + 3600_000), permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() },
    new StorageSharedKeyCredential(a.name, a.key),
  ).toString();
}

function hostStatus(home: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { status: string }).status;
  } catch {
    return undefined;
  }
}

async function restErrorBody(p: Promise<unknown>): Promise<{ status: number; body: { error: { code: string; message: string; target?: string } } }> {
  try {
    await p;
  } catch (e) {
    const r = e as { statusCode: number; response?: { bodyAsText?: string } };
    return { status: r.statusCode, body: JSON.parse(r.response?.bodyAsText ?? '{}') };
  }
  throw new Error('expected the call to fail');
}

/** Every row of every table, as PostgreSQL prints a row as text. */
async function dumpRows(query: (sql: string) => Promise<Array<Record<string, unknown>>>, schema: string): Promise<string> {
  const tables = (await query(`select table_name from information_schema.tables where table_schema = '${schema}' and table_type = 'BASE TABLE' order by 1`)).map((r) => String(r.table_name));
  const parts: string[] = [];
  for (const t of tables) {
    const rows = await query(`select t::text as row from ${schema}."${t}" t`);
    parts.push(`-- table ${t}: ${rows.length} rows`, ...rows.map((r) => String(r.row)));
  }
  return parts.join('\n');
}

async function dumpPglite(dir: string): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const lite = await PGlite.create(dir);
  try {
    return await dumpRows(async (sql) => (await lite.query<Record<string, unknown>>(sql)).rows, 'public');
  } finally {
    await lite.close();
  }
}

async function dumpPostgres(schema: string): Promise<string> {
  return dumpRows(async (sql) => (await db.query(sql)).rows as Array<Record<string, unknown>>, schema);
}
