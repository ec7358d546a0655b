/**
 * ExecutePipeline: runs `pipeline` with `parameters` (expressions evaluated here, in the parent), waiting for it
 * unless `waitOnCompletion` is false. Its output names the child run and carries what the child set as its
 * `pipelineReturnValue`; a child that fails fails the activity with the child's error.
 */
import { flag, invalid, type ControlHandler } from './control.js';
import { newId } from '../context.js';

/** Children nest at most this deep: a pipeline that runs itself would otherwise never end. */
export const MAX_DEPTH = 16;

export const executePipeline: ControlHandler = async (c) => {
  const ref = c.typeProperties.pipeline as { referenceName?: unknown } | undefined;
  const name = ref?.referenceName;
  if (typeof name !== 'string' || !name) throw invalid(c, 'pipeline', 'names no pipeline', 'set "pipeline": { "referenceName": "Child", "type": "PipelineReference" }');
  const r = c.frame.run;
  if (r.depth + 1 > MAX_DEPTH) throw invalid(c, 'pipeline', `pipelines run each other more than ${MAX_DEPTH} deep (does a pipeline run itself?)`);
  const parameters = (c.resolve(c.typeProperties.parameters ?? {}) ?? {}) as Record<string, unknown>;
  const wait = flag(c.typeProperties.waitOnCompletion, true);
  const runId = newId();
  const child = r.startChild({ runId, pipeline: name, parameters, waitOnCompletion: wait, activity: c.activity.name, activityRunId: c.activityRunId, signal: c.signal });
  if (!wait) {
    r.background.push(child.catch(() => undefined));
    return { output: { pipelineName: name, pipelineRunId: runId } };
  }
  const outcome = await child;
  const output = { pipelineName: name, pipelineRunId: outcome.runId, ...(outcome.pipelineReturnValue ? { pipelineReturnValue: outcome.pipelineReturnValue } : {}) };
  const error = outcome.status === 'Failed' ? { code: outcome.error?.code ?? 'PIPELINE_FAILED', message: `pipeline ${name} (run ${outcome.runId}) failed: ${outcome.error?.message ?? 'no reason given'}`, ...(outcome.error?.hint ? { hint: outcome.error.hint } : {}) } : undefined;
  return { output, inner: outcome.activities ?? [], ...(error ? { error } : {}) };
};
