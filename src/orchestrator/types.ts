/**
 * What the orchestrator is given and what it returns. It runs a pipeline's control flow — dependsOn, containers,
 * variables, expressions, policies — and hands every activity that touches data (Copy, stored procedure, Lookup,
 * GetMetadata, Delete) to an `ActivityExecutor`: the agent's runs it on this machine (dmgw run, dmgw worker); the
 * service's will send it to the gateway its linked services name.
 */
import type { ActivityRunOutput, EventSink, Progress } from '../common/events.js';
import type { ExpressionScope } from '../common/expressions.js';
import type { Factory } from '../common/model/factory.js';
import type { Activity } from '../common/model/types.js';

/** Activity types whose work is done by the executor; everything else is control flow, done here. */
export const DATA_ACTIVITY_TYPES = ['Copy', 'SqlServerStoredProcedure', 'Lookup', 'GetMetadata', 'Delete'] as const;
export type DataActivityType = (typeof DATA_ACTIVITY_TYPES)[number];

export const CONTROL_ACTIVITY_TYPES = ['ForEach', 'IfCondition', 'Switch', 'Until', 'Filter', 'SetVariable', 'AppendVariable', 'ExecutePipeline', 'Fail', 'Wait'] as const;

export type ProgressFields = Omit<Progress, 'event' | 'time' | 'runId' | 'activity' | 'activityRunId'>;

export interface DataActivityRequest {
  /** as written in the pipeline */
  activity: Activity;
  /** its typeProperties with every expression evaluated (ExactNumbers where a store's numbers flowed in) */
  typeProperties: Record<string, unknown>;
  /** for the expressions of dataset and linked service references (their parameters), evaluated by the executor */
  scope: ExpressionScope;
  signal: AbortSignal;
  log(level: 'error' | 'warn' | 'info' | 'verbose', message: string): void;
  progress(p: ProgressFields): void;
  /** the activity run this is (its events carry it), and which try of its policy.retry (1 = the first) */
  activityRunId?: string;
  attempt?: number;
  /** where the activity sits in its run, the same in every run of the pipeline: `ForEach1[3]/Copy1` (copy/commitMark.ts) */
  place?: string;
}

export interface ActivityExecutor {
  /** Does the activity's work; its output (JSON) becomes `activity('name').output`. Throws a DmgwError on failure. */
  execute(req: DataActivityRequest): Promise<ActivityRunOutput | undefined>;
}

export interface Clock {
  /** milliseconds since 1970 */
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export type RunStatus = 'Succeeded' | 'Failed' | 'Cancelled';
export type ActivityStatus = RunStatus | 'Skipped';

export interface RunError {
  code: string;
  message: string;
  hint?: string;
}

export interface ActivityResult {
  name: string;
  type: string;
  status: ActivityStatus;
  durationMs: number;
  attempts: number;
  output?: ActivityRunOutput;
  error?: RunError;
  activityRunId: string;
  parentActivity?: string;
  parentActivityRunId?: string;
  iteration?: number;
  /** for activities of a child pipeline */
  pipelineRunId?: string;
  pipeline?: string;
}

export interface PipelineRunResult {
  runId: string;
  pipeline: string;
  status: RunStatus;
  durationMs: number;
  /** as given (SecureString values as ***) */
  parameters: Record<string, unknown>;
  /** every activity run: top-level ones in the pipeline's order, each followed by the runs inside it */
  activities: ActivityResult[];
  error?: RunError;
  pipelineReturnValue?: Record<string, unknown>;
}

/** ExecutePipeline: how a child pipeline is run. The default runs it here, in this orchestrator. */
export interface ChildRunRequest {
  /** the child's run id, chosen by the orchestrator (ExecutePipeline's output names it even when it does not wait) */
  runId: string;
  pipeline: string;
  parameters: Record<string, unknown>;
  waitOnCompletion: boolean;
  parent: { runId: string; pipeline: string; activity: string; activityRunId: string };
  signal: AbortSignal;
}

export interface ChildRunOutcome {
  runId: string;
  status: RunStatus;
  error?: RunError;
  pipelineReturnValue?: Record<string, unknown>;
}

export interface OrchestratorOptions {
  factory: Factory;
  pipeline: string;
  /** values for pipeline parameters (strings are converted to the declared type) */
  parameters?: Record<string, unknown>;
  executor: ActivityExecutor;
  emit?: EventSink;
  signal?: AbortSignal;
  runId?: string;
  clock?: Clock;
  /** ms per second of retryIntervalInSeconds and Wait (tests shorten it); default 1000 */
  secondMs?: number;
  /** ExecutePipeline; default: the child runs here, its events in the same stream */
  runChild?(req: ChildRunRequest): Promise<ChildRunOutcome>;
}
