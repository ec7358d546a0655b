/**
 * Table → Parquet through the byte path (the source writes COPY text, formats/pgTextParquet.ts builds the column
 * chunks from its bytes) against the row path, through the engine, on the real PostgreSQL and MariaDB: the awkward
 * table copied once plainly (the log names the byte path) and once with a translator naming every column (the row
 * path); an independent reader (DuckDB) reads both files as the same rows, and so does the gateway's own reader. A
 * value Parquet cannot hold (PostgreSQL's date 'infinity') fails the byte path's copy with the row path's error, and
 * no file is left in the sink.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { AWKWARD_NAMES, awkwardRows, mariadbStore, postgresStore, type TableStore } from '../support/storeContract.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);
const BYTE_PATH = 'fast path: the source writes COPY text itself, transcoded to Parquet';
const logs = (r: { events: Array<{ event: string; message?: string }> }) => r.events.filter((e) => e.event === 'log').map((e) => e.message ?? '');

const STORES: Array<[string, boolean, (name: string) => Promise<TableStore>]> = [
  ['PostgreSQL', pgUp, postgresStore],
  ['MariaDB', mariaUp, mariadbStore],
];

for (const [label, up, open] of STORES) {
  describe.skipIf(!up)(`${label} → Parquet: byte path = row path`, () => {
    let store: TableStore;
    let f: TestFactory;
    let duck: DuckDBConnection;
    const schema = uniqueName('pqbytes');

    beforeAll(async () => {
      store = await open(schema);
      await store.create('src');
      await store.insert('src', awkwardRows(3000));
      f = testFactory();
      f.write('linkedService', 'Store', store.linkedService);
      f.dataset('Src', store.datasetType, 'Store', store.dataset('src'));
      duck = await (await DuckDBInstance.create(':memory:')).connect();
      await duck.run("SET TimeZone = 'UTC'");
    });
    afterAll(async () => {
      duck?.closeSync();
      await store?.close();
    });

    const identity = { type: 'TabularTranslator', mappings: AWKWARD_NAMES.map((name) => ({ source: { name }, sink: { name } })) };

    it('DuckDB reads the same rows from both files; the byte path is taken', async () => {
      const file = async (name: string, translator?: unknown) => {
        const ds = f.dataset(name, 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: name, fileName: 'out.parquet' }, compressionCodec: 'snappy' });
        const r = await f.copy(name, 'Src', ds, { source: { type: store.sourceType }, sink: { type: 'ParquetSink' }, validateDataConsistency: true, ...(translator ? { translator } : {}) });
        expect(r.error).toBeUndefined();
        expect(r.activities[0]!.output!.rowsCopied).toBe(awkwardRows(3000).length);
        expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
        const path = join(f.files, name, 'out.parquet');
        const read = await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY id`);
        const types = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRows().map((row) => `${String(row[0])} ${String(row[1])}`);
        return { rows: JSON.stringify(read.getRowsJson()), types, fast: logs(r).filter((m) => m.startsWith('fast path')) };
      };
      const bytePath = await file(`${label}PqBytes`);
      const rowPath = await file(`${label}PqRows`, identity);
      expect(bytePath.fast).toEqual([BYTE_PATH]);
      expect(rowPath.fast).toEqual([]);
      expect(bytePath.types).toEqual(rowPath.types);
      // what crossed: the awkward text, as DuckDB reads it
      expect(rowPath.rows).toContain('hello, \\"world\\"\\nline2\\r\\nline3');
      expect(bytePath.rows).toBe(rowPath.rows);
    });

    // PostgreSQL's date 'infinity' is a value Parquet cannot hold (MariaDB has no such date)
    if (label === 'PostgreSQL') it('a value Parquet cannot hold (date infinity) fails the copy with the row path’s error and leaves no file', async () => {
      await store.exec(`CREATE TABLE ${schema}.bad (id int, d date); INSERT INTO ${schema}.bad SELECT g, DATE '2026-12-08' + g FROM generate_series(1, 5000) g; INSERT INTO ${schema}.bad VALUES (5001, 'infinity')`);
      f.dataset('Bad', store.datasetType, 'Store', store.dataset('bad'));
      const errors: Record<string, string | undefined> = {};
      for (const [name, translator] of [
        ['BadBytes', undefined],
        ['BadRows', { type: 'TabularTranslator', mappings: ['id', 'd'].map((n) => ({ source: { name: n }, sink: { name: n } })) }],
      ] as const) {
        const ds = f.dataset(name, 'Parquet', 'Files', { location: { type: 'FileServerLocation', folderPath: name, fileName: 'out.parquet' } });
        const r = await f.copy(name, 'Bad', ds, { source: { type: store.sourceType }, sink: { type: 'ParquetSink' }, ...(translator ? { translator } : {}) });
        errors[name] = r.error?.message;
        expect(existsSync(join(f.files, name)) ? readdirSync(join(f.files, name)) : []).toEqual([]);
      }
      expect(errors.BadBytes).toMatch(/column d: "infinity" is not a date value Parquet can store/);
      expect(errors.BadBytes).toBe(errors.BadRows);
    });
  });
}
