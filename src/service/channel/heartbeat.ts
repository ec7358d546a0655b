/** POST /gateway/v1/heartbeat: what the node runs on and how busy it is; answers with the timings and its limit. */
import type { IncomingMessage } from 'node:http';
import type { HeartbeatRequest, HeartbeatResponse } from '../../common/gateway/protocol.js';
import { badRequest } from '../http/httpError.js';
import { readJson } from '../http/json.js';
import type { ServiceContext } from '../context.js';
import { nodeStatus } from '../status/nodeStatus.js';
import { updateOffer } from './agentUpdate.js';
import { authenticateNode } from './nodeAuth.js';

export async function heartbeat(ctx: ServiceContext, req: IncomingMessage): Promise<HeartbeatResponse> {
  const node = await authenticateNode(ctx, req);
  const b = ((await readJson(req)) ?? {}) as Partial<HeartbeatRequest>;
  if (!b.machine || typeof b.machine.machineName !== 'string') throw badRequest('"machine" is required', 'BadRequest', 'machine');
  await ctx.nodes.heartbeat(node.id, {
    machine: b.machine,
    runningJobs: Array.isArray(b.runningJobs) ? b.runningJobs.length : 0,
    cpuPercent: Number(b.cpuPercent ?? 0),
    availableMemoryMb: Number(b.availableMemoryMb ?? 0),
    upgradingTo: typeof b.upgradingTo === 'string' ? b.upgradingTo : null,
  });
  const update = await updateOffer(ctx, node, b.machine.version);
  // A requested upgrade is done once every node of the gateway runs the newest release.
  if (!update) await ctx.gateways.upgradeDone(node.gateway_id, b.machine.version);
  return { settings: ctx.settings, concurrentJobsLimit: node.concurrent_jobs_limit, status: nodeStatus({ seen_ago: 0, credential_valid: true }, ctx.settings), ...(update ? { update } : {}) };
}
