/**
 * The content checksum behind `validateDataConsistency`. A row's canonical form is its values, each
 * canonicalised by its logical type (below) and framed by its length, NULL distinct from ''. Each row is
 * hashed to 128 bits (four 32-bit multiply-xor lanes, murmur3 finalisation) and the row hashes are ADDED
 * modulo 2^128: the sum does not depend on row order (partitions finish in any order; a table has none) and,
 * unlike xor, a duplicated row changes it. Computable on either side: rows as read vs rows re-read from
 * what was written. Not cryptographic: it detects corruption and loss, not an adversary. A SHA-256 per row
 * cost 1.2 µs (more than the whole copy of a row), this ~0.1 µs.
 */
import { parseJsonKeepingNumbers } from '../formats/json.js';
import type { LogicalType, Row } from './rows.js';

type Canon = ((v: string) => string) | undefined;

const TRUE = new Set(['t', 'true', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['f', 'false', '0', 'no', 'n', 'off']);
const PG_UTC = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d*[1-9])?\+00$/;
const TS = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function stable(v: unknown): string {
  if (v && typeof v === 'object' && !(JSON as unknown as { isRawJSON(x: unknown): boolean }).isRawJSON(v)) {
    if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** How a value of each type is canonicalised, so that PostgreSQL text, CSV and JSON agree. docs/ARCHITECTURE.md. */
export function canonicalizer(t: LogicalType): Canon {
  switch (t) {
    case 'boolean':
      return (v) => {
        const l = v.trim().toLowerCase();
        return TRUE.has(l) ? 't' : FALSE.has(l) ? 'f' : v;
      };
    case 'integer':
      return (v) => (/^-?[1-9]\d*$|^0$/.test(v) ? v : /^\s*[+-]?\d+\s*$/.test(v) ? BigInt(v.trim()).toString() : v);
    case 'timestamp':
      return (v) => v.replace('T', ' ');
    case 'timestamptz':
      return (v) => {
        // PostgreSQL's own UTC output is already canonical (the common case: skip parsing)
        if (PG_UTC.test(v)) return v;
        const m = TS.exec(v.trim());
        if (!m) return v;
        let ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
        const off = m[6];
        if (off && off.toUpperCase() !== 'Z') {
          const d = off.slice(1).replace(':', '');
          ms -= (off[0] === '-' ? -1 : 1) * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2, 4) || 0)) * 60_000;
        }
        if (Number.isNaN(ms)) return v;
        const frac = (m[5] ?? '').replace(/0+$/, '');
        const iso = new Date(ms).toISOString();
        return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''}+00`;
      };
    case 'json':
      return (v) => {
        try {
          return stable(parseJsonKeepingNumbers(v));
        } catch {
          return v;
        }
      };
    case 'binary':
    case 'uuid':
      return (v) => v.toLowerCase();
    default:
      return undefined;
  }
}

const fmix = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

const TWO32 = 0x1_0000_0000;

export class Checksum {
  rows = 0;
  /** 128-bit sum, little-endian 32-bit limbs */
  private readonly sum = [0, 0, 0, 0];
  private canon: Canon[] = [];

  constructor(types: LogicalType[] = []) {
    this.setTypes(types);
  }

  setTypes(types: LogicalType[]): void {
    this.canon = types.map(canonicalizer);
  }

  addRows(rows: Row[]): void {
    for (const r of rows) this.addRow(r);
  }

  addRow(row: Row): void {
    let a = 0x9e3779b9;
    let b = 0x85ebca6b;
    let c = 0xc2b2ae35;
    let d = 0x27d4eb2f;
    for (let i = 0; i < row.length; i++) {
      const raw = row[i];
      if (raw === null || raw === undefined) {
        a = Math.imul(a ^ 0x6e756c6c, 0x01000193);
        b = Math.imul(b ^ 0x6e756c6c, 0x5bd1e995);
        c = Math.imul(c ^ 0x6e756c6c, 0x27d4eb2d);
        d = Math.imul(d ^ 0x6e756c6c, 0x165667b1);
        continue;
      }
      const f = this.canon[i];
      const s = f ? f(raw) : raw;
      const n = s.length;
      a = Math.imul(a ^ (n + 0x10000), 0x01000193);
      b = Math.imul(b ^ (n + 0x10000), 0x5bd1e995);
      c = Math.imul(c ^ (n + 0x10000), 0x27d4eb2d);
      d = Math.imul(d ^ (n + 0x10000), 0x165667b1);
      for (let j = 0; j < n; j++) {
        const ch = s.charCodeAt(j);
        a = Math.imul(a ^ ch, 0x01000193);
        b = Math.imul(b ^ ch, 0x5bd1e995);
        c = Math.imul(c ^ ch, 0x27d4eb2d);
        d = Math.imul(d ^ ch, 0x165667b1);
      }
    }
    a ^= row.length;
    a = (a + b + c + d) | 0;
    b = (b + a) | 0;
    c = (c + a) | 0;
    d = (d + a) | 0;
    a = fmix(a);
    b = fmix(b);
    c = fmix(c);
    d = fmix(d);
    a = (a + b + c + d) | 0;
    b = (b + a) | 0;
    c = (c + a) | 0;
    d = (d + a) | 0;
    this.add([a >>> 0, b >>> 0, c >>> 0, d >>> 0]);
    this.rows++;
  }

  private add(limbs: number[]): void {
    let carry = 0;
    for (let i = 0; i < 4; i++) {
      const s = this.sum[i]! + limbs[i]! + carry;
      carry = s >= TWO32 ? 1 : 0;
      this.sum[i] = s - carry * TWO32;
    }
  }

  merge(other: Checksum): void {
    this.add(other.sum);
    this.rows += other.rows;
  }

  /** The sum `hex()` wrote, over `rows` rows (a resumed copy's finished partition, from its journal). */
  static fromHex(hex: string, rows: number): Checksum {
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`"${hex}" is not a checksum`);
    const c = new Checksum();
    for (let i = 0; i < 4; i++) c.sum[i] = parseInt(hex.slice(24 - i * 8, 32 - i * 8), 16);
    c.rows = rows;
    return c;
  }

  /** 32 hex digits, most significant first. */
  hex(): string {
    return this.sum
      .slice()
      .reverse()
      .map((x) => x.toString(16).padStart(8, '0'))
      .join('');
  }
}
