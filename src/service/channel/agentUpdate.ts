/**
 * What the service tells a node about agent updates: the newest published release when the node runs another
 * version (heartbeat answer), and the bundle itself (`GET /gateway/v1/agent/{version}`, node credential required).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import type { AgentUpdateOffer } from '../../common/gateway/agentRelease.js';
import { HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import type { NodeRow } from '../store/nodes.js';
import { authenticateNode } from './nodeAuth.js';

export async function updateOffer(ctx: ServiceContext, node: NodeRow, runningVersion: string): Promise<AgentUpdateOffer | undefined> {
  const latest = await ctx.releases.latest();
  if (!latest || latest.version === runningVersion) return undefined;
  const g = (await ctx.gateways.byId(node.gateway_id))!;
  return {
    version: latest.version,
    path: `${CHANNEL_PREFIX}/agent/${encodeURIComponent(latest.version)}`,
    sha256: latest.sha256,
    signature: latest.signature,
    size: latest.size,
    autoUpdate: g.auto_update !== 'Off',
    requested: g.upgrade_requested_at !== null,
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
