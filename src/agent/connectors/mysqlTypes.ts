/**
 * MySQL / MariaDB column types → the engine's logical types, and the value conversions on both sides
 * (docs/TYPE-MAPPING.md). mysql2 hands over strings for everything exact (we ask for dateStrings,
 * bigNumberStrings, jsonStrings), JS numbers for small integers and floats, Buffers for binary columns.
 * - reading: numbers → their text, TINYINT(1)/BIT(1) → true/false, binary → `\x` + hex (PostgreSQL's
 *   form, what every other part of the engine uses for bytes), TIMESTAMP (stored in UTC) → text + `+00`;
 * - loading: the text of a value is rewritten into what LOAD DATA takes for the target column: booleans
 *   as 1/0, timestamps with an offset moved to UTC, bytes as hex (decoded by UNHEX in the statement).
 */
import type { FieldPacket } from 'mysql2';
import type { Column, LogicalType, Value } from '../copy/rows.js';

export interface MySqlColumn extends Column {
  /** turns what mysql2 returned into the engine's text */
  read?: (v: unknown) => Value;
}

/** Protocol type codes (mysql_com.h), as mysql2's FieldPacket.columnType carries them. */
const T = { DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255 } as const;
const NAMES: Record<number, string> = { 1: 'tinyint', 2: 'smallint', 3: 'int', 8: 'bigint', 9: 'mediumint', 13: 'year', 247: 'enum', 248: 'set', 249: 'tinytext', 250: 'mediumtext', 251: 'longtext', 252: 'text', 253: 'varchar', 254: 'char', 15: 'varchar' };
const INTEGER = new Set<number>([T.TINY, T.SHORT, T.LONG, T.INT24, T.LONGLONG, T.YEAR]);
const BYTES = new Set<number>([T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.BLOB, T.VAR_STRING, T.STRING, T.VARCHAR, T.GEOMETRY]);
const BINARY_CHARSET = 63;

const text = (v: unknown): Value => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v));
const hex = (v: unknown): Value => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v));
const truth = (v: unknown): Value => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? (v.some((b) => b !== 0) ? 'true' : 'false') : Number(v) !== 0 ? 'true' : 'false');
const bits = (v: unknown): Value => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? BigInt(`0x${v.toString('hex') || '0'}`).toString() : String(v));
/** MariaDB pads fractions to the column's scale (`.500000`); the engine's form (PostgreSQL's) has no trailing zeros. */
const trimFraction = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
const moment = (v: unknown): Value => (v === null || v === undefined ? null : trimFraction(String(v)));
const utc = (v: unknown): Value => (v === null || v === undefined ? null : `${trimFraction(String(v))}+00`);

/** One result column. `tinyAsBoolean`: ADF's treatTinyAsBoolean. */
export function columnOf(f: FieldPacket, tinyAsBoolean: boolean): MySqlColumn {
  const t = f.columnType ?? f.type ?? -1;
  const len = f.columnLength ?? 0;
  const name = f.name;
  const ext = (f as { extendedFormat?: string; extendedTypeName?: string }).extendedFormat ?? (f as { extendedTypeName?: string }).extendedTypeName;
  const unsigned = ((f.flags as number) & 32) !== 0;
  const col = (type: LogicalType, nativeType: string, read: MySqlColumn['read'] = text): MySqlColumn => ({ name, type, nativeType, read });
  if (t === T.TINY && len === 1 && tinyAsBoolean) return col('boolean', 'tinyint(1)', truth);
  if (INTEGER.has(t)) return col('integer', `${NAMES[t] ?? 'int'}${unsigned ? ' unsigned' : ''}`);
  if (t === T.NEWDECIMAL || t === T.DECIMAL) {
    const scale = f.decimals ?? 0;
    const precision = len - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
    return { ...col('decimal', `decimal(${precision},${scale})`), precision, scale };
  }
  if (t === T.FLOAT || t === T.DOUBLE) return col('float', t === T.FLOAT ? 'float' : 'double');
  if (t === T.TIMESTAMP) return col('timestamptz', 'timestamp', utc);
  if (t === T.DATETIME) return col('timestamp', 'datetime', moment);
  if (t === T.DATE || t === T.NEWDATE) return col('date', 'date');
  if (t === T.TIME) return col('time', 'time', moment);
  if (t === T.BIT) return len === 1 ? col('boolean', 'bit(1)', truth) : col('integer', `bit(${len})`, bits);
  if (t === T.JSON || ext === 'json') return col('json', 'json');
  if (ext === 'uuid') return col('uuid', 'uuid');
  if (BYTES.has(t) && f.characterSet === BINARY_CHARSET) return col('binary', t === T.VAR_STRING ? 'varbinary' : t === T.STRING ? 'binary' : 'blob', hex);
  return col('string', NAMES[t] ?? 'text');
}

/** Converts rows from mysql2 in place; returns them. */
export function readValues(rows: unknown[][], cols: MySqlColumn[]): Value[][] {
  const readers = cols.map((c) => c.read ?? text);
  for (const r of rows) for (let i = 0; i < r.length; i++) r[i] = readers[i]!(r[i]);
  return rows as Value[][];
}

// ---- loading -----------------------------------------------------------------------------------------------

const TRUE = /^(t|true|1|yes|y|on)$/i;
const FALSE = /^(f|false|0|no|n|off)$/i;
const TS = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** `2024-01-02T03:04:05.5+01:00` → `2024-01-02 02:04:05.5` (MariaDB has no zone in DATETIME/TIMESTAMP literals). */
export function toMySqlDateTime(v: string): string {
  const m = TS.exec(v.trim());
  if (!m) return v;
  if (!m[4] || /^(z|[+-]00(:?00)?)$/i.test(m[4])) return `${m[1]} ${m[2]}${m[3] ?? ''}`;
  const sign = m[4][0] === '-' ? -1 : 1;
  const d = m[4].slice(1).replace(':', '');
  const ms = Date.parse(`${m[1]}T${m[2]}Z`) - sign * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2, 4) || 0)) * 60_000;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${m[3] ?? ''}`;
}

/** The writer of one target column: engine text → LOAD DATA text. Binary comes out as hex (see `unhex`). */
export function loadConverter(type: LogicalType): ((v: string) => string) | undefined {
  switch (type) {
    case 'boolean':
      return (v) => (TRUE.test(v.trim()) ? '1' : FALSE.test(v.trim()) ? '0' : v);
    case 'timestamp':
    case 'timestamptz':
      return toMySqlDateTime;
    case 'binary':
      return (v) => (/^\\x[0-9a-f]*$/i.test(v) ? v.slice(2) : Buffer.from(v, 'utf8').toString('hex'));
    default:
      return undefined;
  }
}

/** Whether a target column's loaded text is hex to decode with UNHEX(). */
export const unhex = (type: LogicalType): boolean => type === 'binary';
