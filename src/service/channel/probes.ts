/**
 * The node's side of probes (interactive jobs, store/probes.ts): `POST /gateway/v1/probes/poll` — a long poll of
 * its own, which a host keeps open beside its job poll whatever its free slots — and `POST
 * /gateway/v1/probes/{probeId}/result` with the connector's answer under the probe's lease token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProbePollResponse } from '../../common/gateway/protocol.js';
import { checkProbePoll, checkProbeResult } from '../../common/gateway/protocolSchemas.js';
import { readBody } from '../http/body.js';
import { probeDoneKey, probeQueueKey } from '../queue/wakeups.js';
import { conflict, notFound } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import { authenticateNode, bearerOf, hashToken, revalidate } from './nodeAuth.js';

const RECHECK_MS = 500;
/** at most this many probes handed to one node per answer */
const PROBES_PER_POLL = 4;
const UUID = /^[0-9a-f-]{36}$/i;

export async function pollProbes(ctx: ServiceContext, req: IncomingMessage, res: ServerResponse): Promise<ProbePollResponse> {
  let node = await authenticateNode(ctx, req);
  const body = await readBody(req, checkProbePoll);
  const deadline = Date.now() + 1000 * Math.min(ctx.settings.pollWaitSeconds, body.waitSeconds ?? ctx.settings.pollWaitSeconds);
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const tokenHash = hashToken(bearerOf(req)!);
  for (;;) {
    await ctx.nodes.seen(node.id);
    if (!gone.signal.aborted) {
      const probes = await ctx.probes.acquire(node.gateway_id, node.id, PROBES_PER_POLL);
      if (probes.length) {
        ctx.log('info', `leased test connection ${probes.map((p) => `${p.probeId} (${p.linkedService})`).join(', ')} to node ${node.name}`);
        return { probes };
      }
    }
    const left = deadline - Date.now();
    if (left <= 0 || gone.signal.aborted || ctx.stopping.aborted) return { probes: [] };
    await ctx.wakeups.wait(probeQueueKey(node.gateway_id), Math.min(left, RECHECK_MS), AbortSignal.any([gone.signal, ctx.stopping]));
    node = await revalidate(ctx, tokenHash);
  }
}

export async function reportProbe(ctx: ServiceContext, req: IncomingMessage, probeId: string): Promise<Record<string, never>> {
  const node = await authenticateNode(ctx, req);
  if (!UUID.test(probeId)) throw notFound(`probe ${probeId} does not exist`, 'ProbeNotFound');
  const body = await readBody(req, checkProbeResult);
  const ok = await ctx.probes.report(probeId, node.id, body.leaseToken, { ok: body.ok, message: body.message, ...(body.code ? { code: body.code } : {}), durationMs: body.durationMs, nodeName: node.name });
  if (!ok) throw conflict(`probe ${probeId} is no longer leased to this node: its caller stopped waiting`, 'LeaseLost');
  ctx.wakeups.notify(probeDoneKey(probeId));
  return {};
}
