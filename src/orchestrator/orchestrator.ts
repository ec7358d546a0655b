/**
 * `orchestrate`: runs one pipeline of a factory model to its end and returns what happened, telling it as run
 * events on the way. Before anything runs, the pipeline's expressions are checked as `dmgw validate` checks them
 * (unknown functions, argument counts, unknown activities and variables): a mistake stops the run at once, with
 * the place in the file. ExecutePipeline children run here too (unless the caller runs them elsewhere), their
 * activities' events in the same stream, tagged with the child's run id.
 */
import { DmgwError, formatProblem } from '../common/errors.js';
import type { RunEvent, RunEventInput } from '../common/events.js';
import { nameKey } from '../common/model/factory.js';
import type { Pipeline } from '../common/model/types.js';
import { redactDeep } from '../common/redact.js';
import { checkPipelineExpressions } from '../common/validate/expressionCheck.js';
import { errorInfo, newId, type Frame, type PipelineRun } from './context.js';
import { runGraph } from './engine.js';
import { maskSecure, pipelineParameters } from './parameters.js';
import type { ActivityResult, ChildRunOutcome, Clock, OrchestratorOptions, PipelineRunResult, RunError, RunStatus } from './types.js';

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

const CANCELLED: RunError = { code: 'CANCELLED', message: 'the run was cancelled; nothing was committed to the sink' };

function findPipeline(o: OrchestratorOptions, name: string, field: string) {
  const p = o.factory.pipelines.get(nameKey(name));
  if (!p) {
    const names = [...o.factory.pipelines.values()].map((x) => x.name);
    throw new DmgwError('PIPELINE_NOT_FOUND', `pipeline "${name}" is not in factory ${o.factory.dir}`, { field }, names.length ? `pipelines there: ${names.join(', ')}` : 'the factory has no pipeline/ folder with pipelines');
  }
  const problems = checkPipelineExpressions(o.factory, p).filter((x) => x.severity === 'error');
  if (problems.length) {
    throw new DmgwError('PIPELINE_INVALID', `pipeline ${p.name} cannot run: ${formatProblem(problems[0]!)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { file: p.file }, `dmgw validate ${o.factory.dir} lists every problem`);
  }
  return p;
}

function variablesOf(p: Pipeline): { values: Record<string, unknown>; types: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  for (const [k, spec] of Object.entries((p.properties.variables ?? {}) as Record<string, { type?: unknown; defaultValue?: unknown }>)) {
    const type = typeof spec?.type === 'string' ? spec.type : 'String';
    types[k] = type;
    values[k] = spec?.defaultValue !== undefined ? spec.defaultValue : type.toLowerCase() === 'array' ? [] : null;
  }
  return { values, types };
}

interface RunSetup {
  name: string;
  parameters: Record<string, unknown>;
  runId: string;
  depth: number;
  signal: AbortSignal;
  child?: PipelineRun['child'];
  emit: (e: RunEventInput) => void;
  background: Array<Promise<unknown>>;
}

/** One pipeline run (the one started, or a child): its activities, its outcome. */
async function runOne(o: OrchestratorOptions, s: RunSetup): Promise<PipelineRunResult> {
  const clock = o.clock ?? systemClock;
  const t0 = clock.now();
  const pipeline = findPipeline(o, s.name, s.child ? `activities.${s.child.parentActivity}.typeProperties.pipeline` : '--pipeline');
  const parameters = pipelineParameters(pipeline, s.parameters, s.child ? `activities.${s.child.parentActivity}.typeProperties.parameters` : '--param');
  const vars = variablesOf(pipeline);
  const run: PipelineRun = {
    opts: o,
    pipeline,
    runId: s.runId,
    ...(s.child ? { child: s.child } : {}),
    depth: s.depth,
    parameters,
    variables: vars.values,
    variableTypes: vars.types,
    background: s.background,
    signal: s.signal,
    clock,
    secondMs: o.secondMs ?? 1000,
    triggerTime: new Date(t0).toISOString(),
    emit: s.emit,
    startChild: (req) => startChild(o, run, req),
  };
  const frame: Frame = { run, visible: {}, signal: s.signal };
  const outcome = await runGraph(Array.isArray(pipeline.properties.activities) ? pipeline.properties.activities : [], frame);
  const status: RunStatus = s.signal.aborted ? 'Cancelled' : outcome.status;
  const error = status === 'Cancelled' ? CANCELLED : outcome.error ? { code: outcome.error.code, message: `activity ${outcome.error.activity} failed: ${outcome.error.message}`, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) } : undefined;
  return { runId: s.runId, pipeline: pipeline.name, status, durationMs: clock.now() - t0, parameters: maskSecure(pipeline, parameters), activities: outcome.records, ...(error ? { error } : {}), ...(run.returnValue ? { pipelineReturnValue: run.returnValue } : {}) };
}

/** ExecutePipeline: the caller's runChild, or a run here whose activities report into the same stream. */
async function startChild(o: OrchestratorOptions, parent: PipelineRun, req: Parameters<PipelineRun['startChild']>[0]): Promise<ChildRunOutcome & { activities?: ActivityResult[] }> {
  if (o.runChild) {
    return o.runChild({ runId: req.runId, pipeline: req.pipeline, parameters: req.parameters, waitOnCompletion: req.waitOnCompletion, parent: { runId: parent.runId, pipeline: parent.pipeline.name, activity: req.activity, activityRunId: req.activityRunId }, signal: req.signal });
  }
  const r = await runOne(o, {
    name: req.pipeline,
    parameters: req.parameters,
    runId: req.runId,
    depth: parent.depth + 1,
    signal: req.signal,
    child: { runId: req.runId, pipeline: req.pipeline, parentActivity: req.activity, parentActivityRunId: req.activityRunId, parentRunId: parent.runId, parentPipeline: parent.pipeline.name },
    emit: parent.emit,
    background: parent.background,
  });
  return { runId: r.runId, status: r.status, ...(r.error ? { error: r.error } : {}), ...(r.pipelineReturnValue ? { pipelineReturnValue: r.pipelineReturnValue } : {}), activities: r.activities.map((a) => ({ ...a, pipelineRunId: a.pipelineRunId ?? r.runId, pipeline: a.pipeline ?? r.pipeline })) };
}

export async function orchestrate(o: OrchestratorOptions): Promise<PipelineRunResult> {
  const runId = o.runId ?? newId();
  const signal = o.signal ?? new AbortController().signal;
  const clock = o.clock ?? systemClock;
  const emit = (e: RunEventInput) => o.emit?.({ ...e, time: new Date(clock.now()).toISOString(), runId } as RunEvent);
  const t0 = clock.now();
  // a pipeline or parameter mistake is thrown before run-started: nothing ran
  const pipeline = findPipeline(o, o.pipeline, '--pipeline');
  const shown = maskSecure(pipeline, pipelineParameters(pipeline, o.parameters ?? {}));
  emit({ event: 'run-started', pipeline: pipeline.name, parameters: shown });
  const background: Array<Promise<unknown>> = [];
  let result: PipelineRunResult;
  try {
    result = await runOne(o, { name: o.pipeline, parameters: o.parameters ?? {}, runId, depth: 0, signal, emit, background });
  } catch (e) {
    // a mistake only found while running (validation catches the ones it can): the run that started ends Failed
    result = { runId, pipeline: pipeline.name, status: 'Failed', durationMs: 0, parameters: shown, activities: [], error: errorInfo(e, 'RUN_FAILED') };
  }
  // children started without waiting still belong to this run: it ends after them
  while (background.length) await Promise.all(background.splice(0));
  result.durationMs = clock.now() - t0;
  if (result.pipelineReturnValue) result.pipelineReturnValue = redactDeep(result.pipelineReturnValue);
  emit({ event: 'run-finished', status: result.status, durationMs: result.durationMs, ...(result.error ? { error: result.error } : {}), ...(result.pipelineReturnValue ? { pipelineReturnValue: result.pipelineReturnValue } : {}) });
  return result;
}
