/**
 * Check 2: names. A resource's `name` must equal its file name (ADF's Git mode finds resources by file name and
 * publishes them by `name`), and activity names must be unique within their pipeline. Resource names that
 * collide across files are found by the loader (`DUPLICATE_NAME`), which keys resources by name.
 */
import type { Problem } from '../errors.js';
import { activitiesOf } from '../model/activities.js';
import { nameKey, type Factory } from '../model/factory.js';
import { formatJsonPath } from '../jsonDocument.js';
import { problemAt } from './problem.js';

export function checkNames(factory: Factory): Problem[] {
  const out: Problem[] = [];
  for (const { doc, stem } of factory.files) {
    const name = (doc.value as { name?: unknown } | undefined)?.name;
    if (doc.syntaxErrors.length || typeof name !== 'string' || !name || name === stem) continue;
    out.push({
      severity: 'error',
      code: 'NAME_MISMATCH',
      message: `name: "${name}" differs from the file name "${stem}.json"`,
      hint: `rename the file to ${name}.json, or write "name": "${stem}"`,
      place: { ...doc.placeOf(['name']), field: 'name' },
    });
  }
  for (const p of factory.pipelines.values()) {
    // ADF: activity names are unique in the whole pipeline, inside ForEach, If, Switch and Until too
    const seen = new Map<string, string>();
    for (const { activity: a, path } of activitiesOf(p)) {
      if (typeof a.name !== 'string' || !a.name) continue;
      const first = seen.get(nameKey(a.name));
      if (first === undefined) {
        seen.set(nameKey(a.name), path.length === 3 ? `activity ${Number(path[2]) + 1} of this pipeline` : `the activity at ${formatJsonPath(path)}`);
        continue;
      }
      out.push(problemAt(p, 'error', 'DUPLICATE_ACTIVITY', [...path, 'name'], `activity name "${a.name}" is already used by ${first}`, 'activity names are unique within a pipeline (case-insensitive), nested ones included; rename one of them'));
    }
  }
  return out;
}
