/**
 * The COPY text → Parquet transcoder (formats/pgTextParquet.ts) against the row path it stands in for (PgTextParser's
 * rows through the Parquet format's binaryEncoder): for generated tables of every column kind — values of the usual
 * forms, unusual ones the converter reads (escapes, other timestamp forms, years outside 1700–2200, long decimals),
 * values Parquet cannot hold (both paths must fail with the same error), bytes that are not UTF-8, input cut
 * anywhere — the files read back as the same rows, and each column chunk carries the same statistics. The files
 * themselves differ (the byte path writes its own pages); DuckDB reads the byte path's files in
 * test/integration/contract/parquet.test.ts.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import type { Column, Row } from '../../../../src/agent/copy/rows.js';
import { parquetFormat } from '../../../../src/agent/formats/parquet.js';
import { feedInCuts, rowsOfCopyText } from '../../../support/copyText.js';

const codec = fc.constantFrom('snappy', 'none', 'gzip');
const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((a) => a.join(''));
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const year = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1700, max: 2200 }) }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 9999 }) });
const date = fc.tuple(year, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom('', '.5', '.123', '.123456'));
const zone = fc.constantFrom('', '', '+00', '-05', '+05:30', '+0530', 'Z');
const timestamp = fc.tuple(date, fc.constantFrom(' ', 'T'), time, zone).map(([d, sep, [h, m, s, f], z]) => `${d}${sep}${pad(h)}:${pad(m)}:${pad(s)}${f}${z}`);
const text = fc.array(fc.constantFrom('a', 'é', '😀', '"', '\\\\', '\\t', '\\n', '\\x41', '\\101', '\u0001', ' ', 'same', 'same', 'same'), { maxLength: 6 }).map((a) => a.join(''));

type Kind = { column: Omit<Column, 'name'>; value: fc.Arbitrary<string> };
const KINDS: Kind[] = [
  { column: { type: 'integer' }, value: fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom('007', '-0', '99999999999999999999', '1.5')) },
  { column: { type: 'decimal', precision: 5, scale: 2 }, value: fc.oneof(fc.tuple(fc.constantFrom('', '-'), digits(1, 3), digits(0, 2)).map(([s, a, b]) => `${s}${a}${b ? `.${b}` : ''}`), fc.constantFrom('1.230', '1.234', '0.00')) },
  { column: { type: 'decimal', precision: 14, scale: 2 }, value: fc.tuple(fc.constantFrom('', '-'), digits(1, 12), digits(0, 3)).map(([s, a, b]) => `${s}${a}${b ? `.${b}` : ''}`) },
  { column: { type: 'decimal', precision: 30, scale: 4 }, value: fc.tuple(fc.constantFrom('', '-'), digits(1, 26), digits(0, 4)).map(([s, a, b]) => `${s}${a}${b ? `.${b}` : ''}`) },
  { column: { type: 'decimal' }, value: fc.constantFrom('1.5', '-0.000001', 'NaN') },
  { column: { type: 'float' }, value: fc.oneof(fc.double().map(String), fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '-0', '1e300')) },
  { column: { type: 'boolean' }, value: fc.constantFrom('t', 'f', 'true', 'false') },
  { column: { type: 'date' }, value: fc.oneof({ weight: 5, arbitrary: date }, { weight: 1, arbitrary: fc.constantFrom('2026-02-31', 'infinity', '2026-12-07 10:00:00') }) },
  { column: { type: 'timestamp' }, value: timestamp },
  { column: { type: 'timestamptz' }, value: timestamp },
  { column: { type: 'binary' }, value: fc.oneof(fc.uint8Array({ maxLength: 8 }).map((b) => `\\\\x${Buffer.from(b).toString('hex')}`), fc.constantFrom('\\\\xABC', '\\\\xzz', 'plain')) },
  { column: { type: 'string' }, value: text },
  { column: { type: 'uuid' }, value: fc.uuid() },
  { column: { type: 'json' }, value: fc.constantFrom('{"a": 1}', '[1,2]', 'null') },
];
const kind = fc.constantFrom(...KINDS);
const cell = (k: Kind) => fc.oneof({ weight: 8, arbitrary: k.value.map((v) => Buffer.from(v, 'utf8')) }, { weight: 1, arbitrary: fc.constant(Buffer.from('\\N')) }, { weight: 1, arbitrary: k.column.type === 'string' ? fc.constant(Buffer.from([0x61, 0xff, 0xc3])) : fc.constant(Buffer.from('\\N')) });

const table = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.array(kind, { minLength: n, maxLength: n }).chain((kinds) =>
    fc.record({
      columns: fc.constant(kinds.map((k, i): Column => ({ name: `c${i}`, ...k.column }))),
      rows: fc.array(fc.tuple(...kinds.map(cell)), { maxLength: 12 }),
      cuts: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
      codec,
    }),
  ),
);

const copyText = (rows: Buffer[][]): Buffer => Buffer.concat(rows.map((r) => Buffer.concat([...r.flatMap((v, i) => (i ? [Buffer.from('\t'), v] : [v])), Buffer.from('\n')])));

function rowPath(bytes: Buffer, columns: Column[], compressionCodec: string): Buffer {
  const rows = rowsOfCopyText(bytes);
  const e = parquetFormat({ compressionCodec }).binaryEncoder!(columns);
  return Buffer.concat([e.begin(), e.rows(rows), e.end()]);
}

const bytePath = (bytes: Buffer, cuts: number[], columns: Column[], compressionCodec: string): Promise<Buffer> => feedInCuts(parquetFormat({ compressionCodec }).fromPgText!(columns), bytes, cuts);

async function readBack(file: Buffer): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of parquetFormat({}).readRows(Readable.from([file]), undefined, new AbortController().signal)) rows.push(...b.rows);
  return rows;
}

const statistics = (file: Buffer) => {
  const m = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
  return m.row_groups.map((g) => ({ rows: g.num_rows, columns: g.columns.map((c) => c.meta_data?.statistics) }));
};

const outcome = async <T>(f: () => T | Promise<T>): Promise<{ ok: T } | { error: string }> => {
  try {
    return { ok: await f() };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
};

describe('PgTextParquet', () => {
  it('writes files that read back as the row path’s rows, with its statistics, however the input is cut (or fails as it does)', async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ columns, rows, cuts, codec }) => {
        const bytes = copyText(rows);
        const want = await outcome(() => rowPath(bytes, columns, codec));
        const got = await outcome(() => bytePath(bytes, cuts, columns, codec));
        if ('error' in want) {
          expect(got).toEqual(want);
          return;
        }
        expect('ok' in got, JSON.stringify(got)).toBe(true);
        const file = (got as { ok: Buffer }).ok;
        expect(await readBack(file)).toEqual(await readBack(want.ok));
        expect(statistics(file)).toEqual(statistics(want.ok));
      }),
      { numRuns: 1500 },
    );
  });

  it('many rows: several row groups, a dictionary kept for a column of few values and given up for one of many, nulls between', async () => {
    const columns: Column[] = [
      { name: 'id', type: 'integer' },
      { name: 'country', type: 'string' },
      { name: 'note', type: 'string' },
      { name: 'at', type: 'timestamp' },
    ];
    const lines: string[] = [];
    for (let i = 0; i < 250_000; i++) lines.push(`${i}\t${i % 7 === 0 ? '\\N' : ['DE', 'FR', 'ÉS'][i % 3]}\tnote ${(i * 7919) % 100_003}\t2026-12-0${1 + (i % 9)} 10:00:00.${i % 1000}\n`);
    const bytes = Buffer.from(lines.join(''));
    const file = await bytePath(bytes, Array.from({ length: 200 }, () => 64 * 1024), columns, 'snappy');
    const m = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
    expect(m.row_groups.length).toBeGreaterThan(1);
    const encodings = m.row_groups[0]!.columns.map((c) => c.meta_data!.encodings);
    expect(encodings[1]).toContain('RLE_DICTIONARY');
    expect(encodings[2]).not.toContain('RLE_DICTIONARY');
    expect(await readBack(file)).toEqual(await readBack(rowPath(bytes, columns, 'snappy')));
  });

  it('a 20 MB text and a 10 MB bytea value arriving in 64 KiB chunks read back whole, between small rows', async () => {
    const columns: Column[] = [
      { name: 'id', type: 'integer' },
      { name: 't', type: 'string' },
      { name: 'b', type: 'binary' },
    ];
    const big = 'ab"c'.repeat(5 * 1024 * 1024);
    const bytea = Buffer.alloc(10 * 1024 * 1024, 0xa5);
    const bytes = Buffer.from(`1\tsmall\t\\\\x00\n2\t${big}\t\\\\x${bytea.toString('hex')}\n3\t\\N\t\\N\n`);
    const file = await bytePath(bytes, Array.from({ length: 700 }, () => 64 * 1024), columns, 'snappy');
    const rows = await readBack(file);
    expect(rows.map((r) => r.map((v, i) => (i === 0 || v === null ? v : v.length)))).toEqual([
      ['1', 5, 4],
      ['2', big.length, 2 + 2 * bytea.length],
      ['3', null, null],
    ]);
    expect(rows).toEqual(await readBack(rowPath(bytes, columns, 'snappy')));
  });
});
