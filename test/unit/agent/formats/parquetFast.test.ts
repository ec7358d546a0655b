/**
 * The Parquet writer's fast conversions (parquetTypes.ts) against the exact ones they short-cut: for every text,
 * either the fast path declines (undefined, and the exact path decides) or it gives the exact path's value.
 * Generated texts cover the forms the sources write and their near misses (31 February, 7 fraction digits, zones
 * with and without minutes, signs, leading zeros, 16 digits, more places than the scale).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toScalar } from '../../../../src/agent/copy/partitions.js';
import { fastMicros, fastUnscaled, parquetColumn } from '../../../../src/agent/formats/parquetTypes.js';

const exactMicros = (v: string): bigint | undefined => {
  try {
    return toScalar('timestamptz', v);
  } catch {
    return undefined;
  }
};

const exactUnscaled = (v: string, scale: number): bigint | undefined => {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(v);
  if (!m || (!m[2] && !m[3])) return undefined;
  const frac = m[3] ?? '';
  if (frac.length > scale) return undefined;
  const n = BigInt(`${m[2] || '0'}${frac.padEnd(scale, '0')}`);
  return m[1] === '-' ? -n : n;
};

const d2 = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));
const timestampText = fc
  .tuple(
    fc.integer({ min: 1600, max: 2300 }),
    d2(0, 13),
    d2(0, 32),
    fc.constantFrom(' ', 'T', '_'),
    d2(0, 24),
    d2(0, 60),
    d2(0, 60),
    fc.option(fc.stringMatching(/^[0-9]{0,7}$/), { nil: undefined }),
    fc.constantFrom('', 'Z', 'z', '+00', '-05', '+05:30', '+0530', '-11:45', '+5', '+24', ' +00'),
  )
  .map(([y, mo, d, sep, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac === undefined ? '' : `.${frac}`}${zone}`);

describe('Parquet fast conversions agree with the exact ones', () => {
  it('timestamps: fastMicros is undefined or equals toScalar, for 20,000 texts', () => {
    fc.assert(
      fc.property(timestampText, (v) => {
        const fast = fastMicros(v);
        if (fast === undefined) return;
        expect(BigInt(fast)).toBe(exactMicros(v));
      }),
      { numRuns: 20_000 },
    );
  });

  it('timestamps: the usual forms take the fast path', () => {
    for (const v of ['2026-12-07 17:10:00', '2026-12-07 17:10:00.123', '2026-12-07T17:10:00.123456Z', '2026-12-07 17:10:00.5+00', '1999-02-28 23:59:59-05:30']) {
      expect(fastMicros(v), v).toBeDefined();
      expect(BigInt(fastMicros(v)!)).toBe(exactMicros(v));
    }
    for (const v of ['2026-02-31 00:00:00', '2026-12-07 17:10:00.1234567', '0099-01-01 00:00:00', '2301-01-01 00:00:00', '2026-12-07 24:00:00']) expect(fastMicros(v), v).toBeUndefined();
  });

  it('decimals: fastUnscaled is undefined or equals the exact unscaled integer, for 20,000 texts', () => {
    const text = fc.tuple(fc.constantFrom('', '-', '+', '--'), fc.stringMatching(/^[0-9]{0,17}$/), fc.option(fc.stringMatching(/^[0-9]{0,6}$/), { nil: undefined }), fc.constantFrom('', '', '', 'e3', ' ', 'x'));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 6 }), ([sign, int, frac, tail], scale) => {
        const v = `${sign}${int}${frac === undefined ? '' : `.${frac}`}${tail}`;
        const fast = fastUnscaled(v, scale);
        if (fast === undefined) return;
        expect(BigInt(fast)).toBe(exactUnscaled(v, scale));
      }),
      { numRuns: 20_000 },
    );
  });

  it('decimal columns: INT32 up to 9 digits, INT64 up to 18, fixed-length bytes beyond; the values exact', () => {
    const small = parquetColumn({ name: 'p', type: 'decimal', precision: 9, scale: 2 });
    expect(small.element.type).toBe('INT32');
    expect(small.toParquet('-1234567.89')).toBe(-123456789n);
    const mid = parquetColumn({ name: 'p', type: 'decimal', precision: 18, scale: 4 });
    expect(mid.element.type).toBe('INT64');
    expect(mid.toParquet('12345678901234.5678')).toBe(123456789012345678n); // 18 digits: past the fast path, exact
    expect(mid.toParquet('-0.5')).toBe(-5000n);
    const wide = parquetColumn({ name: 'p', type: 'decimal', precision: 38, scale: 9 });
    expect(wide.element.type).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(() => mid.toParquet('1.23456')).toThrow(/more than 4 decimal places/);
  });
});
