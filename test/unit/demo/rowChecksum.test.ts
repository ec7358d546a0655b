import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvReader } from '../../../src/demo/csvReader.js';
import { canonicalDecimal, checksumHex, epochMicros, RowChecksum } from '../../../src/demo/rowChecksum.js';

function toCsv(rows: string[][]): string {
  const q = (f: string) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);
  return rows.map((r) => r.map(q).join(',')).join('\r\n') + '\n';
}

describe('demo CSV reader', () => {
  it('reads back any fields, whatever the chunk boundaries', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'ü', '🎁', ',', '"', '\n', '\r', ' ', 'x') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (rows, cuts) => {
        const text = toCsv(rows);
        const got: string[][] = [];
        const r = new CsvReader((f) => got.push(f));
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        let at = 0;
        for (const p of [...points, text.length]) {
          r.write(text.slice(at, p));
          at = p;
        }
        r.end();
        expect(got).toEqual(rows);
      }),
    );
  });

  it('reads a last row without a line break and rejects an unclosed quote', () => {
    const got: string[][] = [];
    const r = new CsvReader((f) => got.push(f));
    r.write('a,b\n1,"x,\ny"');
    r.end();
    expect(got).toEqual([
      ['a', 'b'],
      ['1', 'x,\ny'],
    ]);
    const bad = new CsvReader(() => undefined);
    bad.write('1,"open');
    expect(() => bad.end()).toThrow(/not closed/);
  });
});

describe('demo row checksum', () => {
  it('maps every faithful spelling of a value to one canonical text', () => {
    expect(['12.50', '12.5', '+12.50', '012.5'].map(canonicalDecimal)).toEqual(['12.5', '12.5', '12.5', '12.5']);
    expect(['3.00', '3', '3.'].map(canonicalDecimal)).toEqual(['3', '3', '3']);
    expect(['-0.00', '0', '-0.10'].map(canonicalDecimal)).toEqual(['0', '0', '-0.1']);
    const t = ['2024-03-05 12:34:56.789+00', '2024-03-05T12:34:56.789Z', '2024-03-05T14:34:56.789+02:00', '2024-03-05 07:34:56.789-05', '2024-03-05 12:34:56.789000'];
    expect(new Set(t.map(epochMicros))).toEqual(new Set([String(Date.UTC(2024, 2, 5, 12, 34, 56, 789) * 1000)]));
    expect(epochMicros('2024-03-05 12:34:56.000001+00')).toBe(String(Date.UTC(2024, 2, 5, 12, 34, 56) * 1000 + 1));
  });

  it('is independent of row order and sees a changed, missing or duplicated row', () => {
    const rows = [
      ['1', 'a', '1.50', '2024-01-01 00:00:00+00'],
      ['2', 'b, "c"', '2', '2024-01-02 00:00:00+00'],
      ['3', '', '0.10', '2024-01-03 00:00:00+00'],
    ];
    const kinds = ['integer', 'text', 'decimal', 'timestamp'] as const;
    const sum = (rs: string[][]) => {
      const c = new RowChecksum([...kinds]);
      rs.forEach((r) => c.add(r));
      return c.result();
    };
    const base = sum(rows);
    expect(sum([...rows].reverse())).toEqual(base);
    expect(sum([rows[0]!, rows[1]!, ['3', '', '0.1', '2024-01-03T00:00:00Z']])).toEqual(base);
    expect(sum([rows[0]!, rows[1]!, ['3', 'x', '0.10', '2024-01-03 00:00:00+00']]).sum).not.toBe(base.sum);
    expect(sum(rows.slice(0, 2)).rows).toBe(2);
    expect(sum([...rows, rows[0]!]).sum).not.toBe(base.sum);
    expect(checksumHex(base.sum)).toMatch(/^[0-9a-f]{16}$/);
  });
});
