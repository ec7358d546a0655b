/**
 * Delimited-text files into PostgreSQL through COPY FROM STDIN (src/agent/copy/csvLoad.ts): the path is taken
 * when no translator is asked and the dialect is expressible in COPY; files with a UTF-8 byte order mark, gzip,
 * no header (loaded by position) and several files at a time load exactly the source, checked with
 * validateDataConsistency; a file with a line `\.` is refused instead of being cut short, and the row path
 * (a translator) loads it whole.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awkwardSource, dropSchema, tableDifference, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('csvload');
const FAST = 'fast path: the files go to COPY FROM STDIN as CSV';

describe.skipIf(!up)('copy: CSV files → PostgreSQL through COPY', () => {
  let client: pg.Client;
  let f: TestFactory;
  const table = (t: string) => `${schema}.${t}`;
  const logs = (r: { events: Array<{ event: string; message?: string }> }) => r.events.filter((e) => e.event === 'log').map((e) => e.message ?? '');

  beforeAll(async () => {
    ({ client, f } = await awkwardSource(schema));
  });
  afterAll(() => dropSchema(client, schema));

  it('header-less gzip files with a byte order mark, two at a time, load by position exactly the source', async () => {
    const csv = { firstRowAsHeader: false, escapeChar: '"', compressionCodec: 'gzip' };
    const out = f.dataset('Parts', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'parts', fileName: 'p.csv.gz' }, ...csv });
    const w = await f.copy('Write', 'Src', out, { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 3 });
    expect(w.error).toBeUndefined();
    // one more file, written by hand: a UTF-8 byte order mark before the first row
    mkdirSync(join(f.files, 'parts'), { recursive: true });
    await client.query(`INSERT INTO ${table('src')} (id, t, v) VALUES (90001, 'bom row', 'é')`);
    writeFileSync(join(f.files, 'parts', 'x_bom.csv.gz'), gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('90001,bom row,é,,,,,,,,,\n')])));

    await client.query(`CREATE TABLE ${table('back')} (LIKE ${table('src')})`);
    const back = f.dataset('Back', 'PostgreSqlTable', 'Pg', { schema, table: 'back' });
    const inp = f.dataset('PartsIn', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'parts' }, ...csv });
    const r = await f.copy('Load', inp, back, { source: { storeSettings: { type: 'FileServerReadSettings', wildcardFileName: '*.csv.gz' } }, sink: {}, parallelCopies: 2, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(logs(r)).toContain(FAST);
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(2008);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    expect(await tableDifference(client, table('src'), table('back'))).toBe(0);
    await client.query(`DELETE FROM ${table('src')} WHERE id = 90001`);
  });

  it('the fast paths are taken where they should be: pg → CSV file, gzip CSV and JSON (transcoded); not with a translator', async () => {
    const csv = f.dataset('FastCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'fast', fileName: 'a.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const gz = f.dataset('FastGz', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'fast', fileName: 'a.csv.gz' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' });
    const json = f.dataset('FastJson', 'Json', 'Files', { location: { type: 'FileServerLocation', folderPath: 'fast', fileName: 'a.json' } });
    const server = 'fast path: the source writes the CSV itself';
    for (const [name, ds, typeProperties, expected] of [
      ['FastToCsv', csv, { source: {}, sink: {} }, server],
      ['FastToGz', gz, { source: {}, sink: {} }, server],
      ['FastToJson', json, { source: {}, sink: {} }, 'fast path: the source writes COPY text itself, transcoded to Json'],
      ['RowsToCsv', csv, { source: {}, sink: {}, translator: { type: 'TabularTranslator', mappings: [{ source: { name: 'id' }, sink: { name: 'id' } }] } }, undefined],
    ] as const) {
      const r = await f.copy(name, 'Src', ds, typeProperties);
      expect(r.error).toBeUndefined();
      const fast = logs(r).filter((m) => m.startsWith('fast path'));
      expect(fast, name).toEqual(expected ? [expected] : []);
    }
  });

  it('a line \\. is refused on the fast path (the target unchanged), and the row path loads every row', async () => {
    await client.query(`CREATE TABLE ${table('one')} (v text)`);
    mkdirSync(join(f.files, 'marker'), { recursive: true });
    writeFileSync(join(f.files, 'marker', 'm.csv'), 'v\nbefore\n\\.\nafter\n');
    const inp = f.dataset('MarkerIn', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'marker', fileName: 'm.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const one = f.dataset('One', 'PostgreSqlTable', 'Pg', { schema, table: 'one' });
    const fast = await f.copy('Marker', inp, one, { source: {}, sink: {} });
    expect(fast.status).toBe('Failed');
    expect(fast.activities[0]!.error?.code).toBe('CSV_END_OF_DATA_LINE');
    expect(fast.activities[0]!.error?.message).toContain('m.csv');
    expect((await client.query(`SELECT count(*)::int AS n FROM ${table('one')}`)).rows[0].n).toBe(0);

    const rows = await f.copy('MarkerRows', inp, one, { source: {}, sink: {}, translator: { type: 'TabularTranslator', mappings: [{ source: { name: 'v' }, sink: { name: 'v' } }] } });
    expect(rows.error).toBeUndefined();
    expect(logs(rows)).not.toContain(FAST);
    expect((await client.query(`SELECT v FROM ${table('one')}`)).rows.map((x) => x.v).sort()).toEqual(['\\.', 'after', 'before']);
  });
});
