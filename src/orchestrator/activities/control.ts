/**
 * What a control activity (ForEach, If, Switch, Until, Filter, SetVariable, AppendVariable, ExecutePipeline, Fail,
 * Wait) is given to do its work, and what it gives back. Containers run their activities through `runBody`, so
 * they need not know how a graph of activities runs.
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import type { ActivityView, ExpressionScope } from '../../common/expressions.js';
import type { Activity } from '../../common/model/types.js';
import type { Frame } from '../context.js';
import type { ActivityResult, RunError, RunStatus } from '../types.js';

export interface BodyOutcome {
  status: RunStatus;
  /** the failure that decided the status (by ADF's rule: leaves, or the parents of skipped leaves) */
  error?: RunError & { activity: string };
  /** every activity run inside, in order */
  records: ActivityResult[];
  /** what the body's activities left readable (for Until's expression) */
  visible: Record<string, ActivityView>;
}

export interface ControlContext {
  activity: Activity;
  typeProperties: Record<string, unknown>;
  frame: Frame;
  activityRunId: string;
  scope: ExpressionScope;
  /** evaluates the expressions inside a value of the activity (`visible`: more activities it may read) */
  resolve(v: unknown, visible?: Record<string, ActivityView>): unknown;
  signal: AbortSignal;
  log(level: 'error' | 'warn' | 'info' | 'verbose', message: string): void;
  runBody(list: Activity[], o?: { item?: { value: unknown }; iteration?: number; signal?: AbortSignal }): Promise<BodyOutcome>;
}

export interface ControlResult {
  output?: ActivityRunOutput;
  error?: RunError;
  inner?: ActivityResult[];
}

export type ControlHandler = (c: ControlContext) => Promise<ControlResult>;

/** A mistake in the activity's definition or its evaluated values: fails the activity, names the field. */
export function invalid(c: ControlContext, field: string, message: string, hint?: string): DmgwError {
  return new DmgwError('ACTIVITY_INVALID', `${c.activity.type} activity ${c.activity.name}: ${message}`, { field: `activities.${c.activity.name}.typeProperties.${field}` }, hint);
}

/** An activity list property (ForEach.activities, ...): absent is empty, anything else but an array is a mistake. */
export function activityList(c: ControlContext, field: string): Activity[] {
  const v = c.typeProperties[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(c, field, `"${field}" must be a list of activities`);
  return v as Activity[];
}

/** How ADF words a container's failure: the inner activity and its error. */
export function innerFailure(outcome: BodyOutcome): RunError | undefined {
  if (outcome.status !== 'Failed' || !outcome.error) return undefined;
  const e = outcome.error;
  return { code: e.code, message: `Activity failed because an inner activity failed; inner activity ${e.activity}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
}

/** A boolean the way ADF accepts one in typeProperties: true/false, or the text "true"/"false". */
export function flag(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string') return v.trim().toLowerCase() === 'true';
  return v === true;
}
