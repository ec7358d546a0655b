/**
 * The job queue. A pipeline run routed to a gateway becomes one job; a node leases it (row lock, SKIP LOCKED, so
 * concurrent polls from many nodes and service replicas never hand out the same job), renews the lease while
 * the worker runs, and reports events under its lease token. A lease that expires, or a job a node releases,
 * goes back to the queue with a new token, so reports from the old holder are refused (at-least-once delivery,
 * one final status per run).
 */
import { randomUUID } from 'node:crypto';
import type { RunEvent } from '../../common/events.js';
import type { JobMessage } from '../../common/gateway/protocol.js';
import { one, type Sql } from './sql.js';
import { FINAL_STATUSES, type RunStatus } from './runs.js';

export type JobPayload = Omit<JobMessage, 'jobId' | 'runId' | 'leaseToken' | 'attempt' | 'leaseSeconds'>;

export interface JobRow {
  id: string;
  run_id: string;
  gateway_id: string;
  status: 'queued' | 'leased' | 'done';
  payload: JobPayload;
  attempt: number;
  max_attempts: number;
  node_id: string | null;
  lease_token: string | null;
  lease_expires_at: Date | null;
}

export class LeaseLost extends Error {}

export class JobStore {
  constructor(private readonly sql: Sql) {}

  async enqueue(j: { factoryId: string; pipelineName: string; parameters: Record<string, unknown>; gatewayId: string; payload: JobPayload; maxAttempts: number }): Promise<string> {
    const runId = randomUUID();
    await this.sql.tx(async (q) => {
      await q.query(`insert into runs (run_id, factory_id, pipeline_name, parameters, status, gateway_id) values ($1, $2, $3, $4, 'Queued', $5)`, [
        runId,
        j.factoryId,
        j.pipelineName,
        JSON.stringify(j.parameters),
        j.gatewayId,
      ]);
      await q.query(`insert into jobs (id, run_id, gateway_id, status, payload, max_attempts) values ($1, $2, $3, 'queued', $4, $5)`, [randomUUID(), runId, j.gatewayId, JSON.stringify(j.payload), j.maxAttempts]);
    });
    return runId;
  }

  /** Leases up to `count` queued jobs of the gateway to the node, oldest first. */
  async acquire(gatewayId: string, nodeId: string, count: number, leaseSeconds: number): Promise<JobRow[]> {
    if (count <= 0) return [];
    const rows = await this.sql.query<JobRow>(
      `with c as (select id from jobs where gateway_id = $1 and status = 'queued' order by enqueued_at limit $2 for update skip locked)
       update jobs j set status = 'leased', node_id = $3, lease_token = gen_random_uuid()::text, attempt = j.attempt + 1,
         leased_at = now(), lease_expires_at = now() + make_interval(secs => $4)
       from c where j.id = c.id returning j.*`,
      [gatewayId, count, nodeId, leaseSeconds],
    );
    if (rows.length) await this.sql.query(`update runs set status = 'InProgress', last_updated = now() where run_id = any($1::uuid[]) and status = 'Queued'`, [rows.map((r) => r.run_id)]);
    return rows;
  }

  countLeased(nodeId: string): Promise<number> {
    return one<{ n: number }>(this.sql, `select count(*)::int as n from jobs where node_id = $1 and status = 'leased'`, [nodeId]).then((r) => r?.n ?? 0);
  }

  /** Extends the lease; throws LeaseLost when the job is no longer leased under this token. */
  async renew(jobId: string, nodeId: string, token: string, leaseSeconds: number): Promise<{ leaseExpiresAt: Date; cancel: boolean }> {
    const r = await one<{ lease_expires_at: Date; cancel: boolean }>(
      this.sql,
      `update jobs j set lease_expires_at = now() + make_interval(secs => $4) from runs r
       where j.id = $1 and j.node_id = $2 and j.lease_token = $3 and j.status = 'leased' and r.run_id = j.run_id
       returning j.lease_expires_at, r.cancel_requested as cancel`,
      [jobId, nodeId, token, leaseSeconds],
    );
    if (!r) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
    return { leaseExpiresAt: r.lease_expires_at, cancel: r.cancel };
  }

  /** Applies run events under the lease (and renews it) in one transaction. */
  async applyEvents(jobId: string, nodeId: string, token: string, leaseSeconds: number, events: RunEvent[]): Promise<{ cancel: boolean }> {
    return this.sql.tx(async (q) => {
      const job = await one<JobRow & { cancel_requested: boolean }>(
        q,
        `select j.*, r.cancel_requested from jobs j join runs r on r.run_id = j.run_id where j.id = $1 and j.node_id = $2 and j.lease_token = $3 and j.status = 'leased' for update of j`,
        [jobId, nodeId, token],
      );
      if (!job) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
      await q.query(`update jobs set lease_expires_at = now() + make_interval(secs => $2) where id = $1`, [jobId, leaseSeconds]);
      for (const e of events) await applyEvent(q, job, e);
      return { cancel: job.cancel_requested };
    });
  }

  /** The node says how the job ended: finished (run-finished was reported) or released (requeue if attempts remain). */
  async result(jobId: string, nodeId: string, token: string, outcome: 'finished' | 'release', message: string): Promise<void> {
    await this.sql.tx(async (q) => {
      const job = await one<JobRow>(q, `select * from jobs where id = $1 and node_id = $2 and lease_token = $3 for update`, [jobId, nodeId, token]);
      if (!job) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
      // run-finished already closed it: the result is a confirmation.
      if (job.status === 'done') return;
      if (outcome === 'finished') {
        await q.query(`update jobs set status = 'done', finished_at = now() where id = $1`, [jobId]);
        await finishRun(q, job.run_id, 'Failed', message || 'the worker ended without reporting the end of the run');
      } else await requeueOrFail(q, job, message);
    });
  }

  /** Requeues (or fails, when out of attempts) every job whose lease has expired. Safe to run on every replica. */
  async expireLeases(): Promise<number> {
    return this.sql.tx(async (q) => {
      const expired = await q.query<JobRow>(`select * from jobs where status = 'leased' and lease_expires_at < now() for update skip locked`);
      for (const j of expired) await requeueOrFail(q, j, `the lease expired on attempt ${j.attempt} (the node stopped renewing it)`);
      return expired.length;
    });
  }

  /** Cancels a run: a queued job ends at once; a leased one is told to stop at its next renewal. */
  async cancel(runId: string): Promise<void> {
    await this.sql.tx(async (q) => {
      const run = await one<{ status: RunStatus }>(q, 'select status from runs where run_id = $1 for update', [runId]);
      if (!run || FINAL_STATUSES.includes(run.status)) return;
      const done = await q.query(`update jobs set status = 'done', finished_at = now() where run_id = $1 and status = 'queued' returning id`, [runId]);
      if (done.length) await finishRun(q, runId, 'Cancelled', 'cancelled before a node picked it up');
      else await q.query(`update runs set cancel_requested = true, status = 'Canceling', last_updated = now() where run_id = $1`, [runId]);
    });
  }

  byRun(runId: string): Promise<JobRow | undefined> {
    return one<JobRow>(this.sql, 'select * from jobs where run_id = $1', [runId]);
  }

  /** Jobs of the gateway that are leased right now, per node (for status and monitoring). */
  async leasedByNode(gatewayId: string): Promise<Map<string, number>> {
    const rows = await this.sql.query<{ node_id: string; n: number }>(`select node_id, count(*)::int as n from jobs where gateway_id = $1 and status = 'leased' group by node_id`, [gatewayId]);
    return new Map(rows.map((r) => [r.node_id, r.n]));
  }
}

type Q = Pick<Sql, 'query'>;

async function requeueOrFail(q: Q, job: JobRow, reason: string): Promise<void> {
  const run = await one<{ cancel_requested: boolean; status: RunStatus }>(q, 'select cancel_requested, status from runs where run_id = $1', [job.run_id]);
  if (!run || FINAL_STATUSES.includes(run.status)) {
    await q.query(`update jobs set status = 'done', finished_at = coalesce(finished_at, now()) where id = $1`, [job.id]);
  } else if (run.cancel_requested) {
    await q.query(`update jobs set status = 'done', finished_at = now(), last_error = $2 where id = $1`, [job.id, reason]);
    await finishRun(q, job.run_id, 'Cancelled', 'cancelled');
  } else if (job.attempt < job.max_attempts) {
    await q.query(`update jobs set status = 'queued', node_id = null, lease_token = null, lease_expires_at = null, last_error = $2, enqueued_at = now() where id = $1`, [job.id, reason]);
    await q.query(`update runs set status = 'Queued', last_updated = now() where run_id = $1 and status not in ('Succeeded', 'Failed', 'Cancelled')`, [job.run_id]);
  } else {
    await q.query(`update jobs set status = 'done', finished_at = now(), last_error = $2 where id = $1`, [job.id, reason]);
    await finishRun(q, job.run_id, 'Failed', `gave up after ${job.attempt} attempts: ${reason}`);
  }
}

/** Sets the final status once: a run that already has one keeps it. */
async function finishRun(q: Q, runId: string, status: RunStatus, message: string): Promise<void> {
  await q.query(`update runs set status = $2, message = $3, run_end = now(), last_updated = now() where run_id = $1 and status not in ('Succeeded', 'Failed', 'Cancelled')`, [runId, status, message]);
}

async function applyEvent(q: Q, job: JobRow, e: RunEvent): Promise<void> {
  switch (e.event) {
    case 'run-started':
      await q.query(`update runs set status = case when status = 'Canceling' then status else 'InProgress' end, last_updated = now() where run_id = $1 and status in ('Queued', 'InProgress', 'Canceling')`, [job.run_id]);
      return;
    case 'activity-started':
      await q.query(
        `insert into activity_runs (activity_run_id, run_id, activity_name, activity_type, status, run_start, input) values ($1, $2, $3, $4, 'InProgress', $5, $6)
         on conflict (run_id, activity_name) do update set status = 'InProgress', run_start = excluded.run_start, input = excluded.input, run_end = null, output = null, error = null, last_updated = now()`,
        [randomUUID(), job.run_id, e.activity, e.activityType, e.time, JSON.stringify({ attempt: job.attempt })],
      );
      return;
    case 'progress': {
      const { event: _e, time: _t, runId: _r, activity, ...progress } = e;
      await q.query(`update activity_runs set output = $3, last_updated = now() where run_id = $1 and activity_name = $2 and status = 'InProgress'`, [job.run_id, activity, JSON.stringify(progress)]);
      return;
    }
    case 'activity-finished':
      await q.query(
        `update activity_runs set status = $3, run_end = $4, output = $5, error = $6, last_updated = now() where run_id = $1 and activity_name = $2`,
        [job.run_id, e.activity, e.status, e.time, JSON.stringify(e.output ?? null), JSON.stringify(e.error ? { errorCode: e.error.code, message: e.error.message, failureType: 'UserError', target: e.activity } : null)],
      );
      return;
    case 'run-finished':
      await q.query(`update jobs set status = 'done', finished_at = now() where id = $1`, [job.id]);
      await finishRun(q, job.run_id, e.status, e.error ? `${e.error.message}${e.error.hint ? ` — ${e.error.hint}` : ''}` : '');
      return;
    case 'log':
      return;
  }
}
