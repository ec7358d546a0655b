/**
 * The state of a run as the orchestrator keeps it: one `PipelineRun` per pipeline run (the top one and each child
 * of ExecutePipeline), and a `Frame` per list of activities being run (the pipeline's own, a ForEach iteration, an
 * If branch): which activities it can read, the current item, the container it is inside.
 */
import { isDmgwError } from '../common/errors.js';
import type { RunEventInput } from '../common/events.js';
import type { ActivityView, ExpressionScope } from '../common/expressions.js';
import type { Pipeline } from '../common/model/types.js';
import { redact, redactError } from '../common/redact.js';
import type { ActivityResult, ChildRunOutcome, Clock, OrchestratorOptions, RunError } from './types.js';

export interface PipelineRun {
  opts: OrchestratorOptions;
  pipeline: Pipeline;
  /** this pipeline run's id */
  runId: string;
  /** set for a child pipeline: the run id and name shown on its activities' events */
  child?: { runId: string; pipeline: string; parentActivity: string; parentActivityRunId: string; parentRunId: string; parentPipeline: string };
  /** ExecutePipeline nesting depth (0 = the run that was started) */
  depth: number;
  parameters: Record<string, unknown>;
  /** the pipeline's variables: live, shared by every activity of this run */
  variables: Record<string, unknown>;
  /** declared type per variable (String, Bool, Boolean, Array, Integer) */
  variableTypes: Record<string, string>;
  returnValue?: Record<string, unknown>;
  /** children started without waiting: the run that was started ends after them */
  background: Array<Promise<unknown>>;
  signal: AbortSignal;
  clock: Clock;
  secondMs: number;
  triggerTime: string;
  /** emits with `time` and the stream's run id added */
  emit(e: RunEventInput): void;
  /** starts a child pipeline run (ExecutePipeline) */
  startChild(req: { runId: string; pipeline: string; parameters: Record<string, unknown>; waitOnCompletion: boolean; activity: string; activityRunId: string; signal: AbortSignal }): Promise<ChildRunOutcome & { activities?: ActivityResult[] }>;
}

export interface Frame {
  run: PipelineRun;
  /** activities that ended before, by name, outer frames' included: what activity('X') reads */
  visible: Record<string, ActivityView>;
  item?: { value: unknown };
  parent?: { activity: string; activityRunId: string; iteration?: number };
  /** the containers (and their iterations) around this frame's activities, `ForEach1[3]/Until1[0]/`; none at the top */
  place?: string;
  /** the run's signal, or a container's (Until's timeout) */
  signal: AbortSignal;
}

/** One activity run and the runs inside it (a container's iterations, a child pipeline's activities). */
export interface ActivityRecord {
  result: ActivityResult;
  inner: ActivityResult[];
}

export function scopeOf(frame: Frame): ExpressionScope {
  const r = frame.run;
  return {
    pipeline: {
      name: r.pipeline.name,
      runId: r.runId,
      parameters: r.parameters,
      triggerTime: r.triggerTime,
      triggerType: r.child ? 'PipelineActivity' : 'Manual',
      ...(r.child ? { triggeredByPipelineName: r.child.parentPipeline, triggeredByPipelineRunId: r.child.parentRunId } : {}),
    },
    activities: frame.visible,
    variables: r.variables,
    ...(frame.item ? { item: frame.item } : {}),
    now: () => new Date(r.clock.now()),
  };
}

/** The fields that place an activity run in the stream (docs/EVENTS.md). */
export function placeOf(frame: Frame, activityRunId: string): Omit<ActivityResult, 'name' | 'type' | 'status' | 'durationMs' | 'attempts'> {
  const c = frame.run.child;
  return {
    activityRunId,
    ...(frame.parent ? { parentActivity: frame.parent.activity, parentActivityRunId: frame.parent.activityRunId } : c ? { parentActivity: c.parentActivity, parentActivityRunId: c.parentActivityRunId } : {}),
    ...(frame.parent?.iteration !== undefined ? { iteration: frame.parent.iteration } : {}),
    ...(c ? { pipelineRunId: c.runId, pipeline: c.pipeline } : {}),
  };
}

/** A failure as results and events carry it: code, redacted message, hint. */
export function errorInfo(e: unknown, fallbackCode = 'ACTIVITY_FAILED'): RunError {
  if (isDmgwError(e)) return { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) };
  return { code: fallbackCode, message: redactError(e) };
}

export const newId = (): string => globalThis.crypto.randomUUID();
