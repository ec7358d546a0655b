/**
 * DynamicRange partitioning: split [lower, upper] of an integer, date or timestamp column into N slices.
 * The first slice is open below and also takes the NULLs, the last is open above, so every row lands in
 * exactly one slice even when the bounds (ADF's `partitionLowerBound/UpperBound` only set the stride, they
 * never filter) do not cover the data. Cut points are exact: BigInt for integers, microseconds for times.
 */
import { DmgwError } from '../../common/errors.js';
import type { Bounds, RangePartition } from '../connectors/connector.js';
import type { LogicalType } from './rows.js';

const DAY_US = 86_400_000_000n;

/** Text of a value of `type` → an integer on a line (days for dates, microseconds for timestamps). */
export function toScalar(type: LogicalType, v: string): bigint {
  const s = v.trim();
  if (type === 'integer') {
    if (!/^[+-]?\d+$/.test(s)) throw bad(v, type);
    return BigInt(s);
  }
  const m = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s);
  if (!m || (type !== 'date' && type !== 'timestamp' && type !== 'timestamptz')) throw bad(v, type);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  let us = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const sign = m[8][0] === '-' ? -1n : 1n;
    const digits = m[8].slice(1).replace(':', '');
    us -= sign * (BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000_000n);
  }
  return type === 'date' ? us / DAY_US : us;
}

/** The inverse of toScalar, in PostgreSQL's ISO output form. */
export function fromScalar(type: LogicalType, n: bigint): string {
  if (type === 'integer') return n.toString();
  const us = type === 'date' ? n * DAY_US : n;
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const d = new Date(Number(ms));
  const date = d.toISOString().slice(0, 10);
  if (type === 'date') return date;
  const frac = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${date} ${d.toISOString().slice(11, 19)}${frac ? `.${frac.toString().padStart(6, '0')}` : ''}${type === 'timestamptz' ? '+00' : ''}`;
}

function bad(v: string, type: LogicalType): DmgwError {
  return new DmgwError('PARTITION_BOUND', `"${v}" is not a ${type} value`, { field: 'source.partitionSettings' }, 'partition on an integer, date or timestamp column, with bounds of that type');
}

export const PARTITIONABLE: LogicalType[] = ['integer', 'date', 'timestamp', 'timestamptz'];

/**
 * Splits into at most `n` slices (fewer when the range holds fewer distinct values). One slice means no
 * predicate at all; `undefined` in the result stands for "the whole source".
 */
export function splitRange(column: string, bounds: Bounds, n: number, lowerBound?: string, upperBound?: string): Array<RangePartition | undefined> {
  if (!PARTITIONABLE.includes(bounds.type)) {
    throw new DmgwError('PARTITION_COLUMN', `partition column "${column}" is ${bounds.type}; DynamicRange needs an integer, date or timestamp column`, { field: 'source.partitionSettings.partitionColumnName' }, 'pick another column or drop partitionOption');
  }
  const lowText = lowerBound ?? bounds.min;
  const highText = upperBound ?? bounds.max;
  if (n <= 1 || lowText === null || highText === null) return [undefined];
  let lo = toScalar(bounds.type, lowText);
  let hi = toScalar(bounds.type, highText);
  if (hi < lo) [lo, hi] = [hi, lo];
  const span = hi - lo + 1n;
  const parts = BigInt(n) < span ? BigInt(n) : span;
  if (parts <= 1n) return [undefined];
  const cuts: bigint[] = [];
  for (let k = 1n; k < parts; k++) cuts.push(lo + (span * k) / parts);
  const out: RangePartition[] = [];
  for (let k = 0; k <= cuts.length; k++) {
    const p: RangePartition = { column, type: bounds.type, withNulls: k === 0 };
    if (k > 0) p.lower = fromScalar(bounds.type, cuts[k - 1]!);
    if (k < cuts.length) p.upper = fromScalar(bounds.type, cuts[k]!);
    out.push(p);
  }
  return out;
}

/** `col >= a AND col < b` for logs and progress. */
export function describePartition(p: RangePartition | undefined): string {
  if (!p) return 'all rows';
  if (p.label) return p.label;
  const parts = [p.lower !== undefined ? `${p.column} >= ${p.lower}` : '', p.upper !== undefined ? `${p.column} < ${p.upper}` : ''].filter(Boolean);
  return `${parts.join(' and ') || 'all rows'}${p.withNulls ? ` (+ ${p.column} null)` : ''}`;
}
