/**
 * Parquet types ↔ the engine's logical types and canonical text (docs/TYPE-MAPPING.md). Values are converted
 * exactly: integers and decimals through BigInt (a DECIMAL is its unscaled integer), timestamps as
 * microseconds, dates as days; nothing passes through a lossy float except DOUBLE itself.
 */
import type { SchemaElement } from 'hyparquet';
import { DmgwError } from '../../common/errors.js';
import { toScalar } from '../copy/partitions.js';
import type { Column, LogicalType, Value } from '../copy/rows.js';

/** What the writer hands to hyparquet-writer for one value of a column. */
export type ParquetValue = boolean | number | bigint | string | Uint8Array | null;

export interface ParquetColumn {
  element: SchemaElement;
  toParquet(v: string): ParquetValue;
}

const TRUE = /^(t|true|1|yes|y|on)$/i;
const DAY_US = 86_400_000_000n;

function decimalToUnscaled(v: string, scale: number, name: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(v.trim());
  if (!m || (!m[2] && !m[3])) throw valueError(name, v, 'decimal');
  const frac = m[3] ?? '';
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new DmgwError('PARQUET_VALUE', `column ${name}: ${v} has more than ${scale} decimal places`, { field: 'translator' }, 'cast the column to a wider scale in the source query');
  const digits = `${m[2] || '0'}${frac.slice(0, scale).padEnd(scale, '0')}`;
  const n = BigInt(digits);
  return m[1] === '-' ? -n : n;
}

/** ASCII text copied into a scratch array for the byte-level readers below (a value of more than 64 characters or any non-ASCII one is not theirs). */
const scratch = new Uint8Array(64);
function ascii(v: string): number {
  if (v.length > scratch.length) return -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 127) return -1;
    scratch[i] = c;
  }
  return v.length;
}

/**
 * The unscaled integer of a plain decimal text (`-123.45`, at most `scale` places, at most 15 digits in all) as an
 * exact Number, without a regular expression or BigInt; undefined for anything else (the exact path decides).
 */
export function fastUnscaled(v: string, scale: number): number | undefined {
  const n = ascii(v);
  return n < 0 ? undefined : unscaledAt(scratch, 0, n, scale);
}

/** fastUnscaled of the bytes `b[s, e)` (formats/pgTextParquet.ts reads them straight from COPY text). */
export function unscaledAt(b: Uint8Array, s: number, e: number, scale: number): number | undefined {
  let i = s;
  let neg = false;
  const first = b[s];
  if (first === 45 /* - */ || first === 43 /* + */) {
    neg = first === 45;
    i++;
  }
  let n = 0;
  let digits = 0;
  let places = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c === 46 /* . */ && places < 0) places = 0;
    else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      if (places >= 0) places++;
    } else return undefined;
  }
  if (digits === 0 || digits > 15 || places > scale) return undefined;
  for (let p = places < 0 ? 0 : places; p < scale; p++) n *= 10;
  if (!Number.isSafeInteger(n)) return undefined;
  return neg ? -n : n;
}

const digit = (b: Uint8Array, i: number) => b[i]! - 48;
const two = (b: Uint8Array, i: number) => { const a = digit(b, i), c = digit(b, i + 1); return a >= 0 && a <= 9 && c >= 0 && c <= 9 ? a * 10 + c : NaN; };

/**
 * Microseconds since the epoch of `YYYY-MM-DD HH:MM:SS[.f{1,6}][+HH[:MM]|Z]` (the form every source here writes)
 * between the years 1700 and 2200, where they are exact as a Number; undefined for anything else (toScalar decides).
 */
export function fastMicros(v: string): number | undefined {
  const n = ascii(v);
  return n < 0 ? undefined : microsAt(scratch, 0, n);
}

/** fastMicros of the bytes `b[s, e)`. */
export function microsAt(b: Uint8Array, s: number, e: number): number | undefined {
  const len = e - s;
  if (len < 19 || b[s + 4] !== 45 || b[s + 7] !== 45 || (b[s + 10] !== 32 && b[s + 10] !== 84) || b[s + 13] !== 58 || b[s + 16] !== 58) return undefined;
  const days = daysAt(b, s);
  if (days === undefined) return undefined;
  const h = two(b, s + 11), m = two(b, s + 14), sec = two(b, s + 17);
  if (!(h <= 23 && m <= 59 && sec <= 59)) return undefined;
  let i = s + 19;
  let frac = 0;
  if (i < e && b[i] === 46) {
    let places = 0;
    for (i++; i < e && places < 6; i++, places++) {
      const d = digit(b, i);
      if (d < 0 || d > 9) break;
      frac = frac * 10 + d;
    }
    if (places === 0) return undefined;
    for (; places < 6; places++) frac *= 10;
  }
  let offset = 0;
  if (i < e) {
    const c = b[i];
    if ((c === 90 || c === 122) && i + 1 === e) offset = 0; // Z
    else if ((c === 43 || c === 45) && (e === i + 3 || (e === i + 6 && b[i + 3] === 58) || e === i + 5)) {
      const oh = two(b, i + 1);
      const om = e === i + 3 ? 0 : two(b, e - 2);
      if (!(oh <= 23 && om <= 59)) return undefined;
      offset = (c === 45 ? -1 : 1) * (oh * 60 + om) * 60_000_000;
    } else return undefined;
  }
  return (days * 86_400 + h * 3600 + m * 60 + sec) * 1_000_000 + frac - offset;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days since the epoch of the `YYYY-MM-DD` at `b[s]` (years 1700–2200); undefined when it is not one or names a day
 * the month does not have (the exact path's Date.UTC would roll 31 February over into March: fastMicros leaves such a text to it, which refuses it).
 */
export function daysAt(b: Uint8Array, s: number): number | undefined {
  if (b[s + 4] !== 45 || b[s + 7] !== 45) return undefined;
  const year = two(b, s) * 100 + two(b, s + 2);
  if (!(year >= 1700 && year <= 2200)) return undefined;
  const month = two(b, s + 5), day = two(b, s + 8);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0) ? 29 : MONTH_DAYS[month - 1]!))) return undefined;
  // days from the civil date, without a Date (H. Hinnant's days_from_civil; the year is positive here)
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function valueError(name: string, v: string, type: string): DmgwError {
  return new DmgwError('PARQUET_VALUE', `column ${name}: "${v.length > 40 ? `${v.slice(0, 40)}…` : v}" is not a ${type} value Parquet can store`, { field: 'translator' }, 'map the column to a string, or clean the value in the source query');
}

function micros(type: LogicalType, v: string, name: string): bigint {
  try {
    return toScalar(type === 'date' ? 'date' : type, v);
  } catch {
    throw valueError(name, v, type);
  }
}

const optional = { repetition_type: 'OPTIONAL' as const };

/** The Parquet column a source column becomes. Unconstrained decimals (no precision known) and time, interval, uuid, json become strings. */
export function parquetColumn(c: Column): ParquetColumn {
  const name = c.name;
  switch (c.type) {
    case 'boolean':
      return { element: { name, type: 'BOOLEAN', ...optional }, toParquet: (v) => TRUE.test(v.trim()) };
    case 'integer':
      return {
        element: { name, type: 'INT64', ...optional },
        toParquet: (v) => {
          if (!/^\s*[+-]?\d+\s*$/.test(v)) throw valueError(name, v, 'integer');
          const n = BigInt(v.trim());
          if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw valueError(name, v, '64-bit integer');
          return n;
        },
      };
    case 'float':
      return { element: { name, type: 'DOUBLE', ...optional }, toParquet: (v) => Number(v) };
    case 'decimal':
      if (c.precision && c.precision <= 38 && c.scale !== undefined && c.scale <= c.precision) {
        const { precision, scale } = c;
        const decimal = { converted_type: 'DECIMAL' as const, precision, scale, logical_type: { type: 'DECIMAL' as const, precision, scale }, ...optional };
        // as Spark and parquet-mr write them: INT32 up to 9 digits, INT64 up to 18, fixed-length bytes beyond
        // (a bigint: hyparquet-writer scales a Number by 10^scale itself)
        if (precision <= 18) return { element: { name, type: precision <= 9 ? 'INT32' : 'INT64', ...decimal }, toParquet: (v) => { const n = fastUnscaled(v, scale); return n === undefined ? decimalToUnscaled(v, scale, name) : BigInt(n); } };
        const length = Math.ceil((Math.log2(10 ** precision) + 1) / 8);
        return { element: { name, type: 'FIXED_LEN_BYTE_ARRAY', type_length: length, ...decimal }, toParquet: (v) => decimalToUnscaled(v, scale, name) };
      }
      return stringColumn(name);
    case 'date':
      return { element: { name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, ...optional }, toParquet: (v) => Number(micros('date', v, name)) };
    case 'timestamp':
    case 'timestamptz': {
      const utc = c.type === 'timestamptz';
      return {
        element: { name, type: 'INT64', ...(utc ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}), logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit: 'MICROS' }, ...optional },
        toParquet: (v) => { const us = fastMicros(v); return us === undefined ? micros(c.type, v, name) : BigInt(us); },
      };
    }
    case 'binary':
      return { element: { name, type: 'BYTE_ARRAY', ...optional }, toParquet: (v) => (/^\\x[0-9a-f]*$/i.test(v) ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v, 'utf8')) };
    default:
      return stringColumn(name);
  }
}

function stringColumn(name: string): ParquetColumn {
  return { element: { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, ...optional }, toParquet: (v) => v };
}

// ---- reading -----------------------------------------------------------------------------------------------

export interface ParquetReadColumn extends Column {
  /** raw value from hyparquet (annotations stripped, see parquet.ts) → canonical text */
  text(v: unknown): Value;
}

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` from microseconds since the epoch, no trailing zeros in the fraction (PostgreSQL's form). */
export function formatMicros(us: bigint): string {
  const days = us / DAY_US - (us % DAY_US < 0n ? 1n : 0n);
  const rest = us - days * DAY_US;
  const d = new Date(Number(days) * 86_400_000);
  const secs = rest / 1_000_000n;
  const frac = (rest % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const year = d.getUTCFullYear();
  return `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(secs / 3600n)}:${pad((secs / 60n) % 60n)}:${pad(secs % 60n)}${frac ? `.${frac}` : ''}`;
}

function unscaledText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${text}` : text;
}

function bytesToBigInt(b: Uint8Array): bigint {
  if (!b.length) return 0n;
  let n = BigInt.asIntN(8, BigInt(b[0]!));
  for (let i = 1; i < b.length; i++) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

const hex = (b: Uint8Array) => `\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;

function toJsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON(x.toString()) : x instanceof Uint8Array ? hex(x) : x));
}

/**
 * The engine column for a Parquet leaf (with its original annotations: `e`), reading raw values: the reader
 * strips DECIMAL/TIME annotations and decodes timestamps and dates to numbers (parquet.ts), so nothing is rounded.
 */
export function readColumn(e: SchemaElement, nested: boolean): ParquetReadColumn {
  const name = e.name;
  const nullOr = (f: (v: never) => string) => (v: unknown): Value => (v === null || v === undefined ? null : f(v as never));
  const lt = e.logical_type;
  const ct = e.converted_type;
  if (nested) return { name, type: 'json', nativeType: 'nested', text: nullOr((v: unknown) => toJsonText(v)) };
  if (ct === 'DECIMAL' || lt?.type === 'DECIMAL') {
    const scale = e.scale ?? 0;
    return { name, type: 'decimal', nativeType: `decimal(${e.precision},${scale})`, precision: e.precision, scale, text: nullOr((v: Uint8Array | number | bigint) => unscaledText(v instanceof Uint8Array ? bytesToBigInt(v) : BigInt(v), scale)) };
  }
  if (ct === 'DATE' || lt?.type === 'DATE') return { name, type: 'date', nativeType: 'date', text: nullOr((v: number) => formatMicros(BigInt(v) * DAY_US).slice(0, -9)) };
  if (lt?.type === 'TIMESTAMP' || ct === 'TIMESTAMP_MICROS' || ct === 'TIMESTAMP_MILLIS' || e.type === 'INT96') {
    const utc = lt?.type === 'TIMESTAMP' ? lt.isAdjustedToUTC : e.type !== 'INT96';
    return { name, type: utc ? 'timestamptz' : 'timestamp', nativeType: utc ? 'timestamp (UTC)' : 'timestamp', text: nullOr((v: bigint) => `${formatMicros(v)}${utc ? '+00' : ''}`) };
  }
  if (lt?.type === 'TIME' || ct === 'TIME_MILLIS' || ct === 'TIME_MICROS') {
    const unit = lt?.type === 'TIME' ? lt.unit : ct === 'TIME_MILLIS' ? 'MILLIS' : 'MICROS';
    const toUs = (v: number | bigint) => (unit === 'MILLIS' ? BigInt(v) * 1000n : unit === 'NANOS' ? BigInt(v) / 1000n : BigInt(v));
    return { name, type: 'time', nativeType: 'time', text: nullOr((v: number | bigint) => formatMicros(toUs(v)).slice(11)) };
  }
  if (ct === 'JSON' || lt?.type === 'JSON') return { name, type: 'json', nativeType: 'json', text: nullOr((v: unknown) => (typeof v === 'string' ? v : toJsonText(v))) };
  if (lt?.type === 'UUID') return { name, type: 'uuid', nativeType: 'uuid', text: nullOr((v: unknown) => String(v)) };
  if (ct === 'UTF8' || ct === 'ENUM' || lt?.type === 'STRING' || lt?.type === 'ENUM') return { name, type: 'string', nativeType: 'string', text: nullOr((v: unknown) => String(v)) };
  switch (e.type) {
    case 'BOOLEAN':
      return { name, type: 'boolean', nativeType: 'boolean', text: nullOr((v: boolean) => (v ? 'true' : 'false')) };
    case 'INT32':
    case 'INT64':
      return { name, type: 'integer', nativeType: e.type.toLowerCase(), text: nullOr((v: number | bigint) => String(v)) };
    case 'FLOAT':
    case 'DOUBLE':
      return { name, type: 'float', nativeType: e.type.toLowerCase(), text: nullOr((v: number) => String(v)) };
    default:
      return { name, type: 'binary', nativeType: 'binary', text: nullOr((v: Uint8Array | string) => (typeof v === 'string' ? v : hex(v))) };
  }
}
