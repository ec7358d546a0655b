/**
 * Check 6: a Copy's settings that need each other (nested Copies too).
 * - `enableStaging: true` names where to stage: `stagingSettings.linkedServiceName` (its type: references.ts).
 * - A sink's `writeBehavior: "upsert"` has `upsertSettings.keys`, a non-empty list of column names, and no writer
 *   procedure beside it; each key is a column the sink dataset declares (its `schema`, when it has one) and one the
 *   copy fills (the translator's sink columns, when it maps). The worker checks the keys against the real table again
 *   before anything is read (agent/connectors/upsert.ts).
 */
import type { Problem } from '../errors.js';
import { activitiesOf } from '../model/activities.js';
import type { Factory } from '../model/factory.js';
import { find } from './lookup.js';
import { problemAt, type JsonPath } from './problem.js';
import { closest, listOf } from './suggest.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const isExpression = (v: unknown) => isObject(v) && v.type === 'Expression';

export function checkCopySettings(f: Factory): Problem[] {
  const out: Problem[] = [];
  for (const p of f.pipelines.values()) {
    for (const { activity: a, path } of activitiesOf(p)) {
      if (a.type !== 'Copy' || !isObject(a.typeProperties)) continue;
      const tp = a.typeProperties;
      if (tp.enableStaging === true && !(isObject(tp.stagingSettings) && isObject(tp.stagingSettings.linkedServiceName))) {
        out.push(problemAt(p, 'error', 'STAGING_SETTINGS_MISSING', [...path, 'typeProperties', ...(isObject(tp.stagingSettings) ? ['stagingSettings'] : ['enableStaging'])], 'enableStaging needs stagingSettings.linkedServiceName: the blob store to stage in', 'add "stagingSettings": { "linkedServiceName": { "referenceName": "<blob linked service>", "type": "LinkedServiceReference" }, "path": "container/folder" }'));
      }
      if (!isObject(tp.sink)) continue;
      const sink = tp.sink;
      const at: JsonPath = [...path, 'typeProperties', 'sink'];
      if (typeof sink.writeBehavior !== 'string' || sink.writeBehavior.toLowerCase() !== 'upsert') continue;
      if (sink.sqlWriterStoredProcedureName !== undefined) {
        out.push(problemAt(p, 'error', 'UPSERT_SETTINGS', [...at, 'writeBehavior'], 'writeBehavior "upsert" and sqlWriterStoredProcedureName cannot be used together', 'remove one: the procedure decides how rows are written'));
      }
      const settings = sink.upsertSettings;
      if (!isObject(settings) || settings.keys === undefined) {
        out.push(problemAt(p, 'error', 'UPSERT_KEYS_MISSING', isObject(settings) ? [...at, 'upsertSettings'] : [...at, 'writeBehavior'], 'writeBehavior "upsert" needs upsertSettings.keys: the columns that identify a row', 'add "upsertSettings": { "keys": ["id"] }'));
        continue;
      }
      if (isExpression(settings.keys)) continue;
      if (!Array.isArray(settings.keys) || settings.keys.length === 0) {
        out.push(problemAt(p, 'error', 'UPSERT_KEYS_MISSING', [...at, 'upsertSettings', 'keys'], 'upsertSettings.keys must list at least one column', 'write e.g. "keys": ["id"]'));
        continue;
      }
      const declared = declaredColumns(f, a.outputs?.[0]?.referenceName);
      const mapped = mappedColumns(a.typeProperties.translator);
      settings.keys.forEach((k, i) => {
        const keyPath = [...at, 'upsertSettings', 'keys', i];
        if (typeof k !== 'string' || !k.trim()) {
          out.push(problemAt(p, 'error', 'UPSERT_KEY', keyPath, 'a key must be a column name', 'write the column name as a string'));
          return;
        }
        const has = (list: string[]) => list.some((c) => c.toLowerCase() === k.toLowerCase());
        if (declared && !has(declared)) {
          const near = closest(k, declared);
          out.push(problemAt(p, 'error', 'UPSERT_KEY', keyPath, `"${k}" is not a column of the sink dataset "${a.outputs![0]!.referenceName}" (it declares ${listOf(declared, 'and')})`, near ? `did you mean "${near}"?` : 'name a column of the sink table'));
        } else if (mapped && !has(mapped)) {
          out.push(problemAt(p, 'error', 'UPSERT_KEY', keyPath, `"${k}" is not among the columns the translator writes (${listOf(mapped, 'and')})`, 'map the key column too, or choose a mapped column'));
        }
      });
    }
  }
  return out;
}

/** The column names a dataset declares in `schema` (ADF's physical schema), or undefined when it declares none. */
function declaredColumns(f: Factory, name: unknown): string[] | undefined {
  const ds = find(f, 'dataset', name);
  const schema = (ds?.properties as { schema?: unknown } | undefined)?.schema;
  if (!Array.isArray(schema) || !schema.length) return undefined;
  const names = schema.map((c) => (isObject(c) && typeof c.name === 'string' ? c.name : undefined));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/** The sink column names of a TabularTranslator's explicit mappings, or undefined when it does not map. */
function mappedColumns(translator: unknown): string[] | undefined {
  if (!isObject(translator) || !Array.isArray(translator.mappings) || !translator.mappings.length) return undefined;
  const names = translator.mappings.map((m) => (isObject(m) && isObject(m.sink) && typeof m.sink.name === 'string' ? m.sink.name : undefined));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}
