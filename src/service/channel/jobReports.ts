/** Lease renewal, run events and the final result of a job, each under the job's lease token. */
import type { IncomingMessage } from 'node:http';
import type { EventsRequest, LeaseRequest, LeaseResponse, ResultRequest } from '../../common/gateway/protocol.js';
import { badRequest, conflict, notFound } from '../http/httpError.js';
import { readJson } from '../http/json.js';
import type { ServiceContext } from '../context.js';
import { LeaseLost } from '../store/jobs.js';
import { authenticateNode } from './nodeAuth.js';

const UUID = /^[0-9a-f-]{36}$/i;

async function underLease<T>(ctx: ServiceContext, req: IncomingMessage, jobId: string, fn: (nodeId: string, body: Record<string, unknown>) => Promise<T>): Promise<T> {
  const node = await authenticateNode(ctx, req);
  if (!UUID.test(jobId)) throw notFound(`job ${jobId} does not exist`, 'JobNotFound');
  const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
  if (typeof body.leaseToken !== 'string') throw badRequest('"leaseToken" is required', 'BadRequest', 'leaseToken');
  await ctx.nodes.seen(node.id);
  try {
    return await fn(node.id, body);
  } catch (e) {
    if (e instanceof LeaseLost) throw conflict(`${e.message}: the lease expired or the job was given to another node; stop working on it`, 'LeaseLost');
    throw e;
  }
}

export function renewLease(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<LeaseResponse> {
  return underLease(ctx, req, jobId, async (nodeId, body) => {
    const r = await ctx.jobs.renew(jobId, nodeId, (body as unknown as LeaseRequest).leaseToken, ctx.settings.leaseSeconds);
    return { leaseExpiresAt: new Date(r.leaseExpiresAt).toISOString(), cancel: r.cancel };
  });
}

export function reportEvents(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<{ cancel: boolean }> {
  return underLease(ctx, req, jobId, async (nodeId, body) => {
    const b = body as unknown as EventsRequest;
    if (!Array.isArray(b.events)) throw badRequest('"events" must be an array of run events', 'BadRequest', 'events');
    return ctx.jobs.applyEvents(jobId, nodeId, b.leaseToken, ctx.settings.leaseSeconds, b.events);
  });
}

export function reportResult(ctx: ServiceContext, req: IncomingMessage, jobId: string): Promise<Record<string, never>> {
  return underLease(ctx, req, jobId, async (nodeId, body) => {
    const b = body as unknown as ResultRequest;
    if (b.outcome !== 'finished' && b.outcome !== 'release') throw badRequest('"outcome" must be finished or release', 'BadRequest', 'outcome');
    const why = b.message ?? (b.signal ? `the worker was killed by ${b.signal}` : `the worker exited with code ${b.exitCode}`);
    await ctx.jobs.result(jobId, nodeId, b.leaseToken, b.outcome, why);
    // A released job is queued again: wake the polls of its gateway.
    if (b.outcome === 'release') ctx.wakeups.notifyAll();
    return {};
  });
}
