/**
 * Check 2: names. A resource's `name` must equal its file name (ADF's Git mode finds resources by file name and
 * publishes them by `name`), and activity names must be unique within their pipeline. Resource names that
 * collide across files are found by the loader (`DUPLICATE_NAME`), which keys resources by name.
 */
import type { Problem } from '../errors.js';
import { nameKey, type Factory } from '../model/factory.js';
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
    const seen = new Map<string, number>();
    const activities = Array.isArray(p.properties.activities) ? p.properties.activities : [];
    activities.forEach((a, i) => {
      if (!a || typeof a.name !== 'string' || !a.name) return;
      const first = seen.get(nameKey(a.name));
      if (first === undefined) {
        seen.set(nameKey(a.name), i);
        return;
      }
      out.push(
        problemAt(
          p,
          'error',
          'DUPLICATE_ACTIVITY',
          ['properties', 'activities', i, 'name'],
          `activity name "${a.name}" is already used by activity ${first + 1} of this pipeline`,
          'activity names are unique within a pipeline (case-insensitive); rename one of them',
        ),
      );
    });
  }
  return out;
}
