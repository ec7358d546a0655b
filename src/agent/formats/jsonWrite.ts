/**
 * Writing Json rows (formats/json.ts): numeric columns as JSON numbers, booleans as true/false, json objects/arrays
 * embedded, the rest as strings. Shared by the row encoder and the COPY-text transcoder (pgTextJson.ts), which
 * must write the same bytes.
 */
import type { Column, LogicalType } from '../copy/rows.js';
import type { RowEncoder } from './format.js';

export type JsonFilePattern = 'setOfObjects' | 'arrayOfObjects';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** What JSON.stringify would escape in a string: the quote, the backslash, controls, and surrogates (lone ones are escaped). */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without its per-call cost when nothing in it needs escaping (most values). */
export function jsonString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}
const TRUE = new Set(['t', 'true', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['f', 'false', '0', 'no', 'n', 'off']);

export function jsonValueWriter(t: LogicalType): (v: string) => string {
  switch (t) {
    case 'integer':
    case 'decimal':
    case 'float':
      return (v) => (JSON_NUMBER.test(v) ? v : jsonString(v));
    case 'boolean':
      return (v) => {
        const l = v.toLowerCase();
        return TRUE.has(l) ? 'true' : FALSE.has(l) ? 'false' : jsonString(v);
      };
    case 'json':
      // objects and arrays are embedded; a JSON scalar stays a string so that json `null` is not SQL NULL
      return (v) => (/^\s*[[{]/.test(v) ? v : jsonString(v));
    default:
      return jsonString;
  }
}

/** each column's `"name":` */
export const jsonKeys = (columns: Column[]): string[] => columns.map((c) => `${JSON.stringify(c.name)}:`);

export function jsonEncoder(columns: Column[], pattern: JsonFilePattern): RowEncoder {
  const keys = jsonKeys(columns);
  const writers = columns.map((c) => jsonValueWriter(c.type));
  let first = true;
  const array = pattern === 'arrayOfObjects';
  return {
    begin: () => (array ? '[' : ''),
    rows(rows) {
      let out = '';
      for (const row of rows) {
        if (array && !first) out += ',\n';
        first = false;
        out += '{';
        for (let i = 0; i < row.length; i++) {
          if (i) out += ',';
          const v = row[i]!;
          out += keys[i] + (v === null ? 'null' : writers[i]!(v));
        }
        out += array ? '}' : '}\n';
      }
      return out;
    },
    end: () => (array ? ']\n' : ''),
  };
}
