/**
 * Request bodies checked against a JSON schema before anything reads them (the gateway channel, ARM routes, the
 * host's own check of its worker's events). One ajv instance, each schema compiled once on first use; the first
 * error becomes one sentence naming the field (`events[2].status must be one of Succeeded, Failed, Cancelled`), and
 * never repeats the value sent: a body may carry a key, a token or a connection string.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { formatJsonPath, pointerToPath } from '../jsonDocument.js';
import { article, describe } from './messageWords.js';

export type BodyVerdict<T> = { ok: true; value: T } | { ok: false; field: string; message: string };
export type BodyCheck<T> = (value: unknown) => BodyVerdict<T>;

/** What names the body itself when the problem is the whole of it. */
export const BODY_FIELD = 'body';

let ajv: Ajv | undefined;

function instance(): Ajv {
  if (ajv) return ajv;
  // strictNumbers: NaN and ±Infinity are not numbers (JSON cannot carry them, but 1e400 parses to Infinity).
  // discriminator: a union of objects tagged by one property reports the errors of the member the tag names.
  // verbose: errors carry the data and schema they are about, for the wording below.
  ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictNumbers: true, discriminator: true });
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  return ajv;
}

/** A checker for `schema`, compiled the first time it is used. */
export function bodyCheck<T>(schema: AnySchemaObject): BodyCheck<T> {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= instance().compile(schema);
    if (validate(value)) return { ok: true, value: value as T };
    return explain(validate.errors![0]!);
  };
}

function explain(e: ErrorObject): { ok: false; field: string; message: string } {
  const at = pointerToPath(e.instancePath);
  const name = (path: Array<string | number>) => formatJsonPath(path) || BODY_FIELD;
  const field = name(at);
  const whole = field === BODY_FIELD ? 'the request body' : field;
  switch (e.keyword) {
    case 'required': {
      const missing = name([...at, (e.params as { missingProperty: string }).missingProperty]);
      return { ok: false, field: missing, message: `${missing} is required` };
    }
    case 'type': {
      // 1e400 parses to Infinity: a number, but not one a store or a timer can hold
      const got = typeof e.data === 'number' && !Number.isFinite(e.data) ? 'a number too large to hold' : describe(e.data, true);
      return { ok: false, field, message: `${whole} must be ${String((e.params as { type: string }).type).split(',').map(article).join(' or ')}, not ${got}` };
    }
    case 'enum':
      return { ok: false, field, message: `${whole} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}` };
    case 'const':
      return { ok: false, field, message: `${whole} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return { ok: false, field, message: `${whole} must be ${comparison} ${limit}` };
    }
    case 'minLength':
      return { ok: false, field, message: `${whole} must not be empty` };
    case 'maxLength':
      return { ok: false, field, message: `${whole} must have at most ${(e.params as { limit: number }).limit} characters` };
    case 'maxItems':
      return { ok: false, field, message: `${whole} must have at most ${(e.params as { limit: number }).limit} items; send them in smaller batches` };
    case 'maxProperties':
      return { ok: false, field, message: `${whole} must have at most ${(e.params as { limit: number }).limit} properties` };
    case 'pattern':
      return { ok: false, field, message: `${whole} is not in the expected form` };
    case 'format':
      return { ok: false, field, message: `${whole} must be an ISO 8601 date-time with a time zone, e.g. 2024-03-01T12:00:00Z` };
    case 'discriminator': {
      const { tag } = e.params as { tag: string };
      const tagField = name([...at, tag]);
      const kinds = discriminatorValues(e.parentSchema);
      return { ok: false, field: tagField, message: `${tagField} must be one of ${kinds.join(', ')}` };
    }
    default:
      return { ok: false, field, message: `${whole} ${e.message ?? 'is not valid'}` };
  }
}

function discriminatorValues(schema: AnySchemaObject | undefined): string[] {
  const tag = (schema?.discriminator as { propertyName?: string } | undefined)?.propertyName ?? '';
  return ((schema?.oneOf ?? []) as AnySchemaObject[]).map((s) => String((s.properties?.[tag] as { const?: unknown } | undefined)?.const));
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/i;

/**
 * RFC 3339 date-time as the stores take it: years 1-9999 (PostgreSQL has no year 0), a real calendar day, no leap
 * second, and a time zone offset of at most 14 hours (the widest in use; PostgreSQL refuses 16 and more).
 */
export function isDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return false;
  const day = new Date(Date.UTC(2000, mo - 1, d));
  day.setUTCFullYear(y);
  if (day.getUTCDate() !== d) return false;
  if (m[7] && (Number(m[8]) > 14 || Number(m[9]) > 59)) return false;
  return true;
}
