/**
 * Parquet written by the gateway is read by an independent reader (DuckDB, @duckdb/node-api) with the same
 * values and the expected types; Parquet written by DuckDB is read by the gateway into MariaDB and PostgreSQL
 * and equals the source. Row groups stream: the writer hands bytes on before the last row.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createReadStream, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../../../src/agent/copy/rows.js';
import { parquetFormat, ROW_GROUP_ROWS } from '../../../src/agent/formats/parquet.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { requireServer, uniqueName } from '../../support/servers.js';
import { awkwardRows, dumpDifference, expectedDump, mariadbStore, postgresStore, type Dump, type TableStore } from '../../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));
const ROWS = awkwardRows(2000);

/** DuckDB's own rendering of a Parquet file in the contract's canonical dump form. */
async function duckDump(duck: DuckDBConnection, file: string): Promise<Dump> {
  const r = await duck.runAndReadAll(`SELECT CAST(id AS VARCHAR), t, v, CAST(n AS VARCHAR), CAST(f AS VARCHAR), strftime(ts, '%Y-%m-%d %H:%M:%S.%f'), strftime(CAST(tz AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f'), strftime(d, '%Y-%m-%d'), CAST(CAST(b AS INTEGER) AS VARCHAR), lower(hex("by")), CAST(j AS VARCHAR) FROM read_parquet('${file}')`);
  return r.getRows().map((row) => row.map((v, i) => (v === null ? '∅' : i === 4 ? String(Number(v)) : String(v))).join('\u0001')).sort();
}

describe.skipIf(!up)('Parquet: gateway ↔ DuckDB, MariaDB/PostgreSQL ↔ Parquet files', () => {
  let f: TestFactory;
  let pgs: TableStore;
  let maria: TableStore;
  let duck: DuckDBConnection;

  beforeAll(async () => {
    f = testFactory();
    pgs = await postgresStore(uniqueName('parquet'));
    maria = await mariadbStore(uniqueName('parquet'));
    f.write('linkedService', 'Maria', maria.linkedService);
    await maria.create('src');
    await maria.insert('src', ROWS);
    f.dataset('MariaSrc', maria.datasetType, 'Maria', maria.dataset('src'));
    duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run("SET TimeZone = 'UTC'");
  });
  afterAll(async () => {
    duck?.closeSync();
    await maria?.close();
    await pgs?.close();
  });

  async function load(to: TableStore, table: string, dataset: string, folder: string) {
    await to.create(table);
    const ds = f.dataset(`Dst_${table}`, to.datasetType, to === pgs ? 'Pg' : 'Maria', to.dataset(table));
    const r = await f.copy(`In_${table}`, dataset, ds, { source: { type: 'ParquetSource', storeSettings: { type: 'FileServerReadSettings', wildcardFolderPath: folder, wildcardFileName: '*.parquet' } }, sink: { type: to.sinkType }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.rowsCopied).toBe(ROWS.length);
  }

  it('MariaDB → Parquet (2 partitions): DuckDB reads the same values with the mapped types; back into MariaDB and PostgreSQL', async () => {
    const out = f.dataset('ParquetOut', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'pq', fileName: 'awkward.parquet' }, compressionCodec: 'snappy' });
    const r = await f.copy('ToParquet', 'MariaSrc', out, { source: { type: maria.sourceType, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: { type: 'ParquetSink' }, parallelCopies: 2, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.files).toEqual(['pq/awkward_00000.parquet', 'pq/awkward_00001.parquet']);
    const glob = join(f.files, 'pq', '*.parquet');
    const types = await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}'))`);
    expect(Object.fromEntries(types.getRows())).toEqual({ id: 'BIGINT', t: 'VARCHAR', v: 'VARCHAR', n: 'DECIMAL(38,9)', f: 'DOUBLE', ts: 'TIMESTAMP', tz: 'TIMESTAMP WITH TIME ZONE', d: 'DATE', b: 'BOOLEAN', by: 'BLOB', j: 'VARCHAR' });
    expect(dumpDifference(expectedDump(ROWS), await duckDump(duck, glob))).toEqual([]);

    f.dataset('ParquetIn', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'pq' } });
    await load(maria, 'back', 'ParquetIn', 'pq');
    expect(dumpDifference(await maria.dump('src'), await maria.dump('back'))).toEqual([]);
    await load(pgs, 'back', 'ParquetIn', 'pq');
    expect(dumpDifference(await maria.dump('src'), await pgs.dump('back'))).toEqual([]);
  });

  it('PostgreSQL numeric(38,9) keeps its precision and scale in Parquet (DECIMAL), exact to the last digit', async () => {
    await pgs.create('src');
    await pgs.insert('src', ROWS);
    f.dataset('PgSrc', pgs.datasetType, 'Pg', pgs.dataset('src'));
    const out = f.dataset('PgParquet', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'pgpq', fileName: 'pg.parquet' }, compressionCodec: 'gzip' });
    const r = await f.copy('PgToParquet', 'PgSrc', out, { source: { type: pgs.sourceType }, sink: { type: 'ParquetSink' }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    const file = join(f.files, 'pgpq', 'pg.parquet');
    const types = await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}')) WHERE column_name IN ('n', 'tz', 'j')`);
    expect(Object.fromEntries(types.getRows())).toEqual({ n: 'DECIMAL(38,9)', tz: 'TIMESTAMP WITH TIME ZONE', j: 'VARCHAR' });
    expect(dumpDifference(expectedDump(ROWS), await duckDump(duck, file))).toEqual([]);
  });

  it('Parquet written by DuckDB (zstd, one file per thread, its own encodings) → PostgreSQL and MariaDB equal the source', async () => {
    const mine = join(f.files, 'pq', '*.parquet');
    const folder = join(f.files, 'duck');
    await duck.run(`COPY (SELECT * FROM read_parquet('${mine}') ORDER BY id) TO '${folder}' (FORMAT parquet, COMPRESSION zstd, PER_THREAD_OUTPUT true)`);
    expect(readdirSync(folder).length).toBeGreaterThan(0);
    f.dataset('DuckIn', 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: 'duck' } });
    await load(pgs, 'fromduck', 'DuckIn', 'duck');
    expect(dumpDifference(expectedDump(ROWS), await pgs.dump('fromduck'))).toEqual([]);
    await load(maria, 'fromduck', 'DuckIn', 'duck');
    expect(dumpDifference(expectedDump(ROWS), await maria.dump('fromduck'))).toEqual([]);
  });

  it('decimals of up to 9 / 18 digits go out as INT32 / INT64 DECIMAL: DuckDB reads the same types and exact values, and so does the gateway', async () => {
    const columns: Column[] = [
      { name: 'k', type: 'integer' },
      { name: 'd9', type: 'decimal', precision: 9, scale: 2 },
      { name: 'd18', type: 'decimal', precision: 18, scale: 6 },
      { name: 'ts', type: 'timestamp' },
    ];
    const rows = [
      ['1', '-9999999.99', '999999999999.999999', '1700-01-01 00:00:00'],
      ['2', '0.5', '-0.000001', '2026-12-07 17:10:00.123456'],
      ['3', null, '123456789012.5', '2200-12-31 23:59:59.999999'],
      ['4', '12', '-999999999999.999999', '1699-12-31 23:59:59.5'],
    ];
    const enc = parquetFormat({}).binaryEncoder!(columns);
    const file = join(f.files, 'decimals.parquet');
    writeFileSync(file, Buffer.concat([enc.begin(), enc.rows(rows), enc.end()]));
    const types = await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
    expect(Object.fromEntries(types.getRows())).toEqual({ k: 'BIGINT', d9: 'DECIMAL(9,2)', d18: 'DECIMAL(18,6)', ts: 'TIMESTAMP' });
    const physical = await duck.runAndReadAll(`SELECT path_in_schema, type FROM parquet_metadata('${file}') ORDER BY column_id`);
    expect(physical.getRows()).toEqual([['k', 'INT64'], ['d9', 'INT32'], ['d18', 'INT64'], ['ts', 'INT64']]);
    const back = await duck.runAndReadAll(`SELECT CAST(d9 AS VARCHAR), CAST(d18 AS VARCHAR), strftime(ts, '%Y-%m-%d %H:%M:%S.%f') FROM read_parquet('${file}') ORDER BY k`);
    expect(back.getRows()).toEqual([
      ['-9999999.99', '999999999999.999999', '1700-01-01 00:00:00.000000'],
      ['0.50', '-0.000001', '2026-12-07 17:10:00.123456'],
      [null, '123456789012.500000', '2200-12-31 23:59:59.999999'],
      ['12.00', '-999999999999.999999', '1699-12-31 23:59:59.500000'],
    ]);
    const mine: unknown[][] = [];
    for await (const b of parquetFormat({}).readRows(createReadStream(file), undefined, new AbortController().signal)) mine.push(...b.rows);
    expect(mine).toEqual([
      ['1', '-9999999.99', '999999999999.999999', '1700-01-01 00:00:00'],
      ['2', '0.50', '-0.000001', '2026-12-07 17:10:00.123456'],
      ['3', null, '123456789012.500000', '2200-12-31 23:59:59.999999'],
      ['4', '12.00', '-999999999999.999999', '1699-12-31 23:59:59.5'],
    ]);
  });

  it('the writer streams row groups: bytes leave after every ROW_GROUP_ROWS rows, not at the end', async () => {
    const columns: Column[] = [{ name: 'k', type: 'integer' }, { name: 's', type: 'string' }];
    const enc = parquetFormat({}).binaryEncoder!(columns);
    const parts: Uint8Array[] = [enc.begin()];
    let emittedBeforeEnd = 0;
    const total = ROW_GROUP_ROWS * 2 + 123;
    for (let at = 0; at < total; at += 2000) {
      const rows = Array.from({ length: Math.min(2000, total - at) }, (_v, i) => [String(at + i), `s${(at + i) % 97}`]);
      const b = enc.rows(rows);
      if (b.length) emittedBeforeEnd++;
      parts.push(b);
    }
    parts.push(enc.end());
    expect(emittedBeforeEnd).toBe(2);
    const file = join(f.files, 'groups.parquet');
    writeFileSync(file, Buffer.concat(parts));
    const meta = await duck.runAndReadAll(`SELECT row_group_id, row_group_num_rows FROM parquet_metadata('${file}') WHERE column_id = 0 ORDER BY row_group_id`);
    expect(meta.getRows().map((r) => Number(r[1]))).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, 123]);
    const sum = await duck.runAndReadAll(`SELECT sum(k)::VARCHAR, count(DISTINCT s) FROM read_parquet('${file}')`);
    expect(sum.getRows()[0]).toEqual([String((total * (total - 1)) / 2), 97n]);
    // and the gateway reads the three row groups back, one at a time
    let rows = 0;
    let keys = 0n;
    for await (const b of parquetFormat({}).readRows(createReadStream(file), undefined, new AbortController().signal)) {
      rows += b.rows.length;
      for (const r of b.rows) keys += BigInt(r[0]!);
    }
    expect(rows).toBe(total);
    expect(keys).toBe(BigInt((total * (total - 1)) / 2));
  });
});
