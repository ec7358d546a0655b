/**
 * Turns ajv's errors into problems a person can act on: one sentence with the JSON path of the offending node,
 * its position, and a fix. The schemas use `if`/`then` on `type`, so ajv only reports errors of the chosen type;
 * here we drop the `if` bookkeeping, merge a missing property with a sibling that is a typo of it, and word each
 * keyword in plain language.
 */
import type { AnySchemaObject as SchemaObject, ErrorObject } from 'ajv';
import type { Problem, Severity } from '../errors.js';
import { formatJsonPath, pointerToPath, type JsonDocument } from '../jsonDocument.js';
import type { ResourceKind } from '../model/types.js';
import { exampleFor, json, propertySchema } from './examples.js';
import { article, constHint, describe, holdsSecret, typeHint } from './messageWords.js';
import { TYPO_KEYWORD, type TypoParams } from './schemas.js';
import { closest } from './suggest.js';

type Path = Array<string | number>;

/** Properties that belong inside `properties`, for files that put them at the top level. */
const PROPERTIES_LEVEL = ['type', 'typeProperties', 'linkedServiceName', 'connectVia', 'activities', 'parameters', 'description', 'annotations', 'folder', 'variables', 'schema', 'structure'];

export function problemsFromAjv(errors: readonly ErrorObject[], doc: JsonDocument, kind: ResourceKind): Problem[] {
  const relevant = errors.filter((e) => e.keyword !== 'if' && !ownedByLoader(e));
  const typos = relevant.filter((e) => e.keyword === TYPO_KEYWORD);
  const merged = new Set<ErrorObject>();
  const out: Problem[] = [];
  // `about` is the node the message names (the object, for a property that does not belong in it); `path` is where it points.
  const add = (severity: Severity, code: string, path: Path, message: string, hint: string, about: Path = path): void => {
    const prefix = formatJsonPath(about);
    out.push({ severity, code, message: `${prefix ? `${prefix}: ` : ''}${message}`, hint, place: { ...doc.placeOf(path), field: formatJsonPath(path) } });
  };
  const misplaced = new Set(relevant.filter((e) => e.keyword === 'additionalProperties').map((e) => (e.params as { additionalProperty: string }).additionalProperty));

  for (const e of relevant) {
    if (e.keyword === TYPO_KEYWORD) continue;
    const path = pointerToPath(e.instancePath);
    const hints = (e.parentSchema?.['x-hints'] ?? {}) as Record<string, string>;
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        const typo = typos.find((t) => t.instancePath === e.instancePath && (t.params as TypoParams).suggestion === missing);
        const sibling = typo ? (typo.params as TypoParams).property : misspelledSibling(e.data, missing, e.parentSchema);
        if (typo) merged.add(typo);
        if (sibling !== undefined) {
          add('error', 'SCHEMA_REQUIRED', [...path, sibling], `unexpected property "${sibling}"`, `did you mean "${missing}"?`, path);
          break;
        }
        // Written at the wrong level: the unexpected-property error where it is says where to move it.
        if (misplaced.has(missing)) break;
        const nested = nestedKey(e.data, missing);
        if (nested) {
          const where = formatJsonPath(path) || 'the top level';
          add('error', 'SCHEMA_REQUIRED', [...path, ...nested], `missing required property "${missing}"`, `it is inside "${String(nested[0])}": move it up into ${where}`, path);
          break;
        }
        const propSchema = propertySchema(e.parentSchema, missing, kind);
        const choices = propSchema && Array.isArray(propSchema.enum) && propSchema.enum.length > 3 ? (propSchema.enum as string[]) : undefined;
        const hint = choices ? `add "${missing}", one of ${choices.join(', ')}` : `add "${missing}": ${exampleFor(propSchema, missing, kind)}`;
        add('error', 'SCHEMA_REQUIRED', path, `missing required property "${missing}"`, hints.required ?? hint);
        break;
      }
      case 'additionalProperties': {
        const name = (e.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {}).filter((k) => k !== '$schema');
        const suggestion = closest(name, known);
        let hint: string;
        if (suggestion) hint = `did you mean "${suggestion}"?`;
        else if (path.length === 0 && PROPERTIES_LEVEL.includes(name)) hint = `move it into "properties": { ... }`;
        else hint = `remove it; allowed here: ${known.join(', ')}`;
        add('error', 'SCHEMA_UNKNOWN_PROPERTY', [...path, name], `unexpected property "${name}"`, hint, path);
        break;
      }
      case 'type': {
        const expected = (e.params as { type: string }).type;
        add('error', 'SCHEMA_TYPE', path, `must be ${article(expected)}, not ${describe(e.data, holdsSecret(path))}`, hints.type ?? typeHint(e, expected, holdsSecret(path)));
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const suggestion = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
        add('error', 'SCHEMA_ENUM', path, `${json(e.data)} must be one of ${allowed.join(', ')}`, suggestion ? `did you mean "${suggestion}"?` : (hints.enum ?? 'use one of these values'));
        break;
      }
      case 'const': {
        const wanted = (e.params as { allowedValue: unknown }).allowedValue;
        add('error', 'SCHEMA_CONST', path, `must be ${json(wanted)}, not ${json(e.data)}`, hints.const ?? constHint(path, wanted, e.data, kind));
        break;
      }
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum': {
        const { comparison, limit } = e.params as { comparison: string; limit: number };
        add('error', 'SCHEMA_RANGE', path, `must be ${comparison} ${limit}, not ${json(e.data)}`, hints[e.keyword] ?? `use a value ${comparison} ${limit}`);
        break;
      }
      case 'minLength':
      case 'maxLength': {
        const limit = (e.params as { limit: number }).limit;
        const msg = e.keyword === 'minLength' ? (limit === 1 ? 'must not be empty' : `must have at least ${limit} characters`) : `must have at most ${limit} characters`;
        add('error', 'SCHEMA_LENGTH', path, msg, hints[e.keyword] ?? (e.keyword === 'minLength' ? 'fill it in' : 'shorten it'));
        break;
      }
      case 'pattern':
        add('error', 'SCHEMA_PATTERN', path, `${json(e.data)} is not allowed here`, hints.pattern ?? `it must match ${(e.params as { pattern: string }).pattern}`);
        break;
      case 'minItems':
      case 'maxItems': {
        const limit = (e.params as { limit: number }).limit;
        const msg = e.keyword === 'minItems' ? `must have at least ${limit} item${limit === 1 ? '' : 's'}` : `must have at most ${limit} item${limit === 1 ? '' : 's'}`;
        add('error', 'SCHEMA_ITEMS', path, msg, hints[e.keyword] ?? (e.keyword === 'minItems' ? 'add the missing items' : 'remove the extra items'));
        break;
      }
      default:
        add('error', 'SCHEMA', path, e.message ?? `does not match the schema (${e.keyword})`, 'see the schema for what is allowed here');
    }
  }
  for (const t of typos) {
    if (merged.has(t)) continue;
    const { property, suggestion } = t.params as TypoParams;
    const at = pointerToPath(t.instancePath);
    add('warning', 'PROPERTY_TYPO', [...at, property], `unexpected property "${property}"`, `did you mean "${suggestion}"? (ADF ignores properties it does not know)`, at);
  }
  return dedupe(out);
}

/** The loader already reports a file that is not an object or has no usable `name`. */
function ownedByLoader(e: ErrorObject): boolean {
  if (e.instancePath !== '') return false;
  if (e.keyword === 'type') return true;
  if (e.keyword === 'required' && (e.params as { missingProperty: string }).missingProperty === 'name') return true;
  return false;
}

/** An unknown sibling that looks like a typo of the missing property. */
function misspelledSibling(data: unknown, missing: string, parentSchema: SchemaObject | undefined): string | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const known = Object.keys((parentSchema?.properties as object | undefined) ?? {});
  return Object.keys(data).find((k) => !known.includes(k) && closest(k, [missing]) === missing);
}

/** Where a missing property was written one or two levels too deep, e.g. `linkedServiceName` inside `typeProperties`. */
function nestedKey(data: unknown, missing: string): Path | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  for (const [k, v] of Object.entries(data)) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
    if (Object.prototype.hasOwnProperty.call(v, missing)) return [k, missing];
    for (const [k2, v2] of Object.entries(v)) {
      if (v2 && typeof v2 === 'object' && !Array.isArray(v2) && Object.prototype.hasOwnProperty.call(v2, missing)) return [k, k2, missing];
    }
  }
  return undefined;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.place.line}:${p.place.column}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
