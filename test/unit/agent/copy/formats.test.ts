import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvWriter, DELIMITED_TEXT_DEFAULTS, delimitedTextOptions, type DelimitedTextOptions } from '../../../../src/agent/formats/delimitedText.js';
import { JsonDecoder, jsonEncoder } from '../../../../src/agent/formats/json.js';
import { formatPgText, PgTextParser } from '../../../../src/agent/formats/pgText.js';
import { createDecoder, createEncoder } from '../../../../src/agent/formats/encoding.js';
import type { Column, Row } from '../../../../src/agent/copy/rows.js';

/** Parses `text` fed in pieces cut at the given points (quotes, CRLF and surrogate pairs may be split). */
function parseInPieces(o: DelimitedTextOptions, text: string, cuts: number[]): Row[] {
  const p = new CsvParser(o);
  const out: Row[] = [];
  let at = 0;
  for (const c of [...cuts.filter((x) => x < text.length)].sort((a, b) => a - b)) {
    p.push(text.slice(at, c), out);
    at = c;
  }
  p.push(text.slice(at), out);
  p.end(out);
  return out;
}

const dialects: Array<Partial<DelimitedTextOptions>> = [
  { quoteChar: '"', escapeChar: '"' },
  { quoteChar: '"', escapeChar: '\\' },
  { columnDelimiter: ';', quoteChar: "'", escapeChar: '\\', nullValue: 'NULL' },
  { columnDelimiter: '\t', quoteChar: '"', escapeChar: '"', rowDelimiter: '\r\n', nullValue: '\\N' },
  { columnDelimiter: '|', quoteChar: '"', escapeChar: '"', quoteAllText: true },
];
const value = fc.option(fc.string({ unit: fc.constantFrom('a', ',', ';', '|', '\t', '"', "'", '\\', '\r', '\n', ' ', 'N', 'U', 'L', 'é', '😀', 'ע') }), { nil: null });

describe('DelimitedText', () => {
  for (const d of dialects) {
    it(`round-trips any values, split anywhere: ${JSON.stringify(d)}`, () => {
      const o = { ...DELIMITED_TEXT_DEFAULTS, ...d };
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }).chain((w) => fc.tuple(fc.array(fc.array(value, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(300)))), ([rows, cuts]) => {
          // a one-column NULL row is an empty line, which is the same as a one-column row of nullValue ''
          const text = new CsvWriter(o).rows(rows);
          expect(parseInPieces(o, text, cuts)).toEqual(rows);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('reads PostgreSQL/RFC 4180 CSV: quoted empty is "", unquoted empty is NULL, CRLF and bare CR end rows', () => {
    const o = { ...DELIMITED_TEXT_DEFAULTS, escapeChar: '"' };
    expect(parseInPieces(o, 'a,"",,"x""y"\r\nb,"multi\nline",c,d\re,f,g,h', [])).toEqual([
      ['a', '', null, 'x"y'],
      ['b', 'multi\nline', 'c', 'd'],
      ['e', 'f', 'g', 'h'],
    ]);
  });

  it('without a quote char, the escape char escapes delimiters', () => {
    const o = { ...DELIMITED_TEXT_DEFAULTS, quoteChar: '', escapeChar: '\\' };
    const text = new CsvWriter(o).rows([['a,b', 'c\\d']]);
    expect(text).toBe('a\\,b,c\\\\d\n');
    expect(parseInPieces(o, text, [2])).toEqual([['a,b', 'c\\d']]);
  });

  it('rejects an unterminated quote and bad settings with the field named', () => {
    const o = { ...DELIMITED_TEXT_DEFAULTS, escapeChar: '"' };
    expect(() => parseInPieces(o, 'a,"open', [])).toThrow(/ends inside a quoted value/);
    expect(() => delimitedTextOptions({ columnDelimiter: ',,' })).toThrow(/columnDelimiter must be one character/);
    expect(delimitedTextOptions({ rowDelimiter: '\\r\\n', columnDelimiter: '\\t' })).toMatchObject({ rowDelimiter: '\r\n', columnDelimiter: '\t' });
  });
});

describe('PostgreSQL COPY text', () => {
  it('round-trips any values, split anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.option(fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'N', '😀') }), { nil: null }), { minLength: 2, maxLength: 2 }), { maxLength: 6 }), fc.nat(100), (rows, cut) => {
        const text = formatPgText(rows);
        const p = new PgTextParser();
        const out: Row[] = [];
        p.push(text.slice(0, cut), out);
        p.push(text.slice(cut), out);
        p.end(out);
        expect(out).toEqual(rows);
      }),
    );
  });
});

describe('Json', () => {
  const cols: Column[] = [
    { name: 'id', type: 'integer' },
    { name: 'n', type: 'decimal' },
    { name: 'b', type: 'boolean' },
    { name: 'j', type: 'json' },
    { name: 's', type: 'string' },
  ];
  const rows: Row[] = [
    ['1', '12345678901234567890.123456789', 't', '{"x": [1, 2.50]}', 'quote " and \n newline'],
    ['2', 'NaN', 'f', 'null', null],
    ['3', null, null, '"text"', ''],
  ];
  for (const pattern of ['setOfObjects', 'arrayOfObjects'] as const) {
    it(`${pattern}: numbers keep their digits, json null stays apart from SQL NULL, any chunking`, () => {
      const e = jsonEncoder(cols, pattern);
      const text = e.begin() + e.rows(rows.slice(0, 2)) + e.rows(rows.slice(2)) + e.end();
      for (let cut = 0; cut < text.length; cut += 7) {
        const d = new JsonDecoder(cols.map((c) => c.name));
        const out: Row[] = [];
        d.push(text.slice(0, cut), out);
        d.push(text.slice(cut), out);
        d.end(out);
        expect(out).toEqual([
          ['1', '12345678901234567890.123456789', 'true', '{"x":[1,2.50]}', 'quote " and \n newline'],
          ['2', 'NaN', 'false', 'null', null],
          ['3', null, null, '"text"', ''],
        ]);
      }
    });
  }

  it('takes its columns from the first object and says what is wrong with a bad file', () => {
    const d = new JsonDecoder();
    const out: Row[] = [];
    d.push('{"a":1,"b":"x"}\n{"b":"y","c":3}\n', out);
    expect(d.columns()!.map((c) => c.name)).toEqual(['a', 'b']);
    expect(out).toEqual([['1', 'x'], [null, 'y']]);
    expect(() => new JsonDecoder().push('[1,2]', [])).toThrow(/expected a JSON object/);
    const cut = new JsonDecoder();
    cut.push('[{"a":1}', []);
    expect(() => cut.end([])).toThrow(/never closed/);
  });
});

describe('encodings', () => {
  it('UTF-16 and latin1 round-trip through chunked decoders', () => {
    for (const enc of ['UTF-16', 'UTF-16BE', 'ISO-8859-1', 'UTF-8']) {
      const text = enc === 'ISO-8859-1' ? 'café, naïve' : 'café 😀 עברית';
      const bytes = createEncoder(enc)(text);
      const d = createDecoder(enc);
      let back = '';
      for (let i = 0; i < bytes.length; i++) back += d.write(bytes.subarray(i, i + 1));
      back += d.end();
      expect(back).toBe(text);
    }
    expect(() => createDecoder('klingon-8')).toThrow(/not a known text encoding/);
  });
});
