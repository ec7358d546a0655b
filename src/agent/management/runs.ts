/**
 * Pipeline runs through a factory (ours or Azure): start one, read its status and its activities' outputs, and
 * wait for it to end, reporting each change. Used by `dmgw pipeline run|status`, the demo and the extension.
 */
import type { ActivityRun, PipelineRun } from '@azure/arm-datafactory';
import { call, type FactoryScope } from './scope.js';

export const FINAL_RUN_STATUSES = ['Succeeded', 'Failed', 'Cancelled'];

export interface ActivityReport {
  name: string;
  type?: string;
  status: string;
  start?: string;
  end?: string;
  durationMs?: number;
  /** the activity's output (a Copy's rowsRead, rowsCopied, dataRead, dataWritten, ...; progress while it runs) */
  output?: Record<string, unknown>;
  error?: { errorCode?: string; message?: string };
  /** ours: which try of the job this was (1 unless a node failed and another took over) */
  attempt?: number;
}

export interface RunReport {
  runId: string;
  pipelineName: string;
  status: string;
  message?: string;
  start?: string;
  end?: string;
  durationMs?: number;
  parameters?: Record<string, string>;
  activities: ActivityReport[];
}

const iso = (d: Date | string | undefined): string | undefined => (d ? new Date(d).toISOString() : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export async function startRun(scope: FactoryScope, pipeline: string, parameters: Record<string, unknown> = {}): Promise<string> {
  const r = await call(scope, { kind: 'pipeline', name: pipeline }, () => scope.client.pipelines.createRun(scope.resourceGroup, scope.factory, pipeline, { parameters }));
  return r.runId;
}

export async function cancelRun(scope: FactoryScope, runId: string): Promise<void> {
  await call(scope, { kind: 'run', name: runId }, () => scope.client.pipelineRuns.cancel(scope.resourceGroup, scope.factory, runId));
}

function activityOf(a: ActivityRun): ActivityReport {
  const err = isObject(a.error) && (a.error.message || a.error.errorCode) ? { errorCode: a.error.errorCode as string | undefined, message: a.error.message as string | undefined } : undefined;
  const input = isObject(a.input) ? a.input : {};
  return {
    name: a.activityName ?? '?',
    type: a.activityType,
    status: a.status ?? 'Unknown',
    start: iso(a.activityRunStart),
    end: iso(a.activityRunEnd),
    durationMs: a.durationInMs,
    output: isObject(a.output) ? a.output : undefined,
    error: err,
    // which delivery of its job to a node finished it: the service's gatewayAttempt (a whole-run job of an older service: input.attempt)
    attempt: typeof (a as { gatewayAttempt?: unknown }).gatewayAttempt === 'number' ? ((a as { gatewayAttempt: number }).gatewayAttempt) : typeof input.attempt === 'number' ? input.attempt : undefined,
  };
}

export async function runReport(scope: FactoryScope, runId: string): Promise<RunReport> {
  const run: PipelineRun = await call(scope, { kind: 'run', name: runId }, () => scope.client.pipelineRuns.get(scope.resourceGroup, scope.factory, runId));
  const acts = await call(scope, { kind: 'run', name: runId }, () =>
    // every activity of the run, whenever it was updated
    scope.client.activityRuns.queryByPipelineRun(scope.resourceGroup, scope.factory, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 86_400_000) }),
  );
  return {
    runId,
    pipelineName: run.pipelineName ?? '?',
    status: run.status ?? 'Unknown',
    message: run.message || undefined,
    start: iso(run.runStart),
    end: iso(run.runEnd),
    durationMs: run.durationInMs,
    parameters: run.parameters,
    activities: (acts.value ?? []).map(activityOf),
  };
}

export const isFinal = (r: RunReport): boolean => FINAL_RUN_STATUSES.includes(r.status);

/**
 * Polls the run until it ends; `onChange` sees every report that differs from the previous one (status,
 * activities, progress). Resolves with the final report; `signal` stops waiting (the run goes on).
 */
export async function waitForRun(scope: FactoryScope, runId: string, opts: { intervalMs?: number; onChange?: (r: RunReport) => void; signal?: AbortSignal } = {}): Promise<RunReport> {
  let last = '';
  for (;;) {
    const r = await runReport(scope, runId);
    const seen = JSON.stringify([r.status, r.message, r.activities]);
    if (seen !== last) {
      last = seen;
      opts.onChange?.(r);
    }
    if (isFinal(r) || opts.signal?.aborted) return r;
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 500));
  }
}
