/** POST /gateway/v1/whoami: who the service takes the presenting node for; changes nothing (dmgw diagnose asks it). */
import type { IncomingMessage } from 'node:http';
import type { WhoamiResponse } from '../../common/gateway/protocol.js';
import type { ServiceContext } from '../context.js';
import { credentialTimes } from './credential.js';
import { authenticateNode } from './nodeAuth.js';

export async function whoami(ctx: ServiceContext, req: IncomingMessage): Promise<WhoamiResponse> {
  const node = await authenticateNode(ctx, req);
  req.resume();
  const g = (await ctx.gateways.byId(node.gateway_id))!;
  const f = await ctx.factories.get(g.factory_id);
  return {
    nodeName: node.name,
    gatewayName: g.name,
    factory: f?.name ?? '',
    keyName: node.key_name,
    keyGeneration: node.key_gen,
    concurrentJobsLimit: node.concurrent_jobs_limit,
    certificateThumbprint: node.certificate_thumbprint,
    ...credentialTimes(ctx, node.presented_expires_at, node.presented),
  };
}
