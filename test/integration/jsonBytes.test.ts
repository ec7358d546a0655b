/**
 * Table → Json through the byte path (the source writes COPY text, formats/pgTextJson.ts turns it into Json) must
 * write exactly the bytes the row path writes, through the engine, on the real PostgreSQL and MariaDB: the same
 * awkward table (quotes, line ends, tabs, backslashes, `\N` as text, emoji, controls, big decimals, json, bytes)
 * copied once plainly (the log names the byte path) and once with a translator naming every column (the row path),
 * in both file patterns and gzip, the files compared byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { AWKWARD_NAMES, awkwardRows, mariadbStore, postgresStore, type TableStore } from '../support/storeContract.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const mariaUp = await requireServer('MariaDB', 3306);
const BYTE_PATH = 'fast path: the source writes COPY text itself, transcoded to Json';
const CONTROLS = { id: 8, t: 'bell \u0007 nul-free \u0001\u001f del \u007f \u2028 sep', v: '\\', n: '1e-9', f: 1e21, ts: null, tz: null, d: null, b: false, by: Buffer.from([0xff, 0xfe]), j: '{"k":"\\u0001"}' };

const STORES: Array<[string, boolean, (name: string) => Promise<TableStore>]> = [
  ['PostgreSQL', pgUp, postgresStore],
  ['MariaDB', mariaUp, mariadbStore],
];

for (const [label, up, open] of STORES) {
  describe.skipIf(!up)(`${label} → Json: byte path = row path`, () => {
    let store: TableStore;
    let f: TestFactory;
    const logs = (r: { events: Array<{ event: string; message?: string }> }) => r.events.filter((e) => e.event === 'log').map((e) => e.message ?? '');

    beforeAll(async () => {
      store = await open(uniqueName('jsonbytes'));
      await store.create('src');
      await store.insert('src', [...awkwardRows(500), CONTROLS]);
      f = testFactory();
      f.write('linkedService', 'Store', store.linkedService);
      f.dataset('Src', store.datasetType, 'Store', store.dataset('src'));
    });
    afterAll(() => store?.close());

    const identity = { type: 'TabularTranslator', mappings: AWKWARD_NAMES.map((name) => ({ source: { name }, sink: { name } })) };

    for (const [pattern, gzip] of [
      ['setOfObjects', false],
      ['arrayOfObjects', true],
    ] as const) {
      it(`${pattern}${gzip ? ', gzip' : ''}: the same bytes, rows and checksum`, async () => {
        const file = async (name: string, translator?: unknown) => {
          const ds = f.dataset(name, 'Json', 'Files', { location: { type: 'FileServerLocation', folderPath: name, fileName: `out.json${gzip ? '.gz' : ''}` }, ...(gzip ? { compressionCodec: 'gzip' } : {}) });
          const r = await f.copy(name, 'Src', ds, { source: { type: store.sourceType }, sink: { type: 'JsonSink', formatSettings: { type: 'JsonWriteSettings', filePattern: pattern } }, validateDataConsistency: true, ...(translator ? { translator } : {}) });
          expect(r.error).toBeUndefined();
          const o = r.activities[0]!.output!;
          expect(o.rowsCopied).toBe(508);
          expect(o.dataConsistencyVerification?.ok).toBe(true);
          const raw = readFileSync(join(f.files, name, `out.json${gzip ? '.gz' : ''}`));
          return { bytes: gzip ? gunzipSync(raw) : raw, fast: logs(r).filter((m) => m.startsWith('fast path')) };
        };
        const bytePath = await file(`${label}Bytes${pattern}`);
        const rowPath = await file(`${label}Rows${pattern}`, identity);
        expect(bytePath.fast).toEqual([BYTE_PATH]);
        expect(rowPath.fast).toEqual([]);
        const text = rowPath.bytes.toString('utf8');
        // what crossed: the awkward values, escaped as JSON
        expect(text).toContain('"t":"hello, \\"world\\"\\nline2\\r\\nline3"');
        expect(text).toContain('\\u0007 nul-free \\u0001\\u001f del \u007f \u2028 sep');
        expect(text.split('\n').filter((l) => l.includes('"id":')).length).toBe(508);
        if (!bytePath.bytes.equals(rowPath.bytes)) {
          const at = bytePath.bytes.findIndex((b, i) => b !== rowPath.bytes[i]);
          expect(bytePath.bytes.subarray(Math.max(0, at - 80), at + 80).toString('utf8')).toBe(rowPath.bytes.subarray(Math.max(0, at - 80), at + 80).toString('utf8'));
        }
        expect(bytePath.bytes.equals(rowPath.bytes)).toBe(true);
      });
    }
  });
}
