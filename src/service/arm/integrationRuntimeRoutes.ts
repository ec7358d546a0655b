/**
 * Integration runtimes (SelfHosted only: this service runs work on gateways): CRUD, getStatus, listAuthKeys,
 * regenerateAuthKey, monitoringData, upgrade, getConnectionInfo; plus listCertificates (ours: the certificates
 * nodes registered with, which the extension encrypts credentials for).
 */
import { formatGatewayKey, type KeyName } from '../../common/gateway/key.js';
import { VERSION } from '../../common/version.js';
import { badRequest } from '../http/httpError.js';
import { checkIntegrationRuntimePatch, checkIntegrationRuntimePut, checkRegenerateAuthKey } from '../../common/model/armBodySchemas.js';
import { readBody } from '../http/body.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import type { FactoryRow } from '../store/factories.js';
import type { GatewayRow } from '../store/gateways.js';
import { gatewayState } from '../status/nodeStatus.js';
import { rolloutView, startRollout } from '../rollout/rollout.js';
import { FACTORY_PATH, factoryId } from './ids.js';
import { checkName, childOf, factoryOf, gatewayOfIr, refuseEchoedMask } from './lookup.js';
import { entity, entityForGet, preconditionFailed, writeConditionOf } from './etag.js';
import { childJson, irStatusJson, nodeJson } from './shapes.js';

const LIST = `${FACTORY_PATH}/integrationRuntimes`;
const ITEM = `${LIST}/{name}`;

export function integrationRuntimeRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', LIST, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    return { status: 200, body: { value: (await ctx.resources.list(f.id, 'integrationRuntimes')).map((r) => childJson(f, r)) } };
  });
  router.add('PUT', ITEM, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    checkName('integrationRuntimes', params.name!);
    const props = (await readBody(req, checkIntegrationRuntimePut)).properties;
    if (props.type !== 'SelfHosted') throw badRequest(`integration runtime type '${String(props.type)}' is not supported here: this service runs work on self-hosted gateways; use "type": "SelfHosted"`, 'BadRequest', 'properties.type');
    refuseEchoedMask('integrationRuntimes', props);
    const cond = writeConditionOf(req);
    const row = await ctx.resources.upsert(f.id, 'integrationRuntimes', params.name!, props, cond);
    if (!row) throw preconditionFailed(`integration runtime '${params.name}'`, cond, (await ctx.resources.get(f.id, 'integrationRuntimes', params.name!))?.etag);
    await ctx.gateways.ensure(f.id, row.name);
    return entity(childJson(f, row), row.etag);
  });
  router.add('GET', ITEM, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const row = await childOf(ctx, f, 'integrationRuntimes', params.name!);
    return entityForGet(req, row.etag, () => childJson(f, row));
  });
  router.add('PATCH', ITEM, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const { ir, gateway } = await gatewayOfIr(ctx, f, params.name!);
    const body = await readBody(req, checkIntegrationRuntimePatch);
    // The update is a write to the IR: a new etag, taken first so that of two writers holding one etag only one applies.
    const cond = writeConditionOf(req);
    const row = await ctx.resources.touch(f.id, 'integrationRuntimes', ir.name, cond);
    if (!row) throw preconditionFailed(`integration runtime '${ir.name}'`, cond, (await ctx.resources.get(f.id, 'integrationRuntimes', ir.name))?.etag);
    await ctx.gateways.update(gateway.id, body.autoUpdate, body.updateDelayOffset);
    return entity(childJson(f, row), row.etag);
  });
  router.add('DELETE', ITEM, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const g = await ctx.gateways.get(f.id, params.name!);
    const existed = !!(await ctx.resources.get(f.id, 'integrationRuntimes', params.name!));
    if (g) {
      const ended = await ctx.gateways.delete(g);
      ctx.log('info', `integration runtime ${f.name}/${g.name} deleted with its nodes${ended ? `; ${ended} unfinished run(s) failed` : ''}`);
    } else await ctx.resources.delete(f.id, 'integrationRuntimes', params.name!);
    return { status: existed || g ? 200 : 204 };
  });
  router.add('POST', `${ITEM}/getStatus`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { ir, gateway } = await gatewayOfIr(ctx, f, params.name!);
    const nodes = await ctx.nodes.list(gateway.id);
    const leased = await ctx.jobs.leasedByNode(gateway.id);
    const state = gatewayState(nodes, ctx.settings);
    const latest = (await ctx.releases.latest())?.version ?? VERSION;
    const rollout = await rolloutView(ctx, gateway.id);
    return { status: 200, body: irStatusJson(f.name, ir.name, gateway, state, nodes.map((n) => nodeJson(n, ctx.settings, leased.get(n.id) ?? 0, latest)), ctx.publicUrl, latest, rollout) };
  });
  router.add('POST', `${ITEM}/listAuthKeys`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    return { status: 200, body: authKeys(ctx, f, gateway) };
  });
  router.add('POST', `${ITEM}/regenerateAuthKey`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const { keyName } = await readBody(req, checkRegenerateAuthKey);
    const g = await ctx.gateways.regenerate(gateway.id, keyName);
    ctx.log('info', `gateway ${f.name}/${g.name}: ${keyName} regenerated; node credentials issued under it are revoked`);
    const keys = authKeys(ctx, f, g);
    // ADF answers with the regenerated key only.
    return { status: 200, body: keyName === 'authKey1' ? { authKey1: keys.authKey1 } : { authKey2: keys.authKey2 } };
  });
  router.add('POST', `${ITEM}/monitoringData`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { ir, gateway } = await gatewayOfIr(ctx, f, params.name!);
    const leased = await ctx.jobs.leasedByNode(gateway.id);
    const nodes = (await ctx.nodes.list(gateway.id)).map((n) => ({
      nodeName: n.name,
      availableMemoryInMB: n.available_memory_mb ?? undefined,
      cpuUtilization: n.cpu_percent === null ? undefined : Math.round(n.cpu_percent),
      concurrentJobsLimit: n.concurrent_jobs_limit,
      concurrentJobsRunning: leased.get(n.id) ?? 0,
      maxConcurrentJobs: n.max_concurrent_jobs,
      // the node's data traffic: what its Copy activities wrote to sinks (sent) and read from sources (received)
      sentBytes: Number(n.bytes_written),
      receivedBytes: Number(n.bytes_read),
    }));
    return { status: 200, body: { name: ir.name, nodes } };
  });
  router.add('POST', `${ITEM}/upgrade`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const rollout = await startRollout(ctx, gateway.id);
    if (!rollout) ctx.log('warn', `upgrade of gateway ${f.name}/${gateway.name}: no agent release is published, nothing to roll out`);
    return { status: 200 };
  });
  router.add('POST', `${ITEM}/getConnectionInfo`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const nodes = await ctx.nodes.list(gateway.id);
    return { status: 200, body: { hostServiceUri: ctx.publicUrl, identityCertThumbprint: nodes[0]?.certificate_thumbprint, version: VERSION, publicKey: nodes[0]?.certificate_pem, isIdentityCertExprired: false } };
  });
  router.add('POST', `${ITEM}/listCertificates`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const nodes = await ctx.nodes.list(gateway.id);
    return { status: 200, body: { value: nodes.filter((n) => n.credential_valid).map((n) => ({ nodeName: n.name, thumbprint: n.certificate_thumbprint, certificate: n.certificate_pem })) } };
  });
}

function authKeys(ctx: ServiceContext, f: FactoryRow, g: GatewayRow): { authKey1: string; authKey2: string } {
  const key = (k: KeyName) =>
    formatGatewayKey({ v: 1, url: ctx.publicUrl, factory: factoryId(f), gateway: g.name, gatewayId: g.id, fingerprint: ctx.fingerprint, key: k, gen: ctx.gateways.generationOf(g, k), secret: ctx.gateways.secretOf(g, k) });
  return { authKey1: key('authKey1'), authKey2: key('authKey2') };
}
