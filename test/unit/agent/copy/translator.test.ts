import { describe, expect, it } from 'vitest';
import { Checksum } from '../../../../src/agent/copy/checksum.js';
import type { Column } from '../../../../src/agent/copy/rows.js';
import { applyMapping, mappingsOf, planMapping } from '../../../../src/agent/copy/translator.js';

const source: Column[] = [
  { name: 'Id', type: 'integer' },
  { name: 'name', type: 'string' },
  { name: 'ts', type: 'timestamptz' },
];

describe('TabularTranslator', () => {
  it('maps by name (case-insensitive) and by ordinal, renaming and reordering', () => {
    const m = mappingsOf({ type: 'TabularTranslator', mappings: [{ source: { name: 'ts' }, sink: { name: 'when' } }, { source: { name: 'id' }, sink: { name: 'key' } }, { source: { ordinal: 2 }, sink: { name: 'who' } }] })!;
    const plan = planMapping(m, source);
    expect(plan.columns).toEqual([
      { name: 'when', type: 'timestamptz' },
      { name: 'key', type: 'integer' },
      { name: 'who', type: 'string' },
    ]);
    expect(applyMapping([['1', 'a', 'T'], ['2', null, null]], plan.pick)).toEqual([
      ['T', '1', 'a'],
      [null, '2', null],
    ]);
  });

  it('a mapped column keeps what the source said of it: a decimal its precision and scale (Parquet writes DECIMAL(38,9), not a string)', () => {
    const money: Column = { name: 'amount', type: 'decimal', nativeType: 'numeric(38,9)', precision: 38, scale: 9 };
    const plan = planMapping([{ source: { name: 'AMOUNT' }, sink: { name: 'total' } }], [money]);
    expect(plan.columns).toEqual([{ ...money, name: 'total' }]);
  });

  it('reads the v1 columnMappings string; no translator means pass-through', () => {
    expect(mappingsOf({ columnMappings: 'Id: key, name: who' })).toEqual([
      { source: { name: 'Id' }, sink: { name: 'key' } },
      { source: { name: 'name' }, sink: { name: 'who' } },
    ]);
    expect(mappingsOf(undefined)).toBeUndefined();
    expect(mappingsOf({ type: 'TabularTranslator' })).toBeUndefined();
  });

  it('names the missing column and what exists', () => {
    expect(() => planMapping([{ source: { name: 'nope' }, sink: { name: 'x' } }], source)).toThrow(/source column "nope" does not exist \(the source has Id, name, ts\)/);
    expect(() => planMapping([{ source: { ordinal: 9 }, sink: { name: 'x' } }], source)).toThrow(/outside 1\.\.3/);
  });
});

describe('checksum', () => {
  it('is independent of row order, sensitive to duplicates, NULL vs empty, and single characters', () => {
    const rows = [
      ['1', 'a', null],
      ['2', '', 'x'],
      ['3', 'a', 'x'],
    ];
    const a = new Checksum(['integer', 'string', 'string']);
    a.addRows(rows);
    const b = new Checksum(['integer', 'string', 'string']);
    b.addRows([rows[2]!, rows[0]!]);
    const c = new Checksum(['integer', 'string', 'string']);
    c.addRows([rows[1]!]);
    b.merge(c);
    expect(b.hex()).toBe(a.hex());
    expect(b.rows).toBe(3);
    const dup = new Checksum();
    dup.addRows([...rows, rows[0]!]);
    expect(dup.hex()).not.toBe(a.hex());
    const nul = new Checksum();
    nul.addRows([['1', 'a', null], ['2', null, 'x'], ['3', 'a', 'x']]);
    expect(nul.hex()).not.toBe(a.hex());
    const one = new Checksum();
    one.addRows([['1', 'b', null], ['2', '', 'x'], ['3', 'a', 'x']]);
    expect(one.hex()).not.toBe(a.hex());
    const split = new Checksum();
    split.addRows([['1a', null], ['2', '', 'x'], ['3', 'a', 'x']]);
    expect(split.hex()).not.toBe(new Checksum().hex());
  });

  it('canonicalises by type so PostgreSQL text, CSV and JSON agree', () => {
    const types = ['boolean', 'timestamptz', 'json', 'integer', 'timestamp'] as const;
    const pgText = new Checksum([...types]);
    pgText.addRow(['t', '2024-03-01 08:00:00.5+00', '{"a": [1, 2.50], "b": "x"}', '42', '2024-03-01 10:00:00']);
    const other = new Checksum([...types]);
    other.addRow(['true', '2024-03-01T10:00:00.500+02:00', '{"b":"x","a":[1,2.50]}', '+042', '2024-03-01T10:00:00']);
    expect(other.hex()).toBe(pgText.hex());
  });
});
