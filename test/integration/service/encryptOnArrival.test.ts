/**
 * Encryption on arrival in detail (the real @azure/arm-datafactory client, nodes registered through the real channel
 * client): what is stored for a gateway's linked service, what passes through, what is refused — no node, nodes with
 * different certificates, a credential beside a plaintext secret, a connection string that does not parse — and the
 * upgrade of a store written before secrets were sealed (real PostgreSQL).
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient } from '../../../src/agent/channel/client.js';
import { joinGateway } from '../../../src/agent/channel/joinGateway.js';
import { nodeToken, readRegistration } from '../../../src/agent/channel/registration.js';
import { channelDispatcher } from '../../../src/agent/channel/trust.js';
import { CertificateStore } from '../../../src/agent/cert/store.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { inspectCredential, openCredential, sealCredential } from '../../../src/common/credential/envelope.js';
import { newCertificate } from '../../../src/agent/cert/create.js';
import { MASK } from '../../../src/common/maskSecrets.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, tempDir } from '../../support/factoryService.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const F = 'factory-arrival';
const GW = 'gw';
const gw = { referenceName: GW, type: 'IntegrationRuntimeReference' };
let svc: RunningService;
let arm: DataFactoryManagementClient;

async function node(key: string, nodeName: string): Promise<{ client: ChannelClient; home: GatewayHome }> {
  const home = new GatewayHome(tempDir('dmgw-home'));
  await joinGateway(home, key, { nodeName });
  const reg = readRegistration(home)!;
  return { client: new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }), await nodeToken(home, reg)), home };
}
async function put(name: string, properties: Record<string, unknown>): Promise<{ status: number; body: { properties?: { typeProperties: Record<string, unknown> }; error?: { code: string; message: string; target?: string } } }> {
  let raw = '';
  let status = 0;
  try {
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, name, { properties } as never, { onResponse: (r) => ((raw = r.bodyAsText ?? ''), (status = r.status)) });
  } catch {
    // the answer was recorded by onResponse
  }
  return { status, body: JSON.parse(raw) };
}

beforeAll(async () => {
  svc = await startTestService();
  arm = armClient(svc);
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
});
afterAll(async () => svc?.close());

describe('encryption on arrival', () => {
  let home: GatewayHome;
  let keys: { authKey1?: string; authKey2?: string };

  it('names the integration runtime when it does not exist', async () => {
    const r = await put('Elsewhere', { type: 'PostgreSql', connectVia: { ...gw, referenceName: 'nowhere' }, typeProperties: { connectionString: 'Host=db;Password=Wh3re-is-it' } });
    expect([r.status, r.body.error?.code, r.body.error?.target]).toEqual([400, 'GatewayCertificateMissing', 'properties.typeProperties.connectionString']);
    expect(r.body.error?.message).toContain("integration runtime 'nowhere' does not exist");
    expect(JSON.stringify(r.body)).not.toContain('Wh3re-is-it');
  });

  it('stores only an EncryptedCredential for the node\'s certificate, where `dmgw encrypt` puts it; the node opens it', async () => {
    keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW);
    ({ home } = await node(keys.authKey1!, 'node-a'));
    const r = await put('Pg', { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: 'Host=db;Database=sales;Password=Arr1val-pw;User Id=app' } });
    expect(r.status).toBe(200);
    const cs = r.body.properties!.typeProperties.connectionString as string;
    expect(cs).toMatch(/^Host=db;Database=sales;EncryptedCredential=[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+;User Id=app$/);
    const jwe = /EncryptedCredential=([^;]+)/.exec(cs)![1]!;
    const thumbprint = new CertificateStore(home).current()!.info.thumbprint;
    expect(inspectCredential(jwe).thumbprint).toBe(thumbprint);
    expect((await openCredential(jwe, new CertificateStore(home).credentialKeys())).payload).toMatchObject({ connectionString: { Password: 'Arr1val-pw' } });
    // SecureString password field: moved into typeProperties.encryptedCredential
    const v2 = await put('PgV2', { type: 'PostgreSqlV2', connectVia: gw, typeProperties: { server: 'db', username: 'app', password: { type: 'SecureString', value: 'V2-pw-secret' } } });
    expect(v2.status).toBe(200);
    expect(v2.body.properties!.typeProperties).toEqual({ server: 'db', username: 'app', encryptedCredential: expect.stringMatching(/^eyJ/) });
  });

  it('passes a linked service that already has an EncryptedCredential through unchanged, whichever certificate it is for', async () => {
    const other = newCertificate();
    const { jwe } = await sealCredential({ connectionString: { Password: 'x' } }, other.certPem);
    const typeProperties = { connectionString: `Host=db;EncryptedCredential=${jwe}` };
    const r = await put('PgOther', { type: 'PostgreSql', connectVia: gw, typeProperties });
    expect([r.status, r.body.properties?.typeProperties]).toEqual([200, typeProperties]);
  });

  it('refuses a plaintext secret beside an EncryptedCredential, and a connection string that does not parse, without echoing them', async () => {
    const other = newCertificate();
    const { jwe } = await sealCredential({ connectionString: { Password: 'x' } }, other.certPem);
    const both = await put('PgBoth', { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: `Host=db;EncryptedCredential=${jwe}`, password: 'Beside-it-pw' } });
    expect([both.status, both.body.error?.code]).toEqual([400, 'InvalidLinkedServiceCredential']);
    expect(both.body.error?.message).toContain('already has an EncryptedCredential');
    expect(both.body.error?.message).toContain('dmgw encrypt');
    const bad = await put('PgBad', { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: 'Host=db;Password="Unterminated-pw' } });
    expect([bad.status, bad.body.error?.code, bad.body.error?.target]).toEqual([400, 'InvalidConnectionString', 'properties.typeProperties.connectionString']);
    for (const r of [both, bad]) expect(JSON.stringify(r.body)).not.toMatch(/Beside-it-pw|Unterminated-pw/);
  });

  it('refuses the mask sent back in place of a secret (GET, edit, PUT), and keeps the secret it has', async () => {
    const blob = await put('Lake', { type: 'AzureBlobStorage', typeProperties: { connectionString: 'AccountName=a;AccountKey=Lake-k3y' } });
    expect(blob.body.properties!.typeProperties.connectionString).toBe(`AccountName=a;AccountKey=${MASK}`);
    const got = await arm.linkedServices.get(RESOURCE_GROUP, F, 'Lake');
    const r = await put('Lake', { type: 'AzureBlobStorage', description: 'edited', typeProperties: { connectionString: (got.properties as { connectionString?: unknown }).connectionString } });
    expect([r.status, r.body.error?.code, r.body.error?.target]).toEqual([400, 'MaskedSecret', 'properties.typeProperties.connectionString']);
    expect(r.body.error?.message).toContain('send the secret itself');
    expect((await arm.linkedServices.get(RESOURCE_GROUP, F, 'Lake')).etag).toBe(got.etag);
  });

  it('refuses (409) while the gateway\'s valid nodes registered with different certificates; works again once the stray one is revoked', async () => {
    await node(keys.authKey2!, 'node-b');
    const r = await put('PgTwo', { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: 'Host=db;Password=Two-certs-pw' } });
    expect([r.status, r.body.error?.code, r.body.error?.target]).toEqual([409, 'GatewayCertificatesDiffer', 'properties.typeProperties.connectionString']);
    expect(r.body.error?.message).toMatch(/node-a: [0-9A-F]{12}…, node-b: [0-9A-F]{12}…/);
    expect(JSON.stringify(r.body)).not.toContain('Two-certs-pw');
    await arm.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, F, GW, { keyName: 'authKey2' });
    const again = await put('PgTwo', { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: 'Host=db;Password=Two-certs-pw' } });
    expect(again.status).toBe(200);
    expect(inspectCredential(/EncryptedCredential=([^;]+)/.exec(again.body.properties!.typeProperties.connectionString as string)![1]).thumbprint).toBe(new CertificateStore(home).current()!.info.thumbprint);
  });
});

const pgUp = await requireServer('PostgreSQL', 5432);

describe.skipIf(!pgUp)('a store written before secrets were sealed (PostgreSQL)', () => {
  const schema = uniqueName('dmgw_legacy');
  let db: pg.Client;
  afterAll(async () => {
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('is upgraded on start: resources masked with the original sealed, job payloads sealed, secure run parameters masked', async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    const dataDir = tempDir('dmgw-legacy');
    const key = 'Legacy-Acc0untKey==';
    let old = await startTestService({ dataDir, postgres: PG_URL, postgresSchema: schema });
    let client = armClient(old);
    await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    await client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Db', { properties: { type: 'PostgreSql', connectVia: gw, typeProperties: { connectionString: 'Host=db' } } } as never);
    await client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Blob', { properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: `AccountName=a;AccountKey=${key}` } } } as never);
    await client.datasets.createOrUpdate(RESOURCE_GROUP, F, 'T', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Db', type: 'LinkedServiceReference' } } } as never);
    await client.datasets.createOrUpdate(RESOURCE_GROUP, F, 'Out', { properties: { type: 'Json', linkedServiceName: { referenceName: 'Blob', type: 'LinkedServiceReference' } } } as never);
    await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'P', { properties: { parameters: { s: { type: 'SecureString' } }, activities: [{ name: 'c', type: 'Copy', inputs: [{ referenceName: 'T', type: 'DatasetReference' }], outputs: [{ referenceName: 'Out', type: 'DatasetReference' }] }] } } as never);
    const { runId } = await client.pipelines.createRun(RESOURCE_GROUP, F, 'P', { parameters: { s: 'Run-param-legacy' } });
    // the service's orchestrator queues the run's Copy as a job
    for (let i = 0; i < 100 && !(await db.query(`select 1 from ${schema}.jobs`)).rows.length; i++) await new Promise((r) => setTimeout(r, 100));
    await old.close();
    // what the service before this version kept: plaintext properties, jobs.payload in the clear, run parameters as given
    const [job] = (await db.query(`select id from ${schema}.jobs`)).rows as Array<{ id: string }>;
    const blob = { type: 'AzureBlobStorage', typeProperties: { connectionString: `AccountName=a;AccountKey=${key}` } };
    await db.query(`alter table ${schema}.jobs add column payload jsonb; alter table ${schema}.jobs drop column payload_sealed; alter table ${schema}.resources drop column sealed; drop table ${schema}.store_migration`);
    await db.query(`update ${schema}.resources set properties = $1 where lname = 'blob'`, [JSON.stringify(blob)]);
    await db.query(`update ${schema}.jobs set payload = $1`, [JSON.stringify({ factoryName: F, pipeline: { name: 'P', properties: {} }, linkedServices: [{ name: 'Blob', properties: blob }], datasets: [], parameters: { s: 'Run-param-legacy' } })]);
    await db.query(`update ${schema}.runs set parameters = $1`, [JSON.stringify({ s: 'Run-param-legacy' })]);

    old = await startTestService({ dataDir, postgres: PG_URL, postgresSchema: schema });
    client = armClient(old);
    try {
      const dump = (await db.query(`select string_agg(t::text, E'\\n') as d from (select r::text as t from ${schema}.resources r union all select j::text from ${schema}.jobs j union all select r::text from ${schema}.runs r) t`)).rows[0].d as string;
      expect(dump).not.toContain('Legacy-Acc0untKey');
      expect(dump).not.toContain('Run-param-legacy');
      const columns = (await db.query(`select column_name from information_schema.columns where table_schema = $1 and table_name = 'jobs'`, [schema])).rows.map((r) => r.column_name);
      expect(columns).toContain('payload_sealed');
      expect(columns).not.toContain('payload');
      expect((await client.linkedServices.get(RESOURCE_GROUP, F, 'Blob')).properties).toMatchObject({ connectionString: `AccountName=a;AccountKey=${MASK}` });
      expect((await client.pipelineRuns.get(RESOURCE_GROUP, F, runId)).parameters).toEqual({ s: MASK });
      // the job still goes out whole to its node
      const keys = await client.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW);
      const { client: n } = await node(keys.authKey1!, 'after-upgrade');
      const polled = await n.poll({ free: 1, waitSeconds: 0 });
      expect(polled.jobs.map((j) => [j.jobId, j.parameters, j.linkedServices[0]?.properties])).toEqual([[job!.id, { s: 'Run-param-legacy' }, blob]]);
    } finally {
      await old.close();
    }
  }, 60_000);
});
