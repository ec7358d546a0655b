/**
 * The functions that read the run itself: pipeline(), activity('name'), variables('name'), item(), dataset(),
 * linkedService(). What they may see is the scope the orchestrator (or the dataset resolution) hands in.
 */
import { FunctionError, type CallContext } from '../scope.js';
import type { Json } from '../values.js';
import { spec, str, type FunctionSpec } from './spec.js';

function byName<T>(map: Record<string, T> | undefined, name: string): T | undefined {
  if (!map) return undefined;
  if (Object.hasOwn(map, name)) return map[name];
  const k = Object.keys(map).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : map[k];
}

function pipelineObject(c: CallContext): Json {
  const p = c.scope.pipeline;
  if (!p) throw new FunctionError('pipeline() is only available in a pipeline\'s activities');
  return {
    DataFactory: p.dataFactory ?? 'local',
    Pipeline: p.name,
    RunId: p.runId,
    TriggerType: p.triggerType ?? 'Manual',
    TriggerId: p.runId,
    TriggerName: p.triggerType ?? 'Manual',
    TriggerTime: p.triggerTime ?? null,
    GroupId: p.groupId ?? p.runId,
    TriggeredByPipelineName: p.triggeredByPipelineName ?? null,
    TriggeredByPipelineRunId: p.triggeredByPipelineRunId ?? null,
    parameters: p.parameters as Json,
    globalParameters: {},
  };
}

export const SYSTEM_FUNCTIONS: FunctionSpec[] = [
  spec('pipeline', 'system', 0, 0, (_a, c) => pipelineObject(c)),
  spec('activity', 'system', 1, 1, (a, c) => {
    const name = str(c, a, 0);
    const view = byName(c.scope.activities, name);
    if (!view) throw new FunctionError(`activity('${name}') cannot be read here: no activity of that name ran before this one`, "an activity can read the output of activities it depends on (dependsOn), directly or through others, and of those its container (ForEach, If) depends on");
    const { output, status, error, ...rest } = view;
    return { ...(rest as Record<string, Json>), output: (output ?? null) as Json, status: status ?? null, Status: status ?? null, error: (error ?? null) as Json };
  }),
  spec('variables', 'system', 1, 1, (a, c) => {
    const name = str(c, a, 0);
    const vars = c.scope.variables ?? {};
    const key = Object.hasOwn(vars, name) ? name : Object.keys(vars).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw new FunctionError(`variables('${name}'): the pipeline has no variable named '${name}'${Object.keys(vars).length ? ` (it has ${Object.keys(vars).join(', ')})` : ''}`, 'declare it under properties.variables');
    return (vars[key] ?? null) as Json;
  }),
  spec('item', 'system', 0, 0, (_a, c) => {
    if (!c.scope.item) throw new FunctionError('item() is only available inside a ForEach (its activities) or a Filter (its condition)');
    return c.scope.item.value as Json;
  }),
  spec('dataset', 'system', 0, 0, (_a, c) => {
    if (!c.scope.dataset) throw new FunctionError("dataset() is only available in a dataset's own properties");
    return c.scope.dataset as Json;
  }),
  spec('linkedService', 'system', 0, 0, (_a, c) => {
    if (!c.scope.linkedService) throw new FunctionError("linkedService() is only available in a linked service's own properties");
    return c.scope.linkedService as Json;
  }),
];
