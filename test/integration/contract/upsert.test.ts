/**
 * `writeBehavior: "upsert"` with `upsertSettings.keys` on the real PostgreSQL and MariaDB: the source's rows are
 * merged into a target that already holds some of the keys (4 partitions, validated), checked row by row against
 * the expected merge; a source with a key twice or a NULL key fails and leaves the target exactly as it was (the
 * preCopyScript's DELETE too); a key that is not a column fails before anything is read. On MariaDB both forms run:
 * ON DUPLICATE KEY UPDATE (keys = the primary key) and UPDATE JOIN + INSERT (a table without a unique index).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { requireServer, uniqueName } from '../../support/servers.js';
import { mariadbStore, postgresStore, type TableStore } from '../../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));

type Item = [region: string, id: string, name: string | null, qty: string | null];
/** the target before each copy */
const BEFORE: Item[] = [
  ['eu', '1', 'kept as it was', '1.00'],
  ['eu', '2', 'old two', '2.00'],
  ['us', '2', 'other region, same id', '9.00'],
  ['eu', '9007199254740993', 'old big', null],
];
/** the source: (eu,2) and the big id exist in the target, the rest are new; awkward text on purpose */
const SOURCE: Item[] = [
  ['eu', '2', 'new "two", with\ttab', '20.50'],
  ['eu', '9007199254740993', null, '30.00'],
  ['eu', '4', 'vier 🦊 עברית', '4.25'],
  ['us', '5', '', '-5.75'],
  ['us', '6', 'back\\slash\nnewline', null],
  ['eu', '9223372036854775807', 'largest', '0.01'],
];

function merged(): string[] {
  const rows = new Map<string, string>();
  for (const r of [...BEFORE, ...SOURCE]) rows.set(`${r[0]}|${r[1]}`, r.map((v) => v ?? '∅').join('|'));
  return [...rows.values()].sort();
}
const dump = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? '∅' : String(v))).join('|')).sort();
const pgLiteral = (v: string | null) => (v === null ? 'NULL' : `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
const myLiteral = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
const upsert = (keys: unknown) => ({ writeBehavior: 'upsert', upsertSettings: { keys } });
const partitioned = { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } };

describe.skipIf(!up)('upsert sinks (writeBehavior: upsert) on PostgreSQL and MariaDB', () => {
  let f: TestFactory;
  let pgs: TableStore;
  let maria: TableStore;
  let schema: string;
  let n = 0;
  const next = () => `items${++n}`;

  beforeAll(async () => {
    f = testFactory();
    schema = uniqueName('upsert');
    pgs = await postgresStore(schema);
    maria = await mariadbStore(uniqueName('upsert'));
    f.write('linkedService', 'Maria', maria.linkedService);
    for (const [t, rows] of [
      ['src', SOURCE],
      ['dup', [...SOURCE, ['eu', '4', 'the same key again', '1']]],
      ['nullkey', [...SOURCE, [null, '7', 'no region', '1']]],
    ] as Array<[string, Array<Array<string | null>>]>) {
      await pgs.exec(`CREATE TABLE ${schema}.${t} (region text, id bigint, name text, qty numeric(10,2))`);
      await pgs.exec(`INSERT INTO ${schema}.${t} VALUES ${rows.map((r) => `(${r.map(pgLiteral).join(', ')})`).join(', ')}`);
      f.dataset(t, 'PostgreSqlTable', 'Pg', { schema, table: t });
    }
  });
  afterAll(async () => {
    await maria?.close();
    await pgs?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pgs?.close();
  });

  // ---- PostgreSQL ---------------------------------------------------------------------------------------------

  async function pgTarget(t: string, primaryKey = true): Promise<string> {
    await pgs.exec(`CREATE TABLE ${schema}.${t} (region text NOT NULL, id bigint NOT NULL, name text, qty numeric(10,2)${primaryKey ? ', PRIMARY KEY (region, id)' : ''})`);
    await pgs.exec(`INSERT INTO ${schema}.${t} VALUES ${BEFORE.map((r) => `(${r.map(pgLiteral).join(', ')})`).join(', ')}`);
    return f.dataset(`Pg_${t}`, 'PostgreSqlTable', 'Pg', { schema, table: t });
  }
  const pgRows = async (t: string) => dump(await pgs.exec(`SELECT region, id::text, name, qty::text FROM ${schema}.${t}`));
  const pgStages = async () => (await pgs.exec(`SELECT count(*)::int FROM pg_tables WHERE schemaname = '${schema}' AND tablename LIKE 'dmgw_stage_%'`))[0]![0];

  it('PostgreSQL: rows merge by the composite key (4 partitions, validated); matched rows updated, others inserted', async () => {
    for (const primaryKey of [true, false]) {
      const t = next();
      const ds = await pgTarget(t, primaryKey);
      const r = await f.copy(`Copy_${t}`, 'src', ds, { source: partitioned, sink: { type: 'PostgreSqlSink', ...upsert(['region', 'ID']) }, parallelCopies: 4, validateDataConsistency: true });
      expect(r.error).toBeUndefined();
      expect(r.activities[0]!.output!.rowsCopied).toBe(SOURCE.length);
      expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
      expect(await pgRows(t)).toEqual(merged());
      // run again: the same merge, nothing doubled
      const again = await f.copy(`Copy_${t}`, 'src', ds, { source: partitioned, sink: { type: 'PostgreSqlSink', ...upsert(['region', 'id']) }, parallelCopies: 4 });
      expect(again.error).toBeUndefined();
      expect(await pgRows(t)).toEqual(merged());
    }
    expect(await pgStages()).toBe(0);
  });

  it('PostgreSQL: a key held twice or a NULL key fails the copy and leaves the target (and the preCopyScript) unchanged', async () => {
    for (const [source, code, words] of [
      ['dup', 'UPSERT_KEY_DUPLICATE', 'region=eu, id=4'],
      ['nullkey', 'UPSERT_KEY_NULL', 'region=NULL, id=7'],
    ] as const) {
      const t = next();
      const ds = await pgTarget(t, false);
      const before = await pgRows(t);
      const r = await f.copy(`Copy_${t}`, source, ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.${t} WHERE id = 1`, ...upsert(['region', 'id']) } });
      expect(r.status).toBe('Failed');
      const e = r.activities[0]!.error!;
      expect(e.code).toBe(code);
      expect(e.message).toContain(words);
      expect(e.message).toContain('left unchanged');
      expect(await pgRows(t)).toEqual(before);
    }
    expect(await pgStages()).toBe(0);
  });

  it('a key that is not a column of the table fails before anything is read, naming the key and the field', async () => {
    const t = next();
    const ds = await pgTarget(t);
    const r = await f.copy(`Copy_${t}`, 'src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', ...upsert(['region', 'sku']) } });
    const e = r.activities[0]!.error!;
    expect(e.code).toBe('UPSERT_KEY');
    expect(e.message).toContain('"sku" is not a column');
    const missing = await f.copy(`Copy_${t}`, 'src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', writeBehavior: 'upsert' } });
    expect(missing.activities[0]!.error!.code).toBe('UPSERT_SETTINGS');
    expect(await pgRows(t)).toEqual(dump(BEFORE));
    expect(await pgStages()).toBe(0);
  });

  // ---- MariaDB --------------------------------------------------------------------------------------------------

  async function mariaTarget(t: string, primaryKey: boolean): Promise<string> {
    await maria.exec(`CREATE TABLE \`${t}\` (region varchar(10) NOT NULL, id bigint NOT NULL, name text, qty decimal(10,2)${primaryKey ? ', PRIMARY KEY (region, id)' : ''}) CHARACTER SET utf8mb4`);
    await maria.exec(`INSERT INTO \`${t}\` VALUES ${BEFORE.map((r) => `(${r.map(myLiteral).join(', ')})`).join(', ')}`);
    return f.dataset(`Maria_${t}`, 'MariaDBTable', 'Maria', maria.dataset(t));
  }
  const mariaRows = async (t: string) => dump(await maria.exec(`SELECT region, CAST(id AS CHAR), name, CAST(qty AS CHAR) FROM \`${t}\``));
  const mariaStages = async () => Number((await maria.exec("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw\\_stage\\_%'"))[0]![0]);

  it('MariaDB: ON DUPLICATE KEY UPDATE (primary key) and UPDATE JOIN + INSERT (no unique index) both merge row by row', async () => {
    for (const primaryKey of [true, false]) {
      const t = next();
      const ds = await mariaTarget(t, primaryKey);
      const r = await f.copy(`Copy_${t}`, 'src', ds, { source: partitioned, sink: { type: 'MariaDBSink', ...upsert(['region', 'id']) }, parallelCopies: 4, validateDataConsistency: true });
      expect(r.error).toBeUndefined();
      expect(r.activities[0]!.output!.rowsCopied).toBe(SOURCE.length);
      expect(await mariaRows(t)).toEqual(merged());
      const again = await f.copy(`Copy_${t}`, 'src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'MariaDBSink', ...upsert(['region', 'id']) } });
      expect(again.error).toBeUndefined();
      expect(await mariaRows(t)).toEqual(merged());
    }
    expect(await mariaStages()).toBe(0);
  });

  it('MariaDB: a key held twice fails and leaves the target and the preCopyScript unchanged', async () => {
    const t = next();
    const ds = await mariaTarget(t, true);
    const before = await mariaRows(t);
    const r = await f.copy(`Copy_${t}`, 'dup', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'MariaDBSink', preCopyScript: `DELETE FROM \`${t}\` WHERE id = 1`, ...upsert(['region', 'id']) } });
    expect(r.activities[0]!.error!.code).toBe('UPSERT_KEY_DUPLICATE');
    expect(await mariaRows(t)).toEqual(before);
    expect(await mariaStages()).toBe(0);
  });
});
