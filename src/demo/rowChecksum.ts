/**
 * An order-independent table checksum that the database and a CSV reader can both compute, so the demo can
 * check the copy without trusting the engine that made it. Each row becomes a canonical text — columns in
 * table order, joined by U+001F, NULL as U+001E — whose MD5's first 8 bytes, read as a signed 64-bit integer,
 * are summed exactly over all rows. A sum does not care about row order (parallel copies may write partitions
 * in any order) and still changes when a row is missing, duplicated or altered.
 *
 * Canonical values, chosen so that any faithful CSV spelling maps to the same text:
 * - integer: the decimal digits;  decimal: no trailing fractional zeros (`12.50` → `12.5`, `3.00` → `3`);
 * - timestamp: microseconds since the Unix epoch (so `2024-01-01 10:00:00+00` and `2024-01-01T10:00:00.000Z` agree);
 * - text: as is.
 */
import { hash } from 'node:crypto';

export type ColumnKind = 'integer' | 'decimal' | 'timestamp' | 'text';

const FIELD_SEP = '\u001f';
const NULL_MARK = '\u001e';

export interface TableChecksum {
  rows: number;
  /** the exact sum, as a decimal string (it can exceed 64 bits) */
  sum: string;
}

/** Short display form: the sum modulo 2^64 as 16 hex digits. */
export function checksumHex(sum: string): string {
  return BigInt.asUintN(64, BigInt(sum)).toString(16).padStart(16, '0');
}

/** SQL that computes `{ rows, sum }` for a table inside PostgreSQL, column kinds as given. */
export function checksumSql(qualifiedTable: string, columns: Array<{ name: string; kind: ColumnKind }>): string {
  const parts = columns.map((c) => {
    const col = `"${c.name.replace(/"/g, '""')}"`;
    const v =
      c.kind === 'decimal' ? `trim_scale(${col})::text` : c.kind === 'timestamp' ? `(extract(epoch from ${col}) * 1000000)::bigint::text` : `${col}::text`;
    return `coalesce(${v}, E'\\x1e')`;
  });
  const row = `concat_ws(E'\\x1f', ${parts.join(', ')})`;
  return `SELECT count(*)::bigint::text AS rows, coalesce(sum(('x' || substr(md5(${row}), 1, 16))::bit(64)::bigint), 0)::text AS sum FROM ${qualifiedTable}`;
}

/** Adds rows one at a time, each as the CSV field texts in table column order ('' = NULL). */
export class RowChecksum {
  private total = 0n;
  private count = 0;
  constructor(private readonly kinds: ColumnKind[]) {}

  add(fields: string[]): void {
    if (fields.length !== this.kinds.length) {
      throw new Error(`row ${this.count + 1} has ${fields.length} fields, expected ${this.kinds.length}`);
    }
    let canon = '';
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      canon += (i ? FIELD_SEP : '') + (f === '' ? NULL_MARK : canonical(this.kinds[i]!, f));
    }
    this.total += hash('md5', canon, 'buffer').readBigInt64BE(0);
    this.count++;
  }

  result(): TableChecksum {
    return { rows: this.count, sum: this.total.toString() };
  }
}

export function canonical(kind: ColumnKind, text: string): string {
  switch (kind) {
    case 'decimal':
      return canonicalDecimal(text);
    case 'timestamp':
      return epochMicros(text);
    case 'integer':
      return PLAIN_INTEGER.test(text) ? text : BigInt(text.trim()).toString();
    default:
      return text;
  }
}

const PLAIN_INTEGER = /^(?:0|-?[1-9]\d*)$/;

export function canonicalDecimal(text: string): string {
  // the common spelling first: digits, an optional fraction, nothing to trim but trailing zeros
  if (/^-?[1-9]\d*(?:\.\d+)?$/.test(text)) {
    if (!text.includes('.')) return text;
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48) end--;
    if (text.charCodeAt(end - 1) === 46) end--;
    return text.slice(0, end);
  }
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const int = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zero = /^0*$/.test(int) && frac === '';
  return `${m[1] === '-' && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Seconds at the start of each date seen: Date.UTC per row costs more than the rest of the row together. */
const DAYS = new Map<string, number>();
const TS = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/**
 * A PostgreSQL or ISO 8601 timestamp (no zone = UTC) as microseconds since the epoch. Plain numbers are exact here:
 * microseconds stay below 2^53 until the year 2255.
 */
export function epochMicros(text: string): string {
  const m = TS.exec(text);
  if (!m) throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const day = `${y}-${mo}-${d}`;
  let daySeconds = DAYS.get(day);
  if (daySeconds === undefined) {
    daySeconds = Date.UTC(Number(y), Number(mo) - 1, Number(d)) / 1000;
    if (DAYS.size < 100_000) DAYS.set(day, daySeconds);
  }
  let seconds = daySeconds + Number(h) * 3600 + Number(mi) * 60 + Number(s);
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    seconds -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60);
  }
  const micros = frac ? Number(frac.padEnd(6, '0')) : 0;
  return String(seconds * 1_000_000 + micros);
}
