/**
 * Json in ADF's two file patterns: `setOfObjects` (one object per line, JSON Lines) and `arrayOfObjects`
 * (one array). Reading detects the pattern from the first character. Numbers keep their source text
 * (JSON.parse source access + JSON.rawJSON), so 12345678901234567890.123456789 survives a round trip.
 * Writing (jsonWrite.ts): numeric columns as JSON numbers, booleans as true/false, json objects/arrays embedded, the
 * rest (json scalars too, so json `null` stays apart from SQL NULL) as strings; a table source's COPY text is
 * transcoded to it byte by byte (pgTextJson.ts).
 */
import { DmgwError } from '../../common/errors.js';
import type { Column, LogicalType, Row, Value } from '../copy/rows.js';
import type { FileFormat, RowDecoder } from './format.js';
import { jsonEncoder } from './jsonWrite.js';
import { PgTextJson } from './pgTextJson.js';

export { jsonEncoder, jsonString, type JsonFilePattern } from './jsonWrite.js';

interface RawJson {
  rawJSON: string;
}
interface JsonWithRaw {
  rawJSON(text: string): RawJson;
  isRawJSON(v: unknown): v is RawJson;
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown): unknown;
}
const J = JSON as unknown as JsonWithRaw;

export function jsonFormat(tp: Record<string, unknown>, formatSettings: Record<string, unknown> = {}): FileFormat {
  const encodingName = typeof tp.encodingName === 'string' ? tp.encodingName : 'UTF-8';
  const pattern = (formatSettings.filePattern ?? tp.filePattern ?? 'setOfObjects') as string;
  if (pattern !== 'setOfObjects' && pattern !== 'arrayOfObjects') {
    throw new DmgwError('FORMAT_SETTINGS', `filePattern "${pattern}" is not supported`, { field: 'formatSettings.filePattern' }, 'use setOfObjects (JSON Lines) or arrayOfObjects');
  }
  return {
    type: 'Json',
    encodingName,
    extension: '.json',
    decoder: (wanted) => new JsonDecoder(wanted),
    encoder: (columns) => jsonEncoder(columns, pattern),
    fromPgText: (columns) => new PgTextJson(columns, pattern),
  };
}

const reviver = (_k: string, v: unknown, ctx: { source?: string }): unknown => (typeof v === 'number' && ctx?.source !== undefined ? J.rawJSON(ctx.source) : v);

export function parseJsonKeepingNumbers(text: string): unknown {
  return J.parse(text, reviver);
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (J.isRawJSON(v)) return v.rawJSON;
  return JSON.stringify(v);
}

/**
 * Splits a stream of text into top-level JSON values (inside the outer array for arrayOfObjects), tracking
 * strings and nesting across chunk boundaries, then parses each value on its own.
 */
export class JsonDecoder implements RowDecoder {
  private cols: Column[] | undefined;
  private index = new Map<string, number>();
  private mode: 'unknown' | 'lines' | 'array' = 'unknown';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pending = '';
  private ended = false;

  constructor(wanted?: string[]) {
    if (wanted?.length) this.setColumns(wanted);
  }

  columns(): Column[] | undefined {
    return this.cols;
  }

  private setColumns(names: string[]): void {
    this.cols = names.map((name) => ({ name, type: 'string' as LogicalType }));
    names.forEach((n, i) => {
      this.index.set(n, i);
      if (!this.index.has(n.toLowerCase())) this.index.set(n.toLowerCase(), i);
    });
  }

  push(text: string, out: Row[]): void {
    let start = -1; // start of a value within `text`, when it began in this chunk
    if (this.depth > 0 || this.pending) start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (this.mode === 'unknown') {
        this.mode = c === 91 ? 'array' : 'lines';
        if (c === 91) continue;
      }
      if (this.ended) throw new DmgwError('JSON_SYNTAX', 'text after the end of the JSON array', {}, 'an arrayOfObjects file holds exactly one array');
      if (this.depth === 0) {
        if (this.mode === 'array' && (c === 44 || c === 93)) {
          if (c === 93) this.ended = true;
          continue;
        }
        if (c === 44) continue;
        if (c !== 123) {
          throw new DmgwError('JSON_NOT_OBJECT', `expected a JSON object, found ${JSON.stringify(text[i])}`, {}, 'each row must be a JSON object');
        }
        start = i;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          const valueText = this.pending + text.slice(start, i + 1);
          this.pending = '';
          start = -1;
          out.push(this.row(valueText));
        }
      }
    }
    if (start >= 0 && this.depth > 0) this.pending += text.slice(start);
  }

  end(out: Row[]): void {
    void out;
    if (this.depth > 0 || this.inString) throw new DmgwError('JSON_SYNTAX', 'the file ends inside a JSON value', {}, 'the file is cut short or is not JSON');
    if (this.mode === 'array' && !this.ended) throw new DmgwError('JSON_SYNTAX', 'the JSON array is never closed', {}, 'the file is cut short');
  }

  private row(text: string): Row {
    let obj: unknown;
    try {
      obj = parseJsonKeepingNumbers(text);
    } catch (e) {
      throw new DmgwError('JSON_SYNTAX', `invalid JSON object: ${(e as Error).message}`, {}, 'fix the file or pick the right format');
    }
    const o = obj as Record<string, unknown>;
    if (!this.cols) this.setColumns(Object.keys(o));
    const row: Row = new Array<Value>(this.cols!.length).fill(null);
    for (const k in o) {
      const i = this.index.get(k) ?? this.index.get(k.toLowerCase());
      if (i !== undefined) row[i] = toValue(o[k]);
    }
    return row;
  }
}

