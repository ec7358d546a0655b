/**
 * Check 4: `dependsOn` names activities of the same list (the pipeline's, or one container's: ForEach, If, Switch,
 * Until), never the activity itself, and the dependencies have no cycle (ADF would refuse to run the pipeline).
 */
import type { Problem } from '../errors.js';
import { activitiesOf, innerLists } from '../model/activities.js';
import { nameKey, type Factory } from '../model/factory.js';
import type { Activity, Pipeline } from '../model/types.js';
import { problemAt, type JsonPath } from './problem.js';
import { listOf } from './suggest.js';
import { asText } from './asText.js';

export function checkDependencies(f: Factory): Problem[] {
  const out: Problem[] = [];
  for (const p of f.pipelines.values()) {
    if (!Array.isArray(p.properties.activities)) continue;
    checkList(p, p.properties.activities, ['properties', 'activities'], out);
    for (const { activity, path } of activitiesOf(p)) for (const inner of innerLists(activity)) checkList(p, inner.list, [...path, ...inner.path], out);
  }
  return out;
}

function checkList(p: Pipeline, list: Activity[], listPath: JsonPath, out: Problem[]): void {
  const activities = list.filter(isObject);
  const names = new Set(activities.map((a) => (typeof a.name === 'string' ? nameKey(a.name) : '')));
  const here = listPath.length > 2 ? ' list' : ' pipeline';
  list.forEach((a: Activity, i: number) => {
    if (!isObject(a)) return;
    const base: JsonPath = [...listPath, i];
    const deps = Array.isArray(a.dependsOn) ? a.dependsOn : [];
    deps.forEach((d, k) => {
      const dep = d?.activity;
      if (typeof dep !== 'string' || !dep) return;
      const path = [...base, 'dependsOn', k, 'activity'];
      if (typeof a.name === 'string' && nameKey(dep) === nameKey(a.name)) out.push(problemAt(p, 'error', 'DEPENDENCY_CYCLE', path, `activity "${a.name}" depends on itself`, 'remove this dependency'));
      else if (!names.has(nameKey(dep))) {
        const others = activities.map((x) => asText(x.name)).filter((n) => nameKey(n) !== nameKey(asText(a.name)));
        const hint = others.length ? `depend on ${others.length === 1 ? '' : 'one of '}${listOf(others)}, or remove this dependency` : `remove this dependency, or add an activity named "${dep}"`;
        out.push(problemAt(p, 'error', 'REF_NOT_FOUND', path, `activity "${dep}" is not in this${here}`, hint));
      }
    });
  });
  const cycle = findCycle(activities);
  if (cycle) {
    const i = list.findIndex((a) => isObject(a) && nameKey(asText(a.name)) === cycle[0]);
    const display = cycle.map((k) => asText(activities.find((a) => nameKey(asText(a.name)) === k)?.name ?? k));
    out.push(problemAt(p, 'error', 'DEPENDENCY_CYCLE', [...listPath, i, 'dependsOn'], `activities depend on each other in a cycle: ${display.join(' → ')}`, 'remove one of these dependencies'));
  }
}

/** A dependency cycle of length ≥ 2 (self-dependencies are reported on their own), as lower-cased names. */
function findCycle(activities: Activity[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const a of activities) {
    const deps = (Array.isArray(a.dependsOn) ? a.dependsOn : []).map((d) => (typeof d?.activity === 'string' ? nameKey(d.activity) : '')).filter((d) => d && d !== nameKey(asText(a.name)));
    edges.set(nameKey(asText(a.name)), deps);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (!edges.has(m)) continue;
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

function isObject(v: unknown): v is Activity {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
