/**
 * Test Connection through a factory's gateway, by way of the factory (POST …/testConnectivity, the route ADF's own
 * UI calls; management/testConnectivity.ts): used when the linked service's connectVia names a gateway other than
 * the one this machine's agent is registered as, and a factory of the connected factory service (or, signed in, of
 * Azure) has a gateway of that name with a node up (Online or Limited; one that only a Publish declared, with no node,
 * could not answer, so this machine's agent tests it as before). The definition goes as the editor has it (saved); the service encrypts a
 * plaintext secret in it for the gateway before anything is queued, and the node's connector answers.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { listSubscriptions } from '../../agent/management/subscriptions';
import { testConnectionRemote } from '../../agent/management/testConnectivity';
import type { TestConnectionResult } from '../../common/configManagerMessages';
import { resourceManagerEndpoint } from '../azure/azureAccount';
import { ext } from '../extensionVariables';
import { factoryServiceClient, resourceGroupOf, serviceConnection, type FactoryServiceConnection } from '../service/factoryServiceClient';

export interface ServiceGatewayTarget {
  conn: FactoryServiceConnection;
  resourceGroup: string;
  factory: string;
  gateway: string;
}

const pickKey = (factoryDir: string, gateway: string): string => `dmgw.testConnectionFactory:${factoryDir}:${gateway.toLowerCase()}`;

/** Where a gateway of that name is, when it is not this machine's: undefined means test from this machine. */
export async function serviceGatewayFor(factoryDir: string, gateway: string): Promise<ServiceGatewayTarget | undefined> {
  const local = ext.gateway.current.status;
  if (local?.registered && local.gateway?.toLowerCase() === gateway.toLowerCase()) return undefined;
  const conns: FactoryServiceConnection[] = [];
  const service = serviceConnection();
  if (service) conns.push(service);
  if (ext.azure.session) {
    const endpoint = resourceManagerEndpoint();
    const credential = ext.azure.credential();
    const client = await factoryServiceClient({ url: endpoint, subscription: '00000000-0000-0000-0000-000000000000', credential }).catch(() => undefined);
    const subs = client ? await listSubscriptions(client, endpoint).catch(() => []) : [];
    for (const s of subs) conns.push({ url: endpoint, subscription: s.subscriptionId, credential });
  }
  const found: ServiceGatewayTarget[] = [];
  for (const conn of conns) {
    try {
      const client = await factoryServiceClient(conn);
      for await (const f of client.factories.list()) {
        const resourceGroup = resourceGroupOf(f.id);
        const ir = await client.integrationRuntimes.get(resourceGroup, f.name!, gateway).catch(() => undefined);
        if (ir?.properties.type !== 'SelfHosted') continue;
        // a gateway with no node up (one a Publish only declared) cannot test anything: this machine tries instead
        const state = (await client.integrationRuntimes.getStatus(resourceGroup, f.name!, ir.name ?? gateway).catch(() => undefined))?.properties.state;
        if (state === 'Online' || state === 'Limited') found.push({ conn, resourceGroup, factory: f.name!, gateway: ir.name ?? gateway });
      }
    } catch (e) {
      ext.log.warn(`Test Connection: cannot look for gateway ${gateway} at ${conn.url}: ${(e as Error).message}`);
    }
  }
  if (found.length <= 1) return found[0];
  const state = ext.context.workspaceState;
  const remembered = state.get<string>(pickKey(factoryDir, gateway));
  const key = (t: ServiceGatewayTarget) => `${t.conn.url}|${t.conn.subscription}|${t.resourceGroup}|${t.factory}`;
  const hit = found.find((t) => key(t) === remembered);
  if (hit) return hit;
  const pick = await vscode.window.showQuickPick(
    found.map((t) => ({ label: t.factory, description: `${t.resourceGroup} · ${t.conn.url}`, t })),
    { title: `Test Connection through gateway ${gateway}`, placeHolder: `Several factories have a gateway ${gateway}: which one's nodes should test ${basename(factoryDir)}'s linked service?` },
  );
  if (!pick) return undefined;
  await state.update(pickKey(factoryDir, gateway), key(pick.t));
  return pick.t;
}

export async function testThroughService(target: ServiceGatewayTarget, name: string, properties: Record<string, unknown>): Promise<TestConnectionResult> {
  const started = Date.now();
  const client = await factoryServiceClient(target.conn);
  const scope = { client, resourceGroup: target.resourceGroup, factory: target.factory, endpoint: target.conn.url, azure: Boolean(target.conn.credential) && !/^https:\/\/127\.|localhost/.test(target.conn.url) };
  let result: TestConnectionResult;
  try {
    const r = await testConnectionRemote(scope, { linkedService: { name, properties } });
    const via = `through ${r.integrationRuntime ?? target.gateway}${r.nodeName ? ` on node ${r.nodeName}` : ''} (factory ${target.factory})`;
    result = { linkedService: name, ok: r.succeeded, message: `${r.message} — ${via}`, durationMs: r.durationMs ?? Date.now() - started };
  } catch (e) {
    const hint = (e as { hint?: string }).hint;
    result = { linkedService: name, ok: false, message: `${(e as Error).message}${hint ? ` — ${hint}` : ''}`, durationMs: Date.now() - started };
  }
  ext.log.info(`test connection ${name} through ${target.gateway} of ${target.factory} (${target.conn.url}): ${result.ok ? 'succeeded' : 'failed'}: ${result.message}`);
  return result;
}
