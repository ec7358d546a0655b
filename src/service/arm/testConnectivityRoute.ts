/**
 * `POST …/factories/{f}/testConnectivity`: Test Connection through the factory's gateway, the route ADF's own UI
 * calls (body `{linkedService: {name, properties}}`; here also `{linkedServiceName}` for a published one). The
 * linked service's `connectVia` names the gateway; the test goes to an Online node of it as a *probe*
 * (store/probes.ts) — a queue of its own that nodes serve outside their job slots, so it never waits behind copy
 * jobs — and the answer is the connector's own message. Plaintext secrets in a definition are encrypted for the
 * gateway's certificate first (encryptOnArrival), so the probe carries an EncryptedCredential only. No Online node:
 * 409 at once, never a wait.
 */
import { checkTestConnectivity } from '../../common/model/armBodySchemas.js';
import { gatewayOf } from '../../common/model/gateway.js';
import type { LinkedService } from '../../common/model/types.js';
import type { NamedResource } from '../../common/gateway/protocol.js';
import { readBody } from '../http/body.js';
import { badRequest, conflict } from '../http/httpError.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { collectResources } from '../queue/jobPlan.js';
import { probeDoneKey, probeQueueKey } from '../queue/wakeups.js';
import { nodeStatus } from '../status/nodeStatus.js';
import type { ProbeResult } from '../store/probes.js';
import { encryptOnArrival } from './encryptOnArrival.js';
import { FACTORY_PATH } from './ids.js';
import { childOf, factoryOf, gatewayOfIr, refuseEchoedMask } from './lookup.js';

/** How long a probe may wait for a node to take it before the answer says so. */
export const PROBE_PICKUP_SECONDS = 15;
const CHECK_MS = 250;


export interface TestConnectivityAnswer {
  succeeded: boolean;
  /** the connector's own message */
  message: string;
  errors: Array<{ code: string; message: string }>;
  linkedService: string;
  integrationRuntime: string;
  nodeName?: string;
  durationMs: number;
}

export function testConnectivityRoutes(router: Router, ctx: ServiceContext): void {
  router.add('POST', `${FACTORY_PATH}/testConnectivity`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const body = await readBody(req, checkTestConnectivity);
    let name: string;
    let properties: Record<string, unknown>;
    if (body.linkedService) {
      name = body.linkedService.name ?? 'linkedService';
      refuseEchoedMask('linkedservices', body.linkedService.properties);
      properties = body.linkedService.properties;
    } else if (body.linkedServiceName) {
      const row = await childOf(ctx, f, 'linkedservices', body.linkedServiceName);
      name = row.name;
      properties = ctx.resources.opened(row);
    } else throw badRequest('the body names no linked service: send {"linkedService": {"name", "properties"}} or {"linkedServiceName": "NAME"}', 'BadRequest', 'linkedService');
    const gw = gatewayOf({ kind: 'linkedService', name, file: '', properties } as unknown as LinkedService);
    if (!gw) throw badRequest(`linked service '${name}' has no connectVia, so no gateway of this factory reaches it: add "connectVia": {"referenceName": "<integration runtime>", "type": "IntegrationRuntimeReference"}`, 'NoIntegrationRuntime', 'properties.connectVia');
    const { ir, gateway } = await gatewayOfIr(ctx, f, gw.name);
    const nodes = await ctx.nodes.list(gateway.id);
    if (!nodes.some((n) => nodeStatus(n, ctx.settings) === 'Online')) {
      const seen = nodes.map((n) => `${n.name} (${nodeStatus(n, ctx.settings)})`).join(', ');
      throw conflict(`integration runtime '${ir.name}' has no Online node${seen ? `: ${seen}` : ''} — start its host (dmgw start) or register a node with one of its keys (dmgw register KEY)`, 'IntegrationRuntimeOffline');
    }
    // a definition's plaintext secret: encrypted for the gateway's certificate before anything is queued (as a PUT stores it)
    if (body.linkedService) properties = await encryptOnArrival(ctx, f, name, properties);
    // the linked services it references (a Key Vault for its secret) go along, as in a job
    const plan = await collectResources(ctx.resources, f.id, `linked service "${name}"`, properties);
    if (!plan.ok) throw badRequest(plan.message, 'ReferenceNotFound');
    const linkedServices: NamedResource[] = [{ name, properties }, ...plan.linkedServices.filter((l) => l.name.toLowerCase() !== name.toLowerCase())];
    const timeoutSeconds = body.timeoutSeconds ?? 30;
    const id = await ctx.probes.enqueue(gateway.id, { kind: 'test-connection', factoryName: f.name, linkedService: name, linkedServices, timeoutSeconds });
    ctx.wakeups.notify(probeQueueKey(gateway.id));
    const r = await answerOf(ctx, id, timeoutSeconds);
    ctx.log('info', `test connection of ${f.name}/${name} through ${ir.name}${r.nodeName ? ` on node ${r.nodeName}` : ''}: ${r.ok ? 'succeeded' : `failed${r.code ? ` (${r.code})` : ''}`}`);
    const answer: TestConnectivityAnswer = {
      succeeded: r.ok,
      message: r.message,
      errors: r.ok ? [] : [{ code: r.code ?? 'TestConnectionFailed', message: r.message }],
      linkedService: name,
      integrationRuntime: ir.name,
      ...(r.nodeName ? { nodeName: r.nodeName } : {}),
      durationMs: r.durationMs,
    };
    return { status: 200, body: answer };
  });
}

/** Waits for the node's answer; a probe no node took in PROBE_PICKUP_SECONDS, or that its node did not answer in time, ends saying so. */
async function answerOf(ctx: ServiceContext, id: string, timeoutSeconds: number): Promise<ProbeResult> {
  const started = Date.now();
  const pickupBy = started + PROBE_PICKUP_SECONDS * 1000;
  const answerBy = started + (PROBE_PICKUP_SECONDS + timeoutSeconds + 5) * 1000;
  for (;;) {
    const p = await ctx.probes.get(id);
    if (p?.status === 'done' && p.result) return p.result;
    const now = Date.now();
    const late = p?.status === 'queued' && now > pickupBy ? `no node of the integration runtime took the test within ${PROBE_PICKUP_SECONDS} s (are its hosts running a version with Test Connection through the service?)` : now > answerBy ? `the node took the test but did not answer within ${Math.round((answerBy - started) / 1000)} s` : undefined;
    if (late || ctx.stopping.aborted) {
      const result: ProbeResult = { ok: false, code: 'TestConnectionTimedOut', message: late ?? 'the service is stopping', durationMs: now - started };
      await ctx.probes.finish(id, result);
      const after = await ctx.probes.get(id);
      return after?.result ?? result;
    }
    await ctx.wakeups.wait(probeDoneKey(id), CHECK_MS, ctx.stopping);
  }
}
