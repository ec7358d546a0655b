/**
 * Pipeline runs and their activity runs, as ADF's monitoring API reports them. A run the service orchestrates
 * (`orchestrated`) keeps its real parameter values sealed (a restarted service resumes it with them), names the
 * service process orchestrating it (`owner`, seen every few seconds: another replica takes over a run whose owner
 * went quiet) and, for a child of ExecutePipeline, its parent run.
 */
import { randomUUID } from 'node:crypto';
import { parseJsonExact } from '../../common/expressions.js';
import type { Sealer } from '../secrets/sealing.js';
import { one, type Sql } from './sql.js';

export type RunStatus = 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Canceling' | 'Cancelled';
export const FINAL_STATUSES: RunStatus[] = ['Succeeded', 'Failed', 'Cancelled'];

export interface RunRow {
  run_id: string;
  factory_id: string;
  pipeline_name: string;
  parameters: Record<string, unknown>;
  status: RunStatus;
  message: string;
  gateway_id: string | null;
  run_start: Date;
  run_end: Date | null;
  last_updated: Date;
  cancel_requested: boolean;
  orchestrated: boolean;
  parameters_sealed: string | null;
  parent_run_id: string | null;
  invoked_by: Record<string, unknown> | null;
  owner: string | null;
}

/** What an activity run record shows, beyond ADF's fields: where it ran. */
/** What an activity run's record said when its run was taken over (orchestration/serviceExecutor.ts). */
export interface RecordedStart {
  input: string | null;
  start: Date;
}

export interface ActivityRunDetails {
  integrationRuntime?: string;
  /** a staged copy split over two gateways ran on both (source's first); else just `integrationRuntime` */
  integrationRuntimes?: string[];
  /** the node, or both nodes of a split staged copy ("node-a, node-b") */
  nodeName?: string;
  /** which delivery of its job to a node finished it (a node that died leaves it to the next) */
  gatewayAttempt?: number;
}

export interface ActivityRunRow {
  activity_run_id: string;
  run_id: string;
  activity_name: string;
  activity_type: string;
  linked_service_name: string | null;
  status: string;
  run_start: Date;
  run_end: Date | null;
  input: unknown;
  output: unknown;
  error: unknown;
  last_updated: Date;
  details: ActivityRunDetails | null;
  parent_activity_run_id: string | null;
  iteration: number | null;
}

export class RunStore {
  constructor(
    private readonly sql: Sql,
    private readonly sealer?: Sealer,
  ) {}

  /** A run the service orchestrates, Queued until its orchestrator starts it; its parameter values sealed. */
  async createOrchestrated(r: { runId?: string; factoryId: string; pipelineName: string; shown: Record<string, unknown>; values: Record<string, unknown>; secure: string[]; parentRunId?: string; invokedBy?: Record<string, unknown>; owner: string }): Promise<string> {
    const runId = r.runId ?? randomUUID();
    const sealed = this.sealer!.seal(JSON.stringify({ values: r.values, secure: r.secure }), paramsContext(runId));
    await this.sql.query(
      `insert into runs (run_id, factory_id, pipeline_name, parameters, status, orchestrated, parameters_sealed, parent_run_id, invoked_by, owner, owner_seen_at) values ($1, $2, $3, $4, 'Queued', true, $5, $6, $7, $8, now())`,
      [runId, r.factoryId, r.pipelineName, JSON.stringify(r.shown), sealed, r.parentRunId ?? null, r.invokedBy ? JSON.stringify(r.invokedBy) : null, r.owner],
    );
    return runId;
  }

  /** The parameter values an orchestrated run was started with, and which of them are secure (masked wherever shown). */
  parameterValues(r: RunRow): { values: Record<string, unknown>; secure: string[] } {
    if (!r.parameters_sealed) return { values: r.parameters, secure: [] };
    return parseJsonExact(this.sealer!.open(r.parameters_sealed, paramsContext(r.run_id))) as { values: Record<string, unknown>; secure: string[] };
  }

  byId(runId: string): Promise<RunRow | undefined> {
    return one<RunRow>(this.sql, 'select * from runs where run_id = $1', [runId]);
  }

  /** Queued → InProgress (a run being cancelled stays Canceling). */
  async started(runId: string): Promise<void> {
    await this.sql.query(`update runs set status = 'InProgress', last_updated = now() where run_id = $1 and status = 'Queued'`, [runId]);
  }

  /** Sets the final status once: a run that already has one keeps it. A run asked to cancel ends Cancelled. */
  async finish(runId: string, status: RunStatus, message: string): Promise<void> {
    await this.sql.query(
      `update runs set status = case when cancel_requested and $2 <> 'Succeeded' then 'Cancelled' else $2 end, message = $3, run_end = now(), last_updated = now(), owner = null
       where run_id = $1 and status not in ('Succeeded', 'Failed', 'Cancelled')`,
      [runId, status, message],
    );
  }

  /** Asks an orchestrated run to stop; true when it was still running. */
  async requestCancel(runId: string): Promise<boolean> {
    const r = await this.sql.query(`update runs set cancel_requested = true, status = 'Canceling', last_updated = now() where run_id = $1 and status not in ('Succeeded', 'Failed', 'Cancelled') returning run_id`, [runId]);
    return r.length > 0;
  }

  children(runId: string): Promise<RunRow[]> {
    return this.sql.query<RunRow>('select * from runs where parent_run_id = $1', [runId]);
  }

  /** The owner is alive: its runs are not taken over. */
  async heartbeat(owner: string, runIds: string[]): Promise<void> {
    if (runIds.length) await this.sql.query(`update runs set owner_seen_at = now() where owner = $1 and run_id = any($2::uuid[])`, [owner, runIds]);
  }

  /**
   * Takes over orchestrated runs that are not final and whose owner has not been seen for `staleSeconds` (its
   * process died or lost the store); one replica gets each.
   */
  claimOrphans(owner: string, staleSeconds: number): Promise<RunRow[]> {
    return this.sql.query<RunRow>(
      `update runs set owner = $1, owner_seen_at = now() where run_id in (
         select run_id from runs where orchestrated and status not in ('Succeeded', 'Failed', 'Cancelled')
           and (owner_seen_at is null or owner_seen_at < now() - make_interval(secs => $2)) for update skip locked)
       returning *`,
      [owner, staleSeconds],
    );
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    return (await one<{ c: boolean }>(this.sql, 'select cancel_requested as c from runs where run_id = $1', [runId]))?.c ?? false;
  }

  async activityStarted(a: { activityRunId: string; runId: string; name: string; type: string; start: string; input: unknown; parentActivityRunId?: string; iteration?: number; linkedServiceName?: string }): Promise<void> {
    await this.sql.query(
      `insert into activity_runs (activity_run_id, run_id, activity_name, activity_type, status, run_start, input, parent_activity_run_id, iteration, linked_service_name) values ($1, $2, $3, $4, 'InProgress', $5, $6, $7, $8, $9)
       on conflict (activity_run_id) do nothing`,
      [a.activityRunId, a.runId, a.name, a.type, a.start, JSON.stringify(a.input ?? {}), a.parentActivityRunId ?? null, a.iteration ?? null, a.linkedServiceName ?? null],
    );
  }

  async activityFinished(a: { activityRunId: string; status: string; end: string; output: unknown; error: unknown; details?: ActivityRunDetails }): Promise<void> {
    await this.sql.query(`update activity_runs set status = $2, run_end = $3, output = $4, error = $5, details = coalesce($6, details), last_updated = now() where activity_run_id = $1`, [
      a.activityRunId,
      a.status,
      a.end,
      JSON.stringify(a.output ?? null),
      JSON.stringify(a.error ?? null),
      a.details ? JSON.stringify(a.details) : null,
    ]);
  }

  /** A run's activity runs as recorded — input (jsonb as text: exact numbers stay) and start — by activity run id. */
  async recordedStarts(runId: string): Promise<Map<string, RecordedStart>> {
    const rows = await this.sql.query<{ activity_run_id: string; input: string | null; run_start: Date }>('select activity_run_id, input::text as input, run_start from activity_runs where run_id = $1', [runId]);
    return new Map(rows.map((r) => [r.activity_run_id, { input: r.input, start: r.run_start }]));
  }

  /** A replayed activity run whose job ran before the restart shows the input and start that job had. */
  async keepRecordedStart(activityRunId: string, was: RecordedStart): Promise<void> {
    await this.sql.query('update activity_runs set input = coalesce($2::jsonb, input), run_start = $3 where activity_run_id = $1', [activityRunId, was.input, was.start]);
  }

  /** Forgets a run's activity runs: a resumed run records them again as it replays (orchestration/replay.ts). */
  async clearActivityRuns(runId: string): Promise<void> {
    await this.sql.query('delete from activity_runs where run_id = $1', [runId]);
  }

  get(factoryId: string, runId: string): Promise<RunRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(runId)) return Promise.resolve(undefined);
    return one<RunRow>(this.sql, 'select * from runs where factory_id = $1 and run_id = $2', [factoryId, runId]);
  }

  /** Runs whose last update falls in [after, before]; filtering and ordering on other fields happens in the route. */
  listUpdated(factoryId: string, after: Date, before: Date): Promise<RunRow[]> {
    return this.sql.query<RunRow>('select * from runs where factory_id = $1 and last_updated >= $2 and last_updated <= $3 order by run_start', [factoryId, after, before]);
  }

  /** A run that could not be queued (no gateway to run it): recorded as Failed at once, so it shows in monitoring. */
  async createFailed(factoryId: string, pipelineName: string, parameters: unknown, message: string): Promise<string> {
    const runId = randomUUID();
    await this.sql.query(
      `insert into runs (run_id, factory_id, pipeline_name, parameters, status, message, run_end) values ($1, $2, $3, $4, 'Failed', $5, now())`,
      [runId, factoryId, pipelineName, JSON.stringify(parameters ?? {}), message],
    );
    return runId;
  }

  activityRuns(runId: string, after: Date, before: Date): Promise<ActivityRunRow[]> {
    return this.sql.query<ActivityRunRow>('select * from activity_runs where run_id = $1 and last_updated >= $2 and last_updated <= $3 order by run_start, activity_name, iteration', [runId, after, before]);
  }
}

const paramsContext = (runId: string): string => `run parameters ${runId}`;
