/**
 * Gateways (self-hosted integration runtimes) of a factory, as library functions: what `dmgw gateway ...` prints
 * and what the VS Code extension's tree shows. All calls are @azure/arm-datafactory calls, so they work against our
 * factory service and against Azure; `gatewayCertificates` is our service's `listCertificates` action.
 */
import type { IntegrationRuntimeResource, SelfHostedIntegrationRuntimeNode, SelfHostedIntegrationRuntimeStatus } from '@azure/arm-datafactory';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { DmgwError } from '../../common/errors.js';
import type { KeyName } from '../../common/gateway/key.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { restErrorOf } from './armErrors.js';
import { call, type FactoryScope } from './scope.js';

export interface GatewayNode {
  name: string;
  /** Online / Limited / Offline / NeedRegistration (ADF's node statuses) */
  status: string;
  machineName?: string;
  version?: string;
  lastConnectTime?: string;
  concurrentJobsLimit?: number;
  runningJobs?: number;
  /** ours: the certificate the node registered with (credentials for it are encrypted for this) */
  certificateThumbprint?: string;
}

export interface GatewaySummary {
  name: string;
  type: string;
  description?: string;
  /** NeedRegistration / Online / Limited / Offline (Azure has more) */
  state: string;
  nodes: GatewayNode[];
}

export interface GatewayDetail extends GatewaySummary {
  id?: string;
  version?: string;
  createTime?: string;
  autoUpdate?: string;
  /** ours (not in Azure): the rolling update ARM `upgrade` started, and why it halted */
  rollout?: { status: string; version: string; currentNode?: string; updatedNodes: string[]; pendingNodes: string[]; reason?: string; startedAt?: string; endedAt?: string };
}

export interface GatewayKeys {
  authKey1: string;
  authKey2: string;
}

export interface GatewayCertificate {
  nodeName: string;
  thumbprint: string;
  /** PEM */
  certificate: string;
}

const iso = (d: Date | string | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);

function nodeOf(n: SelfHostedIntegrationRuntimeNode): GatewayNode {
  return {
    name: n.nodeName ?? '?',
    status: n.status ?? 'Unknown',
    machineName: n.machineName,
    version: n.version,
    lastConnectTime: iso(n.lastConnectTime),
    concurrentJobsLimit: n.concurrentJobsLimit,
    runningJobs: typeof n.runningJobs === 'number' ? n.runningJobs : undefined,
    certificateThumbprint: typeof n.certificateThumbprint === 'string' ? n.certificateThumbprint : undefined,
  };
}

async function statusOf(scope: FactoryScope, ir: IntegrationRuntimeResource): Promise<GatewayDetail> {
  const name = ir.name!;
  const st = await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.getStatus(scope.resourceGroup, scope.factory, name));
  const p = st.properties as SelfHostedIntegrationRuntimeStatus;
  return {
    name,
    id: ir.id,
    type: ir.properties.type,
    description: ir.properties.description,
    state: p.state ?? 'Unknown',
    version: p.version,
    createTime: iso(p.createTime),
    autoUpdate: p.autoUpdate,
    nodes: (p.nodes ?? []).map(nodeOf),
    ...((p as unknown as { rollout?: GatewayDetail['rollout'] }).rollout ? { rollout: (p as unknown as { rollout: GatewayDetail['rollout'] }).rollout } : {}),
  };
}

/** ARM `upgrade`: our service rolls the newest agent release over the gateway's nodes one at a time. */
export async function upgradeGateway(scope: FactoryScope, name: string): Promise<GatewayDetail> {
  await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.upgrade(scope.resourceGroup, scope.factory, name));
  return showGateway(scope, name);
}

export async function listGateways(scope: FactoryScope): Promise<GatewaySummary[]> {
  const irs = await call(scope, undefined, async () => {
    const all: IntegrationRuntimeResource[] = [];
    for await (const ir of scope.client.integrationRuntimes.listByFactory(scope.resourceGroup, scope.factory)) all.push(ir);
    return all;
  });
  return Promise.all(irs.filter((ir) => ir.properties.type === 'SelfHosted').map((ir) => statusOf(scope, ir)));
}

export async function showGateway(scope: FactoryScope, name: string): Promise<GatewayDetail> {
  const ir = await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.get(scope.resourceGroup, scope.factory, name));
  return statusOf(scope, ir);
}

/** Makes the factory when it does not exist yet (a new service has none). */
export async function ensureFactory(scope: FactoryScope, location: string): Promise<{ created: boolean }> {
  try {
    await scope.client.factories.get(scope.resourceGroup, scope.factory);
    return { created: false };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) await call(scope, undefined, () => Promise.reject(e));
  }
  await call(scope, undefined, () => scope.client.factories.createOrUpdate(scope.resourceGroup, scope.factory, { location }));
  return { created: true };
}

export async function createGateway(scope: FactoryScope, name: string, opts: { description?: string } = {}): Promise<GatewayDetail> {
  const ir = await call(scope, undefined, () =>
    scope.client.integrationRuntimes.createOrUpdate(scope.resourceGroup, scope.factory, name, { properties: { type: 'SelfHosted', ...(opts.description ? { description: opts.description } : {}) } }),
  );
  return statusOf(scope, ir);
}

/** Deletes the gateway; its nodes can no longer poll. A gateway that does not exist is an error, not a no-op. */
export async function removeGateway(scope: FactoryScope, name: string): Promise<void> {
  await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.get(scope.resourceGroup, scope.factory, name));
  await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.delete(scope.resourceGroup, scope.factory, name));
}

export async function gatewayKeys(scope: FactoryScope, name: string): Promise<GatewayKeys> {
  const k = await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.listAuthKeys(scope.resourceGroup, scope.factory, name));
  if (!k.authKey1 || !k.authKey2) throw new DmgwError('NO_KEYS', `the service returned no keys for gateway ${name}`, {});
  return { authKey1: k.authKey1, authKey2: k.authKey2 };
}

/** A new secret for one key: every node registered with the old one stops at its next poll. Returns the new key. */
export async function regenerateGatewayKey(scope: FactoryScope, name: string, keyName: KeyName): Promise<string> {
  const k = await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.regenerateAuthKey(scope.resourceGroup, scope.factory, name, { keyName }));
  const key = keyName === 'authKey1' ? k.authKey1 : k.authKey2;
  if (!key) throw new DmgwError('NO_KEYS', `the service did not return the regenerated ${keyName}`, {});
  return key;
}

/**
 * The certificates the gateway's nodes registered with (our service's `listCertificates` action; not in Azure):
 * a linked service's credentials are encrypted for one of them (`dmgw encrypt --cert`).
 */
export async function gatewayCertificates(scope: FactoryScope, name: string): Promise<GatewayCertificate[]> {
  const ir = await call(scope, { kind: 'gateway', name }, () => scope.client.integrationRuntimes.get(scope.resourceGroup, scope.factory, name));
  const url = `${scope.endpoint.replace(/\/+$/, '')}${ir.id}/listCertificates?api-version=${DATA_FACTORY_API_VERSION}`;
  const res = await call(scope, { kind: 'gateway', name }, async () => {
    const r = await scope.client.sendRequest(createPipelineRequest({ url, method: 'POST', headers: createHttpHeaders({ 'content-type': 'application/json' }), body: '{}' }));
    if (r.status === 200) return r;
    throw restErrorOf(r);
  }).catch((e: unknown) => {
    if (scope.azure && (e as { code?: string }).code === 'MANAGEMENT_FAILED') {
      throw new DmgwError('NO_CERTIFICATES', `Azure does not publish the certificates of gateway ${name}`, {}, 'encrypt on the gateway machine with `dmgw encrypt`');
    }
    throw e;
  });
  return ((JSON.parse(res.bodyAsText ?? '{}') as { value?: GatewayCertificate[] }).value ?? []).filter((c) => c.certificate);
}
