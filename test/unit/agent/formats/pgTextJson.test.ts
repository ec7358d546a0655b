/**
 * The COPY text → Json transcoder (formats/pgTextJson.ts) against the row path it stands in for (PgTextParser's rows
 * through jsonEncoder): for generated tables of every column kind, values with every escape COPY writes (and those
 * only a hand-written file has: \x41, \101, a stray backslash), quotes, controls, UTF-8, bytes that are not UTF-8,
 * numbers and near-numbers, cut into chunks anywhere (inside a UTF-8 sequence, an escape, between \r and \n),
 * the same bytes in both file patterns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column, LogicalType } from '../../../../src/agent/copy/rows.js';
import { jsonEncoder, type JsonFilePattern } from '../../../../src/agent/formats/jsonWrite.js';
import { PgTextJson } from '../../../../src/agent/formats/pgTextJson.js';
import { feedInCuts, rowsOfCopyText } from '../../../support/copyText.js';

const TYPES: LogicalType[] = ['string', 'integer', 'decimal', 'float', 'boolean', 'json', 'timestamp', 'binary', 'uuid'];
const piece = fc.constantFrom('a', 'é', '😀', '"', '\\\\', '\\t', '\\n', '\\r', '\\b', '\\f', '\\v', '\\x41', '\\101', '\\q', '\u0001', '\u001f', '\u007f', ' ', '{"k":1}', '[1]', 'null', 't', 'f', 'true', '0', '-0', '12', '1.5', '1e5', '-2E-3', '01', '1.', '.5', 'NaN', '-', '\u2028', '\\N');
const rawBytes = fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]));
const value = fc.oneof(
  { weight: 6, arbitrary: fc.array(piece, { maxLength: 6 }).map((a) => Buffer.from(a.join(''), 'utf8')) },
  { weight: 1, arbitrary: fc.tuple(piece, rawBytes, piece).map(([a, r, b]) => Buffer.concat([Buffer.from(a), r, Buffer.from(b)])) },
  { weight: 1, arbitrary: fc.constant(Buffer.from('\\N')) },
);

const table = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    columns: fc.array(fc.constantFrom(...TYPES), { minLength: n, maxLength: n }).map((ts) => ts.map((type, i): Column => ({ name: `c${i}"\\${i}`, type }))),
    rows: fc.array(fc.array(value, { minLength: n, maxLength: n }), { maxLength: 8 }),
    endsWithNewline: fc.boolean(),
    cuts: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
    pattern: fc.constantFrom<JsonFilePattern>('setOfObjects', 'arrayOfObjects'),
  }),
);

function copyText(rows: Buffer[][], endsWithNewline: boolean): Buffer {
  const lines = rows.map((r) => Buffer.concat(r.flatMap((v, i) => (i ? [Buffer.from('\t'), v] : [v]))));
  const all = Buffer.concat(lines.flatMap((l, i) => (i ? [Buffer.from('\n'), l] : [l])));
  return rows.length && endsWithNewline ? Buffer.concat([all, Buffer.from('\n')]) : all;
}

function rowPath(bytes: Buffer, columns: Column[], pattern: JsonFilePattern): string {
  const rows = rowsOfCopyText(bytes);
  const e = jsonEncoder(columns, pattern);
  return e.begin() + e.rows(rows) + e.end();
}

/** the transcoder's output; compared as bytes (bytes that are not UTF-8 would turn into U+FFFD in a string) */
const transcoded = (bytes: Buffer, cuts: number[], columns: Column[], pattern: JsonFilePattern): Promise<Buffer> => feedInCuts(new PgTextJson(columns, pattern), bytes, cuts);
const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('PgTextJson', () => {
  it('writes the bytes the row path writes, however the input is cut', async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ columns, rows, endsWithNewline, cuts, pattern }) => {
        const bytes = copyText(rows, endsWithNewline);
        expect((await transcoded(bytes, cuts, columns, pattern)).equals(utf8(rowPath(bytes, columns, pattern)))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('writes each kind as the row path does (spelled out)', async () => {
    const columns: Column[] = [
      { name: 'id', type: 'integer' },
      { name: 'ok', type: 'boolean' },
      { name: 'txt', type: 'string' },
      { name: 'doc', type: 'json' },
      { name: 'amt', type: 'decimal' },
    ];
    const bytes = Buffer.from('1\tt\ta"b\\\\c\\td\\v\u0001é\t{"x": [1]}\tNaN\n2\tf\t\\N\t"s"\t-0.50\n');
    const got = (await transcoded(bytes, [7, 3], columns, 'setOfObjects')).toString('utf8');
    expect(got).toBe('{"id":1,"ok":true,"txt":"a\\"b\\\\c\\td\\u000b\\u0001é","doc":{"x": [1]},"amt":"NaN"}\n{"id":2,"ok":false,"txt":null,"doc":"\\"s\\"","amt":-0.50}\n');
    expect((await transcoded(Buffer.alloc(0), [], columns, 'arrayOfObjects')).toString()).toBe('[]\n');
  });

  it('copies a 20 MB value that arrives in 64 KiB chunks', async () => {
    const big = 'x"\\\\'.repeat(5 * 1024 * 1024);
    const bytes = Buffer.from(`1\t${big}\n`);
    const columns: Column[] = [
      { name: 'id', type: 'integer' },
      { name: 'v', type: 'string' },
    ];
    const got = await transcoded(bytes, Array.from({ length: 400 }, () => 64 * 1024), columns, 'setOfObjects');
    expect(got.equals(utf8(rowPath(bytes, columns, 'setOfObjects')))).toBe(true);
  });
});
