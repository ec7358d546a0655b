/**
 * What the VS Code extension's Azure tree asks of an ARM endpoint, against our service with the real
 * @azure/arm-datafactory client: the subscriptions (Microsoft.Resources, api-version 2022-12-01) and each
 * subscription's factories across resource groups (`factories.list()`).
 */
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSubscriptions } from '../../../src/agent/management/subscriptions.js';
import type { RunningService } from '../../../src/service/service.js';
import { adminCredential, armClient, startTestService, SUBSCRIPTION } from '../../support/factoryService.js';

let svc: RunningService;
const OTHER = '11111111-2222-3333-4444-555555555555';

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.close());

function clientFor(subscription: string): DataFactoryManagementClient {
  return new DataFactoryManagementClient(adminCredential(svc.adminTokenFile), subscription, { endpoint: svc.url, tlsOptions: { ca: readFileSync(svc.caCertFile, 'utf8') }, retryOptions: { maxRetries: 0 } });
}

describe('GET /subscriptions and subscription-level factories.list', () => {
  it('lists the default subscription on a fresh service', async () => {
    const subs = await listSubscriptions(armClient(svc), svc.url);
    expect(subs.map((s) => s.subscriptionId)).toEqual([SUBSCRIPTION]);
    expect(subs[0]!.state).toBe('Enabled');
  });

  it('lists every subscription that holds a factory, and each one\'s factories across resource groups', async () => {
    await armClient(svc).factories.createOrUpdate('rg-a', 'factory-a', { location: 'local' });
    await armClient(svc).factories.createOrUpdate('rg-b', 'factory-b', { location: 'local' });
    await clientFor(OTHER).factories.createOrUpdate('rg-other', 'factory-other', { location: 'local' });
    const subs = await listSubscriptions(armClient(svc), `${svc.url}/`);
    expect(subs.map((s) => s.subscriptionId).sort()).toEqual([SUBSCRIPTION, OTHER].sort());

    const names = async (sub: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const f of clientFor(sub).factories.list()) out.push(`${f.id!.split('/')[4]}/${f.name}`);
      return out.sort();
    };
    expect(await names(SUBSCRIPTION)).toEqual(['rg-a/factory-a', 'rg-b/factory-b']);
    expect(await names(OTHER)).toEqual(['rg-other/factory-other']);
  });

  it('refuses a wrong token and names the api-version it wants', async () => {
    const bad = new DataFactoryManagementClient({ getToken: async () => ({ token: 'not-the-admin-token', expiresOnTimestamp: Date.now() + 60_000 }) }, SUBSCRIPTION, { endpoint: svc.url, tlsOptions: { ca: readFileSync(svc.caCertFile, 'utf8') }, retryOptions: { maxRetries: 0 } });
    await expect(listSubscriptions(bad, svc.url)).rejects.toThrow(/HTTP 401: the bearer token is not this service's admin token/);
    const r = await armClient(svc).sendRequest(createPipelineRequest({ url: `${svc.url}/subscriptions?api-version=2018-06-01`, method: 'GET' }));
    expect(r.status).toBe(400);
    expect(r.bodyAsText).toContain("api-version '2018-06-01' is not supported; use 2022-12-01");
  });
});
