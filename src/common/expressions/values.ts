/**
 * The values expressions work with: JSON's (null, booleans, strings, numbers, arrays, objects) plus one exact
 * number. A JavaScript number is a double: a 64-bit id above 2^53 or a DECIMAL(38,9) read from a store would lose
 * digits in it, and a watermark that lost digits repeats or skips rows. So values that come from a store as
 * integers beyond 2^53 or as decimals are `ExactNumber`s (digits × 10^-scale, a BigInt inside); arithmetic and
 * comparison on them are exact, and they print as their digits (JSON too: `toJSON` gives the raw number text).
 * Integers within ±2^53 stay plain numbers; doubles (a float column, `float('1.5')`) stay doubles, as in ADF.
 */

export type Json = null | boolean | number | string | ExactNumber | Json[] | { [key: string]: Json };

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export class ExactNumber {
  /** value = digits / 10^scale; scale ≥ 0 */
  constructor(
    readonly digits: bigint,
    readonly scale: number,
  ) {}

  /** `123`, `-0.0010`, `1.5E+3`; undefined for anything else (NaN, Infinity, empty). */
  static parse(text: string): ExactNumber | undefined {
    const m = DECIMAL.exec(text.trim());
    if (!m || (!m[2] && !m[3])) return undefined;
    const frac = m[3] ?? '';
    let digits = BigInt(`${m[1] === '-' ? '-' : ''}${m[2] || '0'}${frac}`);
    let scale = frac.length - Number(m[4] ?? 0);
    if (scale < 0) {
      digits *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new ExactNumber(digits, scale);
  }

  static of(n: number | bigint | ExactNumber): ExactNumber {
    if (n instanceof ExactNumber) return n;
    if (typeof n === 'bigint') return new ExactNumber(n, 0);
    if (Number.isInteger(n)) return new ExactNumber(BigInt(n), 0);
    // a double's shortest decimal form: 0.1 is "0.1", the number the author wrote
    return ExactNumber.parse(String(n))!;
  }

  isInteger(): boolean {
    return this.scale === 0 || this.digits % 10n ** BigInt(this.scale) === 0n;
  }

  /** The same value with `scale` digits after the point (scale ≥ this.scale). */
  rescale(scale: number): bigint {
    return this.digits * 10n ** BigInt(scale - this.scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const neg = this.digits < 0n;
    let s = (neg ? -this.digits : this.digits).toString();
    if (this.scale > 0) {
      s = s.padStart(this.scale + 1, '0');
      s = `${s.slice(0, s.length - this.scale)}.${s.slice(s.length - this.scale)}`;
    }
    return neg ? `-${s}` : s;
  }

  /** JSON.stringify writes the digits as a JSON number, not through a double. */
  toJSON(): unknown {
    return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(this.toString());
  }
}

export const isExact = (v: unknown): v is ExactNumber => v instanceof ExactNumber;
export const isNumeric = (v: unknown): v is number | ExactNumber => typeof v === 'number' || v instanceof ExactNumber;
export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ExactNumber);

/** An integer as a plain number when a double holds it exactly, else exact. */
export function integer(n: bigint): number | ExactNumber {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : new ExactNumber(n, 0);
}

/** Whether a numeric value is a whole number (ADF's Integer type). */
export function isWhole(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v)) || (v instanceof ExactNumber && v.isInteger());
}

/** The BigInt of a whole number. */
export function toBigInt(v: number | ExactNumber): bigint {
  if (typeof v === 'number') return BigInt(v);
  return v.digits / 10n ** BigInt(v.scale);
}

/** Text as a number: integers exactly (number or ExactNumber), decimals exactly, exponents as doubles. */
export function numberFromText(text: string): number | ExactNumber | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t) || !/\d/.test(t)) return undefined;
  if (/^[+-]?\d+$/.test(t)) return integer(BigInt(t));
  if (/[eE]/.test(t)) return Number(t);
  return ExactNumber.parse(t);
}

/** -1, 0 or 1; exact for any mix of numbers and ExactNumbers. */
export function compareNumbers(a: number | ExactNumber, b: number | ExactNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' && !Number.isFinite(a)) || (typeof b === 'number' && !Number.isFinite(b))) {
    const x = typeof a === 'number' ? a : a.toNumber();
    const y = typeof b === 'number' ? b : b.toNumber();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = ExactNumber.of(a);
  const y = ExactNumber.of(b);
  const s = Math.max(x.scale, y.scale);
  const d = x.rescale(s) - y.rescale(s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export type Arithmetic = 'add' | 'sub' | 'mul';

/**
 * add/sub/mul: two doubles compute as doubles (ADF's float arithmetic); when either side is an ExactNumber, or
 * both are whole numbers, exactly (an integer result that fits a double is a plain number again).
 */
export function arithmetic(op: Arithmetic, a: number | ExactNumber, b: number | ExactNumber): number | ExactNumber {
  const exact = a instanceof ExactNumber || b instanceof ExactNumber || (Number.isInteger(a) && Number.isInteger(b));
  if (!exact || (typeof a === 'number' && !Number.isFinite(a)) || (typeof b === 'number' && !Number.isFinite(b))) {
    const x = typeof a === 'number' ? a : a.toNumber();
    const y = typeof b === 'number' ? b : b.toNumber();
    return op === 'add' ? x + y : op === 'sub' ? x - y : x * y;
  }
  const x = ExactNumber.of(a);
  const y = ExactNumber.of(b);
  let r: ExactNumber;
  if (op === 'mul') r = new ExactNumber(x.digits * y.digits, x.scale + y.scale);
  else {
    const s = Math.max(x.scale, y.scale);
    r = new ExactNumber(op === 'add' ? x.rescale(s) + y.rescale(s) : x.rescale(s) - y.rescale(s), s);
  }
  return r.scale === 0 ? integer(r.digits) : r;
}

/** ADF's text of a number: integers and decimals as their digits, doubles as .NET prints them (`1E+21`). */
export function numberText(v: number | ExactNumber): string {
  if (v instanceof ExactNumber) return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return String(v).replace(/e\+?/, (m) => (m === 'e' ? 'E' : 'E+')).replace('E-', 'E-');
}

/** Deep copy where ExactNumbers become their digits as text: what a store or a driver is handed. */
export function plainValue(v: unknown): unknown {
  if (v instanceof ExactNumber) return v.toString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
}

/** JSON.parse, but numbers that a double cannot hold exactly stay exact (integers above 2^53, decimals). */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || !context?.source) return value;
    const src = context.source;
    if (/^-?\d+$/.test(src)) return integer(BigInt(src));
    if (/[eE]/.test(src)) return value;
    // keep the decimal exactly as written when the double would print it differently (1.10, 0.1000000000000000055)
    return String(value) === src ? value : (ExactNumber.parse(src) ?? value);
  });
}
