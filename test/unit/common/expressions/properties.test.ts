/** Properties of the expression language that hold for any input (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateString, ExactNumber } from '../../../../src/common/expressions.js';
import { analyzeTemplate } from '../../../../src/common/expressions/analyze.js';
import { formatTimestamp } from '../../../../src/common/expressions/dateFormat.js';
import { parseTimestamp, TICKS_PER_DAY } from '../../../../src/common/expressions/timestamps.js';

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const MAX_TICKS = 3_155_378_975_999_999_999n; // 9999-12-31T23:59:59.9999999

describe('expression properties', () => {
  it('a string literal comes back as written, whole or interpolated between any text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string().filter((s) => !s.includes('@')), (s, around) => {
        expect(evaluate(quote(s), {})).toBe(s);
        expect(evaluateString(`${around}@{${quote(s)}}${around}`, {})).toBe(`${around}${s}${around}`);
      }),
    );
  });

  it('whole-number arithmetic is exact beyond 2^53 (add, sub, mul against BigInt)', () => {
    const big = fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n });
    fc.assert(
      fc.property(big, big, (a, b) => {
        expect(String(evaluate(`add(${a}, ${b})`, {}))).toBe(String(a + b));
        expect(String(evaluate(`sub(${a}, ${b})`, {}))).toBe(String(a - b));
        expect(String(evaluate(`mul(${a}, ${b})`, {}))).toBe(String(a * b));
        expect(evaluate(`greater(${a}, ${b})`, {})).toBe(a > b);
        expect(evaluate(`equals(${a}, ${b})`, {})).toBe(a === b);
      }),
    );
  });

  it('decimals read from a store keep every digit through add and comparisons', () => {
    const dec = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 9 })).map(([d, s]) => new ExactNumber(d, s));
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const scope = { variables: { a, b } };
        const sum = evaluate("add(variables('a'), variables('b'))", scope);
        const s = Math.max(a.scale, b.scale);
        expect(ExactNumber.parse(String(sum))!.rescale(s)).toBe(a.rescale(s) + b.rescale(s));
        expect(evaluate("greater(variables('a'), variables('b'))", scope)).toBe(a.rescale(s) > b.rescale(s));
      }),
    );
  });

  it('a timestamp formatted with the default format parses back to the same 100 ns tick', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_TICKS }), (ticks) => {
        const text = formatTimestamp({ ticks, utc: true });
        expect(parseTimestamp(text)).toEqual({ ticks, utc: true });
      }),
    );
  });

  it('addDays(n) then addDays(-n) is the same instant, microseconds kept', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 400n * TICKS_PER_DAY, max: MAX_TICKS - 400n * TICKS_PER_DAY }), fc.integer({ min: -365, max: 365 }), (ticks, n) => {
        const t = formatTimestamp({ ticks, utc: true });
        expect(evaluate(`addDays(addDays('${t}', ${n}), ${-n})`, {})).toBe(t);
      }),
    );
  });

  it('the static check never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('@', '{', '}', "'", '(', ')', ',', '.', '[', ']', '?', 'a', 'x', '1', ' ') }), (s) => {
        expect(() => analyzeTemplate(s)).not.toThrow();
      }),
    );
  });
});
