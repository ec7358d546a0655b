/**
 * What the service tells a node about agent updates (heartbeat answer): a published release with its signed manifest,
 * and the bundle itself (`GET /gateway/v1/agent/{version}`, node credential required).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import type { AgentUpdateOffer } from '../../common/gateway/agentRelease.js';
import { HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import type { RolloutAsk } from '../rollout/rollout.js';
import { authenticateNode } from './nodeAuth.js';

/**
 * The release a node is offered: the one its operator asked for (`dmgw update --to V`, sent as `wantedVersion`) when
 * the service has it, else the newest by SemVer when the node runs another version. The node decides whether to
 * install it — signature, trust, no downgrade — so offering never forces anything.
 */
export async function updateOffer(ctx: ServiceContext, runningVersion: string, wantedVersion: string | undefined, ask: RolloutAsk): Promise<AgentUpdateOffer | undefined> {
  const wanted = wantedVersion && wantedVersion !== runningVersion ? await ctx.releases.get(wantedVersion) : undefined;
  // the node a rollout asks gets the rollout's release, even when a newer one was published meanwhile
  const rolling = !wanted && ask.requested && ask.version ? await ctx.releases.get(ask.version) : undefined;
  const r = wanted ?? rolling ?? (await ctx.releases.latest());
  if (!r || r.version === runningVersion) return undefined;
  return {
    version: r.version,
    path: `${CHANNEL_PREFIX}/agent/${encodeURIComponent(r.version)}`,
    sha256: r.sha256,
    size: r.size,
    manifest: r.manifest.toString('base64'),
    signature: r.signature,
    // when: the rolling update (rollout/rollout.ts) asks one node at a time; whether: the node decides
    autoUpdate: ask.autoUpdate,
    requested: ask.requested,
  };
}

export async function sendAgentBundle(ctx: ServiceContext, req: IncomingMessage, res: ServerResponse, version: string): Promise<void> {
  const node = await authenticateNode(ctx, req);
  const bytes = await ctx.releases.bundle(version);
  if (!bytes) throw new HttpError(404, 'NotFound', `no agent release ${version}`);
  ctx.log('info', `node ${node.name} downloads agent ${version}`);
  res.writeHead(200, { 'content-type': 'application/javascript', 'content-length': bytes.length });
  res.end(bytes);
}
