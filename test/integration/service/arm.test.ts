/**
 * The ARM surface of the factory service, driven by the real @azure/arm-datafactory client: what it sends and what
 * it gets back (status codes, bodies, ARM-shaped errors) is what Azure's own client sees.
 */
import type { DataFactoryManagementClient, SelfHostedIntegrationRuntimeStatus } from '@azure/arm-datafactory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayKey } from '../../../src/common/gateway/key.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, restError } from '../../support/factoryService.js';

let svc: RunningService;
let client: DataFactoryManagementClient;
const F = 'factory-arm';
const statuses: number[] = [];
const onResponse = (r: { status: number }) => void statuses.push(r.status);
const lastStatus = () => statuses[statuses.length - 1];

beforeAll(async () => {
  svc = await startTestService();
  client = armClient(svc);
});
afterAll(async () => svc?.close());

describe('factories', () => {
  it('creates, gets, lists and deletes a factory', async () => {
    const created = await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope', tags: { team: 'data' } }, { onResponse });
    expect(lastStatus()).toBe(200);
    expect(created.name).toBe(F);
    expect(created.type).toBe('Microsoft.DataFactory/factories');
    expect(created.id).toBe(`/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${F}`);
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.createTime).toBeInstanceOf(Date);
    expect(created.tags).toEqual({ team: 'data' });
    const got = await client.factories.get(RESOURCE_GROUP, F.toUpperCase());
    expect(got.name).toBe(F);
    const names: string[] = [];
    for await (const f of client.factories.listByResourceGroup(RESOURCE_GROUP)) names.push(f.name!);
    expect(names).toContain(F);
    await client.factories.createOrUpdate(RESOURCE_GROUP, 'doomed', { location: 'x' });
    await client.factories.delete(RESOURCE_GROUP, 'doomed', { onResponse });
    expect(lastStatus()).toBe(200);
    await client.factories.delete(RESOURCE_GROUP, 'doomed', { onResponse });
    expect(lastStatus()).toBe(204);
  });

  it('answers a missing factory with an ARM 404', async () => {
    const e = await restError(client.factories.get(RESOURCE_GROUP, 'nope'));
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('ResourceNotFound');
    expect(e.message).toContain("'Microsoft.DataFactory/factories/nope'");
  });

  it('refuses a client without the admin token and a wrong api-version', async () => {
    const stranger = armClient(svc, { getToken: async () => ({ token: 'wrong', expiresOnTimestamp: Date.now() + 60_000 }) });
    const e = await restError(stranger.factories.get(RESOURCE_GROUP, F));
    expect(e.statusCode).toBe(401);
    expect(e.code).toBe('AuthenticationFailed');
    const res = await fetchService(`/subscriptions/s/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${F}?api-version=2017-09-01-preview`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'InvalidApiVersionParameter', message: expect.stringContaining('2018-06-01') } });
  });
});

describe('integration runtimes', () => {
  beforeAll(async () => {
    await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope' });
  });

  it('creates a SelfHosted IR, gets it, lists it, reports NeedRegistration', async () => {
    const ir = await client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, 'onprem-gw', { properties: { type: 'SelfHosted', description: 'next to the database' } }, { onResponse });
    expect(lastStatus()).toBe(200);
    expect(ir.name).toBe('onprem-gw');
    expect(ir.properties.type).toBe('SelfHosted');
    expect(ir.properties.description).toBe('next to the database');
    const got = await client.integrationRuntimes.get(RESOURCE_GROUP, F, 'ONPREM-GW');
    expect(got.id).toMatch(/\/integrationruntimes\/onprem-gw$/);
    const all = [];
    for await (const x of client.integrationRuntimes.listByFactory(RESOURCE_GROUP, F)) all.push(x.name);
    expect(all).toEqual(['onprem-gw']);
    const status = await client.integrationRuntimes.getStatus(RESOURCE_GROUP, F, 'onprem-gw');
    const p = status.properties as SelfHostedIntegrationRuntimeStatus;
    expect(p.type).toBe('SelfHosted');
    expect(p.state).toBe('NeedRegistration');
    expect(p.dataFactoryName).toBe(F);
    expect(p.nodes).toEqual([]);
    expect(p.serviceUrls).toEqual([svc.url]);
  });

  it('refuses a Managed IR with an ARM 400', async () => {
    const e = await restError(client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, 'azure-ir', { properties: { type: 'Managed' } }));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain('SelfHosted');
  });

  it('lists two keys carrying url, gateway and pinned fingerprint; regenerating one changes only it', async () => {
    const keys = await client.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, 'onprem-gw', { onResponse });
    expect(lastStatus()).toBe(200);
    const k1 = parseGatewayKey(keys.authKey1!);
    const k2 = parseGatewayKey(keys.authKey2!);
    expect(k1).toMatchObject({ url: svc.url, gateway: 'onprem-gw', key: 'authKey1', gen: 1, fingerprint: svc.fingerprint });
    expect(k2.key).toBe('authKey2');
    expect(k1.secret).not.toBe(k2.secret);
    const regen = await client.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, F, 'onprem-gw', { keyName: 'authKey2' });
    expect(regen.authKey1).toBeUndefined();
    const k2b = parseGatewayKey(regen.authKey2!);
    expect(k2b.gen).toBe(2);
    expect(k2b.secret).not.toBe(k2.secret);
    const after = await client.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, 'onprem-gw');
    expect(after.authKey1).toBe(keys.authKey1);
    expect(after.authKey2).toBe(regen.authKey2);
    const e = await restError(client.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, F, 'onprem-gw', { keyName: 'authKey3' as 'authKey1' }));
    expect(e.statusCode).toBe(400);
  });

  it('updates autoUpdate, answers monitoringData and upgrade, 404s a missing node, deletes', async () => {
    await client.integrationRuntimes.update(RESOURCE_GROUP, F, 'onprem-gw', { autoUpdate: 'Off' }, { onResponse });
    expect(lastStatus()).toBe(200);
    const st = (await client.integrationRuntimes.getStatus(RESOURCE_GROUP, F, 'onprem-gw')).properties as SelfHostedIntegrationRuntimeStatus;
    expect(st.autoUpdate).toBe('Off');
    const mon = await client.integrationRuntimes.getMonitoringData(RESOURCE_GROUP, F, 'onprem-gw');
    expect(mon).toEqual({ name: 'onprem-gw', nodes: [] });
    await client.integrationRuntimes.upgrade(RESOURCE_GROUP, F, 'onprem-gw', { onResponse });
    expect(lastStatus()).toBe(200);
    const e = await restError(client.integrationRuntimeNodes.get(RESOURCE_GROUP, F, 'onprem-gw', 'node-x'));
    expect(e.statusCode).toBe(404);
    expect(e.message).toContain("Node 'node-x'");
    await client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, 'temp-gw', { properties: { type: 'SelfHosted' } });
    await client.integrationRuntimes.delete(RESOURCE_GROUP, F, 'temp-gw', { onResponse });
    expect(lastStatus()).toBe(200);
    const gone = await restError(client.integrationRuntimes.getStatus(RESOURCE_GROUP, F, 'temp-gw'));
    expect(gone.statusCode).toBe(404);
  });
});

describe('linked services, datasets, pipelines and runs', () => {
  beforeAll(async () => {
    await client.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'westeurope' });
    await client.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, 'onprem-gw', { properties: { type: 'SelfHosted' } });
  });

  it('round-trips a linked service (typeProperties on the wire) and hides SecureString values', async () => {
    // a plaintext password for a gateway with no node yet: nothing to encrypt it for, so it is refused
    const refused = await restError(
      client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'OnPremPostgres', { properties: { type: 'PostgreSql', connectionString: { type: 'SecureString', value: 'Host=db;Database=sales;User Id=app;Password=hunter2hunter2' }, connectVia: { referenceName: 'onprem-gw', type: 'IntegrationRuntimeReference' } } as never }),
    );
    expect([refused.statusCode, refused.code]).toEqual([400, 'GatewayCertificateMissing']);
    expect(refused.message).toContain('dmgw encrypt');
    expect(refused.message).not.toContain('hunter2');
    const ls = await client.linkedServices.createOrUpdate(
      RESOURCE_GROUP,
      F,
      'OnPremPostgres',
      { properties: { type: 'PostgreSql', connectionString: { type: 'SecureString', value: 'Host=db;Database=sales;User Id=app' }, connectVia: { referenceName: 'onprem-gw', type: 'IntegrationRuntimeReference' } } as never },
      { onResponse: (r) => statuses.push(r.status) },
    );
    expect(lastStatus()).toBe(200);
    expect(ls.name).toBe('OnPremPostgres');
    expect(ls.etag).toBeTruthy();
    const raw: string[] = [];
    const got = await client.linkedServices.get(RESOURCE_GROUP, F, 'onprempostgres', { onResponse: (r) => void raw.push(r.bodyAsText ?? '') });
    expect(raw[0]).toContain('"typeProperties":{"connectionString":{"type":"SecureString","value":"**********"}}');
    expect(raw[0]).not.toContain('Host=db');
    expect((got.properties as { connectVia?: { referenceName: string } }).connectVia?.referenceName).toBe('onprem-gw');
    await client.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Lake', { properties: { type: 'AzureBlobStorage', connectionString: 'UseDevelopmentStorage=true' } as never });
    const names = [];
    for await (const x of client.linkedServices.listByFactory(RESOURCE_GROUP, F)) names.push(x.name);
    expect(names).toEqual(['Lake', 'OnPremPostgres']);
  });

  it('round-trips datasets and pipelines, deletes, and 404s what is gone', async () => {
    await client.datasets.createOrUpdate(RESOURCE_GROUP, F, 'Orders', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'OnPremPostgres', type: 'LinkedServiceReference' }, tableName: 'orders' } as never });
    await client.datasets.createOrUpdate(RESOURCE_GROUP, F, 'OrdersCsv', {
      properties: { type: 'DelimitedText', linkedServiceName: { referenceName: 'Lake', type: 'LinkedServiceReference' }, location: { type: 'AzureBlobStorageLocation', container: 'out', fileName: 'orders.csv' } } as never,
    });
    const ds = await client.datasets.get(RESOURCE_GROUP, F, 'Orders');
    expect(ds.properties.type).toBe('PostgreSqlTable');
    const p = await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'CopyOrders', {
      activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Orders', type: 'DatasetReference' }], outputs: [{ referenceName: 'OrdersCsv', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink' } } as never],
      parameters: { day: { type: 'String', defaultValue: '2026-01-01' } },
    });
    expect(p.activities?.[0]?.name).toBe('Copy');
    const pl = await client.pipelines.get(RESOURCE_GROUP, F, 'copyorders');
    expect(pl.parameters?.day?.defaultValue).toBe('2026-01-01');
    await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'Temp', { activities: [] });
    await client.pipelines.delete(RESOURCE_GROUP, F, 'Temp', { onResponse });
    expect(lastStatus()).toBe(200);
    const e = await restError(client.pipelines.get(RESOURCE_GROUP, F, 'Temp'));
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('ResourceNotFound');
    const e2 = await restError(client.datasets.createOrUpdate(RESOURCE_GROUP, F, 'bad.name', { properties: { type: 'Json', linkedServiceName: { referenceName: 'Lake', type: 'LinkedServiceReference' } } as never }));
    expect(e2.statusCode).toBe(400);
    expect(e2.code).toBe('InvalidResourceName');
  });

  it('creates a run that waits in the queue, gets it, queries it, cancels it', async () => {
    const { runId } = await client.pipelines.createRun(RESOURCE_GROUP, F, 'CopyOrders', { parameters: { day: '2026-05-01' }, onResponse });
    expect(lastStatus()).toBe(200);
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const run = await client.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    // the service orchestrates it at once: Queued, then InProgress while its Copy waits in the queue for a node
    expect(run).toMatchObject({ runId, pipelineName: 'CopyOrders', parameters: { day: '2026-05-01' } });
    expect(['Queued', 'InProgress']).toContain(run.status);
    const q = await client.pipelineRuns.queryByFactory(RESOURCE_GROUP, F, {
      lastUpdatedAfter: new Date(Date.now() - 60_000),
      lastUpdatedBefore: new Date(Date.now() + 60_000),
      filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['CopyOrders'] }],
    });
    expect(q.value.map((r) => r.runId)).toContain(runId);
    const none = await client.pipelineRuns.queryByFactory(RESOURCE_GROUP, F, {
      lastUpdatedAfter: new Date(Date.now() - 60_000),
      lastUpdatedBefore: new Date(Date.now() + 60_000),
      filters: [{ operand: 'Status', operator: 'Equals', values: ['Succeeded'] }],
    });
    expect(none.value).toEqual([]);
    await client.pipelineRuns.cancel(RESOURCE_GROUP, F, runId, { onResponse });
    expect(lastStatus()).toBe(200);
    const cancelled = await client.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    expect(cancelled.status).toBe('Cancelled');
    expect(cancelled.runEnd).toBeInstanceOf(Date);
    // its Copy had been queued for a node: its activity run ends Cancelled too, as in ADF
    const acts = await client.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts.value.map((a) => [a.activityName, a.status, a.error?.errorCode])).toEqual([['Copy', 'Cancelled', 'CANCELLED']]);
  });

  it('records a run with no gateway to go to as Failed, saying why; 404s unknown pipelines and runs', async () => {
    await client.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'CloudOnly', {
      activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'OrdersCsv', type: 'DatasetReference' }], outputs: [{ referenceName: 'OrdersCsv', type: 'DatasetReference' }] } as never],
    });
    const { runId } = await client.pipelines.createRun(RESOURCE_GROUP, F, 'CloudOnly');
    // the service's orchestrator fails the Copy when it finds no gateway for it
    let run = await client.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    for (let i = 0; i < 50 && !['Succeeded', 'Failed', 'Cancelled'].includes(run.status!); i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await client.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    }
    expect(run.status).toBe('Failed');
    expect(run.message).toContain('self-hosted integration runtime');
    const e = await restError(client.pipelines.createRun(RESOURCE_GROUP, F, 'NoSuchPipeline'));
    expect(e.statusCode).toBe(404);
    const e2 = await restError(client.pipelineRuns.get(RESOURCE_GROUP, F, '6f1e3b0c-0000-4000-8000-000000000000'));
    expect(e2.statusCode).toBe(404);
    expect(e2.code).toBe('PipelineRunNotFound');
  });
});

async function fetchService(path: string): Promise<{ status: number; body: unknown }> {
  const { request } = await import('node:https');
  const token = (await import('node:fs')).readFileSync(svc.adminTokenFile, 'utf8').trim();
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { ca: svc.caCertPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}
