/**
 * Every activity of a pipeline, nested ones included: ForEach and Until hold `activities`, IfCondition
 * `ifTrueActivities`/`ifFalseActivities`, Switch `cases[].activities` and `defaultActivities`. Each comes with its
 * JSON path (for positions), the list it sits in (what its dependsOn may name) and its containers.
 */
import type { Activity, Pipeline } from './types.js';

export type JsonPath = Array<string | number>;

export interface ActivityAt {
  activity: Activity;
  path: JsonPath;
  /** the list it is in: its dependsOn names activities of this list */
  siblings: Activity[];
  /** innermost container first */
  containers: ActivityAt[];
}

/** The activity lists inside a container activity, with their paths relative to the activity. */
export function innerLists(a: Activity): Array<{ path: JsonPath; list: Activity[] }> {
  const tp = (a && typeof a === 'object' && a.typeProperties && typeof a.typeProperties === 'object' ? a.typeProperties : {}) as Record<string, unknown>;
  const out: Array<{ path: JsonPath; list: Activity[] }> = [];
  const add = (path: JsonPath, v: unknown) => {
    if (Array.isArray(v)) out.push({ path, list: v as Activity[] });
  };
  switch (String(a?.type ?? '').toLowerCase()) {
    case 'foreach':
    case 'until':
      add(['typeProperties', 'activities'], tp.activities);
      break;
    case 'ifcondition':
      add(['typeProperties', 'ifTrueActivities'], tp.ifTrueActivities);
      add(['typeProperties', 'ifFalseActivities'], tp.ifFalseActivities);
      break;
    case 'switch':
      if (Array.isArray(tp.cases)) tp.cases.forEach((c, i) => add(['typeProperties', 'cases', i, 'activities'], (c as { activities?: unknown })?.activities));
      add(['typeProperties', 'defaultActivities'], tp.defaultActivities);
      break;
  }
  return out;
}

/** Keys of a container's typeProperties that hold activities (not values to evaluate). */
export const ACTIVITY_LIST_KEYS = new Set(['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities', 'cases']);

export function activitiesOf(p: Pipeline): ActivityAt[] {
  const out: ActivityAt[] = [];
  const walk = (list: unknown, path: JsonPath, containers: ActivityAt[]) => {
    if (!Array.isArray(list)) return;
    const siblings = list.filter((a) => a && typeof a === 'object' && !Array.isArray(a)) as Activity[];
    list.forEach((a, i) => {
      if (!a || typeof a !== 'object' || Array.isArray(a)) return;
      const at: ActivityAt = { activity: a as Activity, path: [...path, i], siblings, containers };
      out.push(at);
      for (const inner of innerLists(a as Activity)) walk(inner.list, [...at.path, ...inner.path], [at, ...containers]);
    });
  };
  walk(p.properties?.activities, ['properties', 'activities'], []);
  return out;
}
