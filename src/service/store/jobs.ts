/**
 * The job queue. Each data activity of a run the service orchestrates (service/orchestration) becomes one job (an
 * *activity job*, `activity_run_id` set; a pipeline run queued by an older service is one *pipeline job*); a node leases it (row lock, SKIP LOCKED, so
 * concurrent polls from many nodes and service replicas never hand out the same job), renews the lease while
 * the worker runs, and reports events under its lease token. A lease that expires, or a job a node releases,
 * goes back to the queue with a new token, so reports from the old holder are refused (at-least-once delivery,
 * one final status per run).
 *
 * A payload holds what the worker needs, secrets included (a cloud linked service's account key, secure
 * parameters), so it is stored sealed (master key, bound to the job's id) and opened only for the poll answer that
 * hands the job to its node (`payloadOf`).
 */
import { randomUUID } from 'node:crypto';
import { isCopyOutput, type RunEvent } from '../../common/events.js';
import type { JobMessage } from '../../common/gateway/protocol.js';
import type { Sealer } from '../secrets/sealing.js';
import { one, type Sql } from './sql.js';
import { FINAL_STATUSES, type RunStatus } from './runs.js';

export type JobPayload = Omit<JobMessage, 'jobId' | 'runId' | 'leaseToken' | 'attempt' | 'leaseSeconds'>;

export interface JobRow {
  id: string;
  run_id: string;
  gateway_id: string;
  status: 'queued' | 'leased' | 'done';
  /** the JobPayload, sealed */
  payload_sealed: string;
  attempt: number;
  max_attempts: number;
  node_id: string | null;
  lease_token: string | null;
  lease_expires_at: Date | null;
  /** how long its last lease waited in the queue (seconds, the database's clock) */
  pickup_seconds: number | null;
  /** an activity job: the activity run it carries out (null: a whole pipeline run, queued by an older service) */
  activity_run_id: string | null;
  /** which data activity of its run it is, stable when a restarted service replays the run (orchestration/replay.ts) */
  replay_key: string | null;
  /** an activity job's outcome (ActivityJobResult), sealed: its output may hold what secureOutput hides */
  result_sealed: string | null;
  /** the orchestrator stopped waiting for it (timeout, cancel): the node stops the worker */
  cancel_requested: boolean;
  last_error: string | null;
  finished_at: Date | null;
}

/** How an activity job ended on its node, as the orchestrator reads it. */
export interface ActivityJobResult {
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  /** exact JSON text of the output (64-bit integers and decimals as their digits), when the node sent it */
  outputText?: string;
  output?: unknown;
  error?: { code: string; message: string; hint?: string };
}

export class LeaseLost extends Error {}

export class JobStore {
  constructor(
    private readonly sql: Sql,
    private readonly sealer: Sealer,
  ) {}

  /** `parameters` are what the run shows (secure ones masked); the payload's own are the real values. */
  async enqueue(j: { factoryId: string; pipelineName: string; parameters: Record<string, unknown>; gatewayId: string; payload: JobPayload; maxAttempts: number }): Promise<string> {
    const runId = randomUUID();
    const jobId = randomUUID();
    const sealed = sealPayload(this.sealer, jobId, j.payload);
    await this.sql.tx(async (q) => {
      await q.query(`insert into runs (run_id, factory_id, pipeline_name, parameters, status, gateway_id) values ($1, $2, $3, $4, 'Queued', $5)`, [
        runId,
        j.factoryId,
        j.pipelineName,
        JSON.stringify(j.parameters),
        j.gatewayId,
      ]);
      await q.query(`insert into jobs (id, run_id, gateway_id, status, payload_sealed, max_attempts) values ($1, $2, $3, 'queued', $4, $5)`, [jobId, runId, j.gatewayId, sealed, j.maxAttempts]);
    });
    return runId;
  }

  /** Queues one data activity of an orchestrated run for a gateway (the run's row exists already). */
  async enqueueActivity(j: { runId: string; activityRunId: string; replayKey: string; gatewayId: string; payload: JobPayload; maxAttempts: number }): Promise<string> {
    const jobId = randomUUID();
    const sealed = sealPayload(this.sealer, jobId, j.payload);
    await this.sql.query(`insert into jobs (id, run_id, gateway_id, status, payload_sealed, max_attempts, activity_run_id, replay_key) values ($1, $2, $3, 'queued', $4, $5, $6, $7)`, [
      jobId,
      j.runId,
      j.gatewayId,
      sealed,
      j.maxAttempts,
      j.activityRunId,
      j.replayKey,
    ]);
    return jobId;
  }

  get(jobId: string): Promise<JobRow | undefined> {
    return one<JobRow>(this.sql, 'select * from jobs where id = $1', [jobId]);
  }

  /** The newest job of a run for one data activity (orchestration/replay.ts), if any. */
  byReplayKey(runId: string, replayKey: string): Promise<JobRow | undefined> {
    return one<JobRow>(this.sql, 'select * from jobs where run_id = $1 and replay_key = $2 order by enqueued_at desc limit 1', [runId, replayKey]);
  }

  /** An activity job's outcome once it is done: what its node reported, or why it ended without a report. */
  outcomeOf(j: JobRow): ActivityJobResult | undefined {
    if (j.status !== 'done') return undefined;
    if (j.result_sealed) return JSON.parse(this.sealer.open(j.result_sealed, resultContext(j.id))) as ActivityJobResult;
    if (j.cancel_requested) return { status: 'Cancelled', error: { code: 'CANCELLED', message: 'the activity was cancelled' } };
    return { status: 'Failed', error: { code: 'JOB_FAILED', message: j.last_error ?? 'the job ended without a result' } };
  }

  /** Stops an activity job: a queued one ends at once; a leased one is told to stop at its next renewal. */
  async cancelJob(jobId: string): Promise<void> {
    await this.sql.query(`update jobs set cancel_requested = true, status = case when status = 'queued' then 'done' else status end, finished_at = case when status = 'queued' then now() else finished_at end where id = $1 and status <> 'done'`, [jobId]);
  }

  /** The job's payload in the clear: only for the poll answer that hands it to the node holding its lease. */
  payloadOf(j: JobRow): JobPayload {
    return JSON.parse(this.sealer.open(j.payload_sealed, sealContext(j.id))) as JobPayload;
  }

  /** Leases up to `count` queued jobs of the gateway to the node, oldest first. */
  async acquire(gatewayId: string, nodeId: string, count: number, leaseSeconds: number): Promise<JobRow[]> {
    if (count <= 0) return [];
    const rows = await this.sql.query<JobRow>(
      `with c as (select id from jobs where gateway_id = $1 and status = 'queued' order by enqueued_at limit $2 for update skip locked)
       update jobs j set status = 'leased', node_id = $3, lease_token = gen_random_uuid()::text, attempt = j.attempt + 1,
         leased_at = now(), lease_expires_at = now() + make_interval(secs => $4), pickup_seconds = extract(epoch from now() - j.enqueued_at)
       from c where j.id = c.id returning j.*`,
      [gatewayId, count, nodeId, leaseSeconds],
    );
    if (rows.length) await this.sql.query(`update runs set status = 'InProgress', last_updated = now() where run_id = any($1::uuid[]) and status = 'Queued' and not orchestrated`, [rows.map((r) => r.run_id)]);
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
       returning j.lease_expires_at, (r.cancel_requested or j.cancel_requested) as cancel`,
      [jobId, nodeId, token, leaseSeconds],
    );
    if (!r) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
    return { leaseExpiresAt: r.lease_expires_at, cancel: r.cancel };
  }

  /** Applies run events under the lease (and renews it) in one transaction. */
  async applyEvents(jobId: string, nodeId: string, token: string, leaseSeconds: number, events: RunEvent[]): Promise<{ cancel: boolean }> {
    return this.sql.tx(async (q) => {
      const job = await one<JobRow & { cancel: boolean }>(
        q,
        `select j.*, (r.cancel_requested or j.cancel_requested) as cancel from jobs j join runs r on r.run_id = j.run_id where j.id = $1 and j.node_id = $2 and j.lease_token = $3 and j.status = 'leased' for update of j`,
        [jobId, nodeId, token],
      );
      if (!job) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
      await q.query(`update jobs set lease_expires_at = now() + make_interval(secs => $2) where id = $1`, [jobId, leaseSeconds]);
      for (const e of events) {
        if (job.activity_run_id) await applyActivityEvent(q, this.sealer, job, e);
        else await applyEvent(q, job, e);
      }
      return { cancel: job.cancel };
    });
  }

  /**
   * The node says how the job ended: finished (run-finished was reported) or released (requeue if attempts remain).
   * True when the job is done afterwards (no other attempt comes).
   */
  async result(jobId: string, nodeId: string, token: string, outcome: 'finished' | 'release', message: string): Promise<boolean> {
    return this.sql.tx(async (q) => {
      const job = await one<JobRow>(q, `select * from jobs where id = $1 and node_id = $2 and lease_token = $3 for update`, [jobId, nodeId, token]);
      if (!job) throw new LeaseLost(`job ${jobId} is no longer leased to this node`);
      // run-finished already closed it: the result is a confirmation.
      if (job.status === 'done') return true;
      if (outcome === 'finished' && job.activity_run_id) {
        await q.query(`update jobs set status = 'done', finished_at = now(), last_error = $2 where id = $1`, [jobId, message || 'the worker ended without reporting how the activity ended']);
      } else if (outcome === 'finished') {
        await q.query(`update jobs set status = 'done', finished_at = now() where id = $1`, [jobId]);
        await finishRun(q, job.run_id, 'Failed', message || 'the worker ended without reporting the end of the run');
      } else await requeueOrFail(q, job, message);
      return (await one<{ status: string }>(q, 'select status from jobs where id = $1', [jobId]))?.status === 'done';
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

/**
 * Ends every unfinished job of a gateway that is being deleted, in the caller's transaction: their runs fail saying
 * so (a cancelled one ends Cancelled). Its nodes go with the gateway, so a node still running one of them is refused
 * (401) at its next report and its host kills the worker. Returns how many runs ended.
 */
export async function endJobsOfDeletedGateway(q: Q, gatewayId: string, runtimeName: string): Promise<number> {
  const jobs = await q.query<{ id: string; run_id: string; status: string; node_name: string | null; activity_run_id: string | null }>(
    `select j.id, j.run_id, j.status, j.activity_run_id, n.name as node_name from jobs j left join nodes n on n.id = j.node_id where j.gateway_id = $1 and j.status <> 'done' for update of j`,
    [gatewayId],
  );
  for (const j of jobs) {
    const why = j.status === 'queued' ? `integration runtime ${runtimeName} was deleted while this run was queued` : `integration runtime ${runtimeName} was deleted while this run was running on node ${j.node_name ?? '(unknown)'}`;
    await q.query(`update jobs set status = 'done', finished_at = now(), last_error = $2 where id = $1`, [j.id, why]);
    // an activity job fails its activity (its orchestrator reads last_error); the run ends by the pipeline's rules
    if (j.activity_run_id) continue;
    const run = await one<{ cancel_requested: boolean }>(q, 'select cancel_requested from runs where run_id = $1', [j.run_id]);
    await finishRun(q, j.run_id, run?.cancel_requested ? 'Cancelled' : 'Failed', run?.cancel_requested ? `cancelled; ${why}` : why);
  }
  return jobs.length;
}

async function requeueOrFail(q: Q, job: JobRow, reason: string): Promise<void> {
  const run = await one<{ cancel_requested: boolean; status: RunStatus }>(q, 'select cancel_requested, status from runs where run_id = $1', [job.run_id]);
  if (job.activity_run_id) {
    // an activity job: its orchestrator reads how it ended (outcomeOf); the run is its orchestrator's to end
    const stop = !run || FINAL_STATUSES.includes(run.status) || run.cancel_requested || job.cancel_requested;
    if (stop || job.attempt >= job.max_attempts) await q.query(`update jobs set status = 'done', finished_at = now(), last_error = $2 where id = $1`, [job.id, stop ? reason : `gave up after ${job.attempt} attempts: ${reason}`]);
    else await q.query(`update jobs set status = 'queued', node_id = null, lease_token = null, lease_expires_at = null, last_error = $2, enqueued_at = now() where id = $1`, [job.id, reason]);
    return;
  }
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
      {
        // a pipeline job (queued by an older service): one row per activity name, as it kept them
        const input = JSON.stringify({ attempt: job.attempt });
        const updated = await q.query(`update activity_runs set status = 'InProgress', run_start = $3, input = $4, run_end = null, output = null, error = null, last_updated = now() where run_id = $1 and activity_name = $2 returning activity_run_id`, [job.run_id, e.activity, e.time, input]);
        if (!updated.length) await q.query(`insert into activity_runs (activity_run_id, run_id, activity_name, activity_type, status, run_start, input) values ($1, $2, $3, $4, 'InProgress', $5, $6)`, [randomUUID(), job.run_id, e.activity, e.activityType, e.time, input]);
      }
      return;
    case 'progress': {
      const { event: _e, time: _t, runId: _r, activity, ...progress } = e;
      await q.query(`update activity_runs set output = $3, last_updated = now() where run_id = $1 and activity_name = $2 and status = 'InProgress'`, [job.run_id, activity, JSON.stringify(progress)]);
      return;
    }
    case 'activity-finished':
      // what the node moved, for monitoringData's receivedBytes/sentBytes and the metrics
      if (job.node_id && isCopyOutput(e.output)) {
        await q.query('update nodes set bytes_read = bytes_read + $2, bytes_written = bytes_written + $3 where id = $1', [job.node_id, Math.round(e.output.dataRead), Math.round(e.output.dataWritten)]);
      }
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

/**
 * An event of an activity job (a pipeline of one activity, orchestration/activityJob.ts): progress goes to the
 * activity run's record at once; how the activity ended is kept on the job, sealed, for its orchestrator; the rest
 * (the one-activity pipeline's own run-started/run-finished, logs) only closes the job.
 */
async function applyActivityEvent(q: Q, sealer: Sealer, job: JobRow, e: RunEvent): Promise<void> {
  const keep = (r: ActivityJobResult) => q.query(`update jobs set result_sealed = $2 where id = $1 and result_sealed is null`, [job.id, sealer.seal(JSON.stringify(r), resultContext(job.id))]);
  switch (e.event) {
    case 'progress': {
      const { event: _e, time: _t, runId: _r, activity: _a, activityRunId: _i, ...progress } = e as typeof e & { activityRunId?: string };
      await q.query(`update activity_runs set output = $2, last_updated = now() where activity_run_id = $1 and status = 'InProgress'`, [job.activity_run_id, JSON.stringify(progress)]);
      return;
    }
    case 'activity-finished': {
      if (job.node_id && isCopyOutput(e.output)) {
        await q.query('update nodes set bytes_read = bytes_read + $2, bytes_written = bytes_written + $3 where id = $1', [job.node_id, Math.round(e.output.dataRead), Math.round(e.output.dataWritten)]);
      }
      const text = (e as { outputJson?: unknown }).outputJson;
      await keep({ status: e.status, ...(typeof text === 'string' ? { outputText: text } : e.output !== undefined ? { output: e.output } : {}), ...(e.error ? { error: { code: e.error.code, message: e.error.message, ...(e.error.hint ? { hint: e.error.hint } : {}) } } : {}) });
      return;
    }
    case 'run-finished':
      // a run that ended before its activity did (the pipeline of one activity could not run): its error is the activity's
      await keep({ status: e.status, ...(e.error ? { error: { code: e.error.code, message: e.error.message, ...(e.error.hint ? { hint: e.error.hint } : {}) } } : {}) });
      await q.query(`update jobs set status = 'done', finished_at = now() where id = $1`, [job.id]);
      return;
    default:
      return;
  }
}

const resultContext = (jobId: string): string => `job result ${jobId}`;

/** A payload sealed for its job: it opens only with the job's own id. */
export function sealPayload(sealer: Sealer, jobId: string, payload: unknown): string {
  return sealer.seal(JSON.stringify(payload), sealContext(jobId));
}

const sealContext = (jobId: string): string => `job ${jobId}`;
