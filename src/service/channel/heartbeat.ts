/** POST /gateway/v1/heartbeat: what the node runs on and how busy it is; answers with the timings, its limit and when to renew its credential. */
import type { IncomingMessage } from 'node:http';
import type { HeartbeatResponse } from '../../common/gateway/protocol.js';
import { checkHeartbeat } from '../../common/gateway/protocolSchemas.js';
import { readBody } from '../http/body.js';
import type { ServiceContext } from '../context.js';
import { nodeStatus } from '../status/nodeStatus.js';
import { rolloutStep } from '../rollout/rollout.js';
import { updateOffer } from './agentUpdate.js';
import { credentialTimes } from './credential.js';
import { authenticateNode } from './nodeAuth.js';

export async function heartbeat(ctx: ServiceContext, req: IncomingMessage): Promise<HeartbeatResponse> {
  const node = await authenticateNode(ctx, req);
  const b = await readBody(req, checkHeartbeat);
  await ctx.nodes.heartbeat(node.id, {
    machine: b.machine,
    runningJobs: b.runningJobs?.length ?? 0,
    cpuPercent: b.cpuPercent ?? 0,
    availableMemoryMb: b.availableMemoryMb ?? 0,
    upgradingTo: b.upgradingTo ?? null,
  });
  const ask = await rolloutStep(ctx, node, { machine: b.machine, upgradingTo: b.upgradingTo, updateNotice: b.updateNotice });
  const update = await updateOffer(ctx, b.machine.version, b.wantedVersion, ask);
  return {
    settings: ctx.settings,
    concurrentJobsLimit: node.concurrent_jobs_limit,
    status: nodeStatus({ seen_ago: 0, credential_valid: true }, ctx.settings),
    ...(update ? { update } : {}),
    credential: credentialTimes(ctx, node.presented_expires_at, node.presented),
  };
}
