/** Pipeline runs and their activity runs, as ADF's monitoring API reports them. */
import { randomUUID } from 'node:crypto';
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
}

export class RunStore {
  constructor(private readonly sql: Sql) {}

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
    return this.sql.query<ActivityRunRow>('select * from activity_runs where run_id = $1 and last_updated >= $2 and last_updated <= $3 order by run_start', [runId, after, before]);
  }
}
