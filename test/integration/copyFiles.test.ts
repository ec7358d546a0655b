/**
 * PostgreSQL ↔ file system ↔ PostgreSQL with the awkward table, for every file format we write: what comes
 * back into PostgreSQL must equal the source row for row, and the consistency check must agree.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_COLUMNS, awkwardSource, dropSchema, tableDifference, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('copyfiles');

describe.skipIf(!up)('copy: PostgreSQL ↔ files', () => {
  let client: pg.Client;
  let f: TestFactory;
  let n = 0;
  const next = () => `t${++n}`;
  const table = (t: string) => `${schema}.${t}`;

  beforeAll(async () => {
    ({ client, f } = await awkwardSource(schema));
  });
  afterAll(() => dropSchema(client, schema));

  /** Copies src → `file` dataset, then the file back into a fresh table, and compares. */
  async function roundTrip(type: string, typeProperties: Record<string, unknown>, sink: Record<string, unknown> = {}, source: Record<string, unknown> = {}) {
    const name = next();
    const ds = f.dataset(`File_${name}`, type, 'Files', typeProperties);
    const out = await f.copy(`Out_${name}`, 'Src', ds, { source: { type: 'PostgreSqlSource', ...source }, sink: { type: `${type}Sink`, ...sink }, validateDataConsistency: true });
    expect(out.error).toBeUndefined();
    expect(out.status).toBe('Succeeded');
    const o = out.activities[0]!.output!;
    expect(o.rowsCopied).toBe(2007);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    await client.query(`CREATE TABLE ${table(name)} (${AWKWARD_COLUMNS})`);
    const back = f.dataset(`Back_${name}`, 'PostgreSqlTable', 'Pg', { schema, table: name });
    const ds2 = f.dataset(`FileIn_${name}`, type, 'Files', { ...typeProperties, location: { ...(typeProperties.location as object), fileName: undefined } });
    const folder = (typeProperties.location as { folderPath: string }).folderPath;
    const inp = await f.copy(`In_${name}`, ds2, back, { source: { type: `${type}Source`, storeSettings: { type: 'FileServerReadSettings', wildcardFolderPath: folder, wildcardFileName: '*' } }, sink: { type: 'PostgreSqlSink' }, validateDataConsistency: true });
    expect(inp.error).toBeUndefined();
    expect(inp.activities[0]!.output!.rowsCopied).toBe(2007);
    expect(inp.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
    expect(await tableDifference(client, table('src'), table(name))).toBe(0);
    // nothing half-written stays behind
    expect(readdirSync(join(f.files, folder)).filter((x) => x.includes('dmgw-tmp'))).toEqual([]);
    return { out: o, folder: join(f.files, folder) };
  }

  it('pg → CSV (fast path, header, RFC quotes) → pg', async () => {
    const { out, folder } = await roundTrip('DelimitedText', { location: { type: 'FileServerLocation', folderPath: 'csv', fileName: 'awkward.csv' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, nullValue: '' });
    expect(out.files).toEqual(['csv/awkward.csv']);
    const text = readFileSync(join(folder, 'awkward.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('id,t,v,n,f,ts,tsl,d,b,by,j,u');
    expect(text).toContain('2,"",,-0.000001,NaN');
    expect(text).toContain('12345678901234567890.123456789');
  });

  it('pg → gzip CSV with backslash escapes, ; delimiter and a NULL marker → pg', async () => {
    const { folder } = await roundTrip('DelimitedText', { location: { type: 'FileServerLocation', folderPath: 'csvgz', fileName: 'awkward.csv.gz' }, columnDelimiter: ';', quoteChar: '"', escapeChar: '\\', firstRowAsHeader: true, nullValue: 'NULL', compressionCodec: 'gzip' });
    const text = gunzipSync(readFileSync(join(folder, 'awkward.csv.gz'))).toString('utf8');
    expect(text).toContain('5;"NULL";');
    expect(text).toContain('\\"');
  });

  it('pg → UTF-16 CSV without header, CRLF rows (row path) → pg by position', async () => {
    const { folder } = await roundTrip('DelimitedText', { location: { type: 'FileServerLocation', folderPath: 'utf16', fileName: 'awkward.csv' }, columnDelimiter: '|', rowDelimiter: '\r\n', quoteChar: "'", escapeChar: "'", firstRowAsHeader: false, encodingName: 'UTF-16' });
    const bytes = readFileSync(join(folder, 'awkward.csv'));
    expect(bytes[0] === 0xff && bytes[1] === 0xfe).toBe(true);
    expect(bytes.toString('utf16le')).toContain('😀');
  });

  it('pg → JSON lines → pg', async () => {
    const { folder } = await roundTrip('Json', { location: { type: 'FileServerLocation', folderPath: 'jsonl', fileName: 'awkward.json' } });
    const first = JSON.parse(readFileSync(join(folder, 'awkward.json'), 'utf8').split('\n')[0]!);
    expect(first).toMatchObject({ id: 1, b: true, j: { a: [1, 2.5], b: 'x' } });
  });

  it('pg → gzip JSON array, split by maxRowsPerFile → pg', async () => {
    const { out, folder } = await roundTrip('Json', { location: { type: 'FileServerLocation', folderPath: 'jsonarr', fileName: 'awkward.json.gz' }, compressionCodec: 'gzip' }, { formatSettings: { type: 'JsonWriteSettings', filePattern: 'arrayOfObjects', maxRowsPerFile: 700 } });
    expect(out.files).toEqual(['jsonarr/awkward_00000.json.gz', 'jsonarr/awkward_00001.json.gz', 'jsonarr/awkward_00002.json.gz']);
    const arr = JSON.parse(gunzipSync(readFileSync(join(folder, 'awkward_00002.json.gz'))).toString('utf8'));
    expect(arr).toHaveLength(2007 - 1400);
  });

  it('DynamicRange partitions: one file per partition, NULL partition keys in the first → pg', async () => {
    await client.query(`CREATE TABLE ${table('parted')} AS SELECT *, CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS k FROM ${table('src')}`);
    f.dataset('Parted', 'PostgreSqlTable', 'Pg', { schema, table: 'parted' });
    const ds = f.dataset('PartedCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'parted', fileName: 'p.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const out = await f.copy('PartOut', 'Parted', ds, { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'k' } }, sink: { type: 'DelimitedTextSink' }, parallelCopies: 3, validateDataConsistency: true });
    expect(out.error).toBeUndefined();
    const o = out.activities[0]!.output!;
    expect(o.usedParallelCopies).toBe(3);
    expect(o.files).toEqual(['parted/p_00000.csv', 'parted/p_00001.csv', 'parted/p_00002.csv']);
    const first = readFileSync(join(f.files, 'parted/p_00000.csv'), 'utf8');
    const nullKeys = first.split('\n').filter((l) => /^\d+0,/.test(l) && l.endsWith(','));
    expect(nullKeys.length).toBeGreaterThan(0);
    expect(o.rowsCopied).toBe(2007);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
  });

  it('pg → pg: fast path, translator (row path) and partitions each load exactly the source, preCopyScript in the same transaction', async () => {
    await client.query(`CREATE TABLE ${table('pgdst')} (${AWKWARD_COLUMNS})`);
    await client.query(`INSERT INTO ${table('pgdst')} (id, t) VALUES (-1, 'old')`);
    f.dataset('PgDst', 'PostgreSqlTable', 'Pg', { tableName: `${schema}.pgdst` });
    const fast = await f.copy('PgPg', 'Src', 'PgDst', { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${table('pgdst')}` }, validateDataConsistency: true });
    expect(fast.error).toBeUndefined();
    expect(fast.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
    expect(await tableDifference(client, table('src'), table('pgdst'))).toBe(0);

    const cols = ['id', 't', 'v', 'n', 'f', 'ts', 'tsl', 'd', 'b', 'by', 'j', 'u'];
    const mapped = await f.copy('PgPgMapped', 'Src', 'PgDst', {
      source: { type: 'PostgreSqlSource', query: `SELECT * FROM ${table('src')}`, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '0', partitionUpperBound: '1000' } },
      sink: { type: 'PostgreSqlSink', preCopyScript: `TRUNCATE ${table('pgdst')}` },
      translator: { type: 'TabularTranslator', mappings: cols.map((c) => ({ source: { name: c.toUpperCase() }, sink: { name: c } })) },
      parallelCopies: 4,
      validateDataConsistency: true,
    });
    expect(mapped.error).toBeUndefined();
    expect(mapped.activities[0]!.output!.usedParallelCopies).toBe(4);
    expect(await tableDifference(client, table('src'), table('pgdst'))).toBe(0);
    const stages = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw_stage_%'`, [schema]);
    expect(stages.rows[0].n).toBe(0);
  });

  it('a failing load leaves the target table and the folder untouched', async () => {
    await client.query(`CREATE TABLE ${table('narrow')} (id int primary key, t varchar(3))`);
    await client.query(`INSERT INTO ${table('narrow')} VALUES (-5, 'old')`);
    f.dataset('Narrow', 'PostgreSqlTable', 'Pg', { schema, table: 'narrow' });
    const r = await f.copy('Narrowing', 'Src', 'Narrow', { source: { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${table('src')}` }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${table('narrow')}` } });
    expect(r.status).toBe('Failed');
    expect(r.error?.message).toMatch(/too long|character varying/);
    const rows = await client.query(`SELECT id FROM ${table('narrow')}`);
    expect(rows.rows).toEqual([{ id: -5 }]);
    const ds = f.dataset('Nowhere', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'nowhere', fileName: 'x.csv' } });
    const bad = await f.copy('BadQuery', 'Src', ds, { source: { type: 'PostgreSqlSource', query: 'SELECT 1/0 AS x FROM generate_series(1, 100000)' }, sink: { type: 'DelimitedTextSink' } });
    expect(bad.status).toBe('Failed');
    expect(bad.error?.message).toMatch(/division by zero/);
    expect(existsSync(join(f.files, 'nowhere')) ? readdirSync(join(f.files, 'nowhere')) : []).toEqual([]);
  });
});
