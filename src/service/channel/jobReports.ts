/** Lease renewal, run events and the final result of a job, each under the job's lease token. */
import type { IncomingMessage } from 'node:http';
import type { LeaseResponse, ResultResponse } from '../../common/gateway/protocol.js';
import { checkEvents, checkLease, checkResult } from '../../common/gateway/protocolSchemas.js';
import type { BodyCheck } from '../../common/validate/bodyCheck.js';
import { readBody } from '../http/body.js';
import { conflict, notFound } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import { LeaseLost } from '../store/jobs.js';
import { authenticateNode } from './nodeAuth.js';

const UUID = /^[0-9a-f-]{36}$/i;

/** Authenticates the node, checks the body against its schema (a 400 naming the field), then runs `fn` under the lease. */
async function underLease<B extends { leaseToken: string }, T>(ctx: ServiceContext, req: IncomingMessage, jobId: string, check: BodyCheck<B>, fn: (nodeId: string, body: B) => Promise<T>): Promise<T> {
  const node = await authenticateNode(ctx, req);
  if (!UUID.test(jobId)) throw notFound(`job ${jobId} does not exist`, 'JobNotFound');
  const body = await readBody(req, check);
  await ctx.nodes.seen(node.id);
  try {
    return await fn(node.id, body);
  } catch (e) {
    if (e instanceof LeaseLost) throw conflict(`${e.message}: the lease expired or the job was given to another node; stop working on it`, 'LeaseLost');
    throw e;
  }
}

export function renewLease(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<LeaseResponse> {
  return underLease(ctx, req, jobId, checkLease, async (nodeId, body) => {
    const r = await ctx.jobs.renew(jobId, nodeId, body.leaseToken, ctx.settings.leaseSeconds);
    return { leaseExpiresAt: new Date(r.leaseExpiresAt).toISOString(), cancel: r.cancel };
  });
}

/** Every event is checked before any is applied: a known kind, its fields, a final status in run-finished. */
export function reportEvents(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<{ cancel: boolean }> {
  return underLease(ctx, req, jobId, checkEvents, (nodeId, b) => ctx.jobs.applyEvents(jobId, nodeId, b.leaseToken, ctx.settings.leaseSeconds, b.events));
}

export function reportResult(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<ResultResponse> {
  return underLease(ctx, req, jobId, checkResult, async (nodeId, b) => {
    const why = b.message ?? (b.signal ? `the worker was killed by ${b.signal}` : `the worker exited with code ${b.exitCode}`);
    const ended = await ctx.jobs.result(jobId, nodeId, b.leaseToken, b.outcome, why);
    // A released job is queued again: wake the polls of its gateway.
    if (b.outcome === 'release' && !ended) ctx.wakeups.notifyAll();
    return { ended };
  });
}
