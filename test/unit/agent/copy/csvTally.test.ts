/**
 * The exact row count of CSV bytes (copy/csvTally.ts), which a pass-through copy reports as rowsRead/rowsCopied,
 * held to the parser's count (CsvParser, what the row path reads) on generated text in every dialect, fed in pieces
 * cut anywhere — inside quotes, between \r and \n, inside a multi-byte character.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTally } from '../../../../src/agent/copy/csvTally.js';
import { CsvParser, DELIMITED_TEXT_DEFAULTS, type DelimitedTextOptions } from '../../../../src/agent/formats/delimitedText.js';
import type { Row } from '../../../../src/agent/copy/rows.js';

function parserRows(o: DelimitedTextOptions, text: string): number | 'error' {
  const p = new CsvParser(o);
  const rows: Row[] = [];
  try {
    p.push(text, rows);
    p.end(rows);
  } catch {
    return 'error';
  }
  return Math.max(0, rows.length - (o.firstRowAsHeader ? 1 : 0));
}

function tallyRows(o: DelimitedTextOptions, bytes: Buffer, cuts: number[]): number | 'error' {
  const t = new CsvTally(o);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    t.push(bytes.subarray(from, to));
    from = to;
  }
  try {
    return t.end();
  } catch {
    return 'error';
  }
}

describe('CsvTally: the parser\'s row count from the bytes', () => {
  it('a few known files', () => {
    const rfc = { ...DELIMITED_TEXT_DEFAULTS, escapeChar: '"', firstRowAsHeader: true };
    expect(tallyRows(rfc, Buffer.from('id,note\r\n1,"two\r\nlines"\r\n2,x'), [])).toBe(2); // CRLF, no newline at the end
    expect(tallyRows(rfc, Buffer.from('id\n\n1\n'), [])).toBe(2); // a blank line is a row
    expect(tallyRows(rfc, Buffer.from('id\r1\r2\r'), [])).toBe(2); // old Mac line ends
    expect(tallyRows(rfc, Buffer.from('id\n1,"open'), [])).toBe('error');
    expect(tallyRows(rfc, Buffer.from(''), [])).toBe(0);
  });

  it('equals CsvParser for any text, dialect and chunking (20,000 cases)', () => {
    const dialect = fc.record({
      columnDelimiter: fc.constantFrom(',', ';', '|', '\t'),
      quoteChar: fc.constantFrom('"', "'", ''),
      escapeChar: fc.constantFrom('\\', '"', ''),
      firstRowAsHeader: fc.boolean(),
      rowDelimiter: fc.constantFrom(undefined, '\n', '\r\n', '|'),
    });
    const text = fc.stringMatching(/^[a-zé,;|\t"'\\\r\n ]{0,40}$/);
    fc.assert(
      fc.property(dialect, text, fc.array(fc.nat(60), { maxLength: 6 }), (d, t, cuts) => {
        const o: DelimitedTextOptions = { ...DELIMITED_TEXT_DEFAULTS, ...d };
        expect(tallyRows(o, Buffer.from(t, 'utf8'), cuts)).toBe(parserRows(o, t));
      }),
      { numRuns: 20_000 },
    );
  });
});
