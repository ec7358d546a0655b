import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowCounter } from '../../../../src/agent/copy/byteTee.js';
import { intervalRate } from '../../../../src/agent/copy/meter.js';
import { CsvWriter, DELIMITED_TEXT_DEFAULTS, type DelimitedTextOptions } from '../../../../src/agent/formats/delimitedText.js';

/** Feeds `bytes` to a fresh counter in pieces cut at `cuts` and returns the total. */
function countInPieces(options: DelimitedTextOptions, bytes: Buffer, cuts: number[]): number {
  const count = rowCounter({ kind: 'csv', options });
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let total = 0;
  let from = 0;
  for (const to of [...at, bytes.length]) {
    total += count(bytes.subarray(from, to));
    from = to;
  }
  return total;
}

describe('live row count of CSV bytes (progress of the fast paths)', () => {
  it('counts rows, not newlines: a newline inside quotes is part of a value, the header is no row', () => {
    const o = { ...DELIMITED_TEXT_DEFAULTS, escapeChar: '"', firstRowAsHeader: true };
    const csv = Buffer.from('id,note\n1,"two\nlines"\n2,"a ""quoted""\n, comma"\n3,plain\n');
    expect(countInPieces(o, csv, [])).toBe(3);
    // cut inside every quote pair and between the halves of a doubled quote
    expect(countInPieces(o, csv, [...Array(csv.length).keys()])).toBe(3);
  });

  it('honours an escape char other than the quote (a \\" does not close the value)', () => {
    const o = { ...DELIMITED_TEXT_DEFAULTS, escapeChar: '\\' };
    const csv = Buffer.from('1,"a \\"x\ny\\" b"\n2,"c\\\\"\n3,"\n"\n');
    expect(countInPieces(o, csv, [])).toBe(3);
    expect(countInPieces(o, csv, [...Array(csv.length).keys()])).toBe(3);
  });

  it('equals the number of rows the writer wrote, for any values, dialect and chunking', () => {
    const value = fc.oneof(fc.constant(null), fc.stringMatching(/^[a-z,"'\\\n\r é|]{0,8}$/));
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 2, maxLength: 2 }), { maxLength: 12 }),
        fc.constantFrom('"', "'", ''),
        fc.constantFrom('\\', '"', "'", ''),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (rows, quoteChar, escapeChar, header, cuts) => {
          // without a quote char the escape char escapes newlines outside quotes
          const o: DelimitedTextOptions = { ...DELIMITED_TEXT_DEFAULTS, columnDelimiter: '|', quoteChar, escapeChar, firstRowAsHeader: header };
          // with neither, a newline cannot be inside a value (the writer cannot express it)
          const data = quoteChar || escapeChar ? rows : rows.map((r) => r.map((v) => v?.replace(/[\r\n|\\]/g, 'x') ?? null));
          const w = new CsvWriter(o);
          const text = (header ? w.header([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }]) : '') + w.rows(data);
          expect(countInPieces(o, Buffer.from(text), cuts)).toBe(data.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('COPY text: one row per newline', () => {
    const count = rowCounter({ kind: 'pgtext' });
    expect(count(Buffer.from('1\ta\\nb\n2\t\\N\n'))).toBe(2);
  });

  it('the interval rate is never negative: a restarted partition takes its rows back', () => {
    expect(intervalRate(1000, 3000, 1000)).toBe(2000);
    expect(intervalRate(3000, 1000, 1000)).toBe(0);
    expect(intervalRate(0, 10, 0)).toBe(0);
  });
});
