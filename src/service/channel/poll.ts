/**
 * POST /gateway/v1/poll: the long poll. Leases up to the node's free slots (never beyond its concurrentJobsLimit)
 * and answers at once when there is work; otherwise waits for a wakeup (a job queued in this process) or looks
 * again every RECHECK_MS (work queued by another replica, or requeued by lease expiry), until the wait is over.
 * While it waits it re-checks the node's credential, so a regenerated key stops the node within a second.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobMessage, PollResponse } from '../../common/gateway/protocol.js';
import { checkPoll } from '../../common/gateway/protocolSchemas.js';
import { readBody } from '../http/body.js';
import type { ServiceContext } from '../context.js';
import type { JobPayload, JobRow } from '../store/jobs.js';
import { authenticateNode, hashToken, bearerOf, revalidate } from './nodeAuth.js';

const RECHECK_MS = 500;

export async function poll(ctx: ServiceContext, req: IncomingMessage, res: ServerResponse): Promise<PollResponse> {
  let node = await authenticateNode(ctx, req);
  // checked: free an integer 0-1024, waitSeconds a number 0-600 (a NaN here made the loop below spin on the store)
  const body = await readBody(req, checkPoll);
  const free = body.free ?? 1;
  const waitMs = 1000 * Math.min(ctx.settings.pollWaitSeconds, body.waitSeconds ?? ctx.settings.pollWaitSeconds);
  const deadline = Date.now() + waitMs;
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const tokenHash = hashToken(bearerOf(req)!);
  for (;;) {
    await ctx.nodes.seen(node.id);
    const room = Math.min(free, node.concurrent_jobs_limit - (await ctx.jobs.countLeased(node.id)));
    if (room > 0 && !gone.signal.aborted) {
      const jobs = await ctx.jobs.acquire(node.gateway_id, node.id, room, ctx.settings.leaseSeconds);
      if (jobs.length) {
        ctx.log('info', `leased ${jobs.map((j) => `${j.run_id} (attempt ${j.attempt})`).join(', ')} to node ${node.name}`);
        return { jobs: jobs.map((j) => jobMessage(j, ctx.jobs.payloadOf(j), ctx.settings.leaseSeconds)), settings: ctx.settings, concurrentJobsLimit: node.concurrent_jobs_limit };
      }
    }
    const left = deadline - Date.now();
    if (left <= 0 || gone.signal.aborted || ctx.stopping.aborted) return { jobs: [], settings: ctx.settings, concurrentJobsLimit: node.concurrent_jobs_limit };
    await ctx.wakeups.wait(node.gateway_id, Math.min(left, RECHECK_MS), AbortSignal.any([gone.signal, ctx.stopping]));
    node = await revalidate(ctx, tokenHash);
  }
}

/** The one place a job's payload is in the clear: the answer to the node that holds its lease. */
export function jobMessage(j: JobRow, payload: JobPayload, leaseSeconds: number): JobMessage {
  return { ...payload, jobId: j.id, runId: j.run_id, leaseToken: j.lease_token!, attempt: j.attempt, leaseSeconds, ...(j.pickup_seconds === null ? {} : { queuedSeconds: Number(j.pickup_seconds) }) };
}
