/**
 * Rows as a Lookup returns them: JSON objects, one property per column, each value typed as ADF types it — and
 * exact. Stores hand every value over as text (copy/rows.ts); here integers become numbers (ExactNumber beyond
 * 2^53), decimals ExactNumbers with every digit, timestamps ISO 8601 text with every fraction digit the store gave
 * (`2024-03-01T10:00:00.123456Z`; no zone for a timestamp without one), booleans true/false. A watermark read this
 * way and written back into a query or a procedure parameter is the value the store had.
 */
import { DmgwError } from '../../common/errors.js';
import { ExactNumber, integer, parseJsonExact, type Json } from '../../common/expressions.js';
import type { Column, LogicalType, Row } from '../copy/rows.js';

/** ADF's lookup cap: at most 5000 rows, and at most 4 MB of output. */
export const LOOKUP_MAX_ROWS = 5000;
export const LOOKUP_MAX_BYTES = 4 * 1024 * 1024;

const TS = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:\s*([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?|\s*Z)?$/i;

/** A store's timestamp text as ISO 8601: `T` between date and time, `Z` for UTC, the offset otherwise. */
export function isoTimestamp(text: string, zoned: boolean): string {
  const m = TS.exec(text.trim());
  if (!m) return text; // infinity, -infinity, BC dates: as the store wrote them
  if (!zoned) return `${m[1]}T${m[2]}`;
  const offset = m[3] ? `${m[3]}:${m[4] ?? '00'}` : '+00:00';
  return `${m[1]}T${m[2]}${offset === '+00:00' || offset === '-00:00' ? 'Z' : offset}`;
}

export function typedValue(text: string | null, type: LogicalType): Json {
  if (text === null) return null;
  switch (type) {
    case 'integer':
      return /^[+-]?\d+$/.test(text.trim()) ? integer(BigInt(text.trim())) : text;
    case 'decimal':
      return ExactNumber.parse(text) ?? text;
    case 'float': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text; // NaN and ±Infinity have no JSON number: kept as text
    }
    case 'boolean':
      return /^(t|true|1|y|yes|on)$/i.test(text.trim()) ? true : /^(f|false|0|n|no|off)$/i.test(text.trim()) ? false : text;
    case 'timestamptz':
      return isoTimestamp(text, true);
    case 'timestamp':
      return isoTimestamp(text, false);
    default:
      return text;
  }
}

export function rowObject(columns: Column[], row: Row): Record<string, Json> {
  const o: Record<string, Json> = {};
  columns.forEach((c, i) => (o[c.name] = typedValue(row[i] ?? null, c.type)));
  return o;
}

/**
 * The objects of a JSON file as Lookup reads it: one array of objects (arrayOfObjects), or objects one after
 * another (setOfObjects, JSON Lines or not). Numbers keep their digits (parseJsonExact).
 */
export function jsonObjects(text: string, file: string): Json[] {
  const t = text.replace(/^\uFEFF/, '').trim();
  const parse = (s: string, at: number): Json => {
    try {
      return parseJsonExact(s) as Json;
    } catch (e) {
      throw new DmgwError('JSON_SYNTAX', `${file}: the JSON value at character ${at + 1} does not parse (${(e as Error).message})`, { field: 'dataset' }, 'a Json file holds one array of objects, or objects one after another');
    }
  };
  if (t.startsWith('[')) {
    const v = parse(t, 0);
    return Array.isArray(v) ? v : [v];
  }
  const out: Json[] = [];
  let depth = 0;
  let inStr = false;
  let start = -1;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) out.push(parse(t.slice(start, i + 1), start));
    }
  }
  if (depth !== 0) throw new DmgwError('JSON_SYNTAX', `${file}: the last JSON object is never closed`, { field: 'dataset' });
  return out;
}
