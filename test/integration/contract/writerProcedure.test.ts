/**
 * Copy sink writer procedures (`sqlWriterStoredProcedureName`) on the real PostgreSQL and MariaDB: an UPSERT
 * procedure merges the staged rows into a target that already holds some of the keys; the run must leave the
 * merged rows (checked row by row), no staging table, and — when the procedure fails — the target exactly as it
 * was, with the server's message in the error. validateDataConsistency compares the source with what was staged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { requireServer, uniqueName } from '../../support/servers.js';
import { mariadbStore, postgresStore, type TableStore } from '../../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));

type Item = [id: number, name: string | null, qty: string | null];
/** the target before each copy: ids 1..3 */
const BEFORE: Item[] = [
  [1, 'kept as it was', '1.00'],
  [2, 'old two', '2.00'],
  [3, 'old three', null],
];
/** the source: ids 2 and 3 exist in the target, 4..6 are new; awkward text on purpose */
const SOURCE: Item[] = [
  [2, 'new "two", with\ttab', '20.50'],
  [3, null, '30.00'],
  [4, 'vier 🦊 עברית', '4.25'],
  [5, '', '-5.75'],
  [6, 'back\\slash\nnewline', null],
];
const TAG = "run 'A'";

/** What an upsert of SOURCE into BEFORE must leave, tagged rows where the procedure wrote them. */
function merged(): string[] {
  const rows = new Map<number, string[]>(BEFORE.map(([id, name, qty]) => [id, [String(id), name ?? '∅', qty ?? '∅', '∅']]));
  for (const [id, name, qty] of SOURCE) rows.set(id, [String(id), name ?? '∅', qty ?? '∅', TAG]);
  return [...rows.values()].map((r) => r.join('|')).sort();
}
const dump = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? '∅' : String(v))).join('|')).sort();
const literal = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
const pgLiteral = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);

describe.skipIf(!up)('copy sink writer procedure (sqlWriterStoredProcedureName) on PostgreSQL and MariaDB', () => {
  let f: TestFactory;
  let pgs: TableStore;
  let maria: TableStore;
  let schema: string;
  let n = 0;
  const next = () => `items${++n}`;

  beforeAll(async () => {
    f = testFactory();
    schema = uniqueName('writer');
    pgs = await postgresStore(schema);
    maria = await mariadbStore(uniqueName('writer'));
    f.write('linkedService', 'Maria', maria.linkedService);
    await pgs.exec(`CREATE TABLE ${schema}.src (id bigint primary key, name text, qty numeric(10,2))`);
    await pgs.exec(`INSERT INTO ${schema}.src VALUES ${SOURCE.map((r) => `(${r.map(pgLiteral).join(', ')})`).join(', ')}`);
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  });
  afterAll(async () => {
    await maria?.close();
    await pgs?.close();
  });

  // ---- PostgreSQL ---------------------------------------------------------------------------------------------

  /** target table + upsert procedure (failing after the upsert when `fail`); returns the sink dataset */
  async function pgTarget(t: string, fail = false): Promise<string> {
    await pgs.exec(`CREATE TABLE ${schema}.${t} (id bigint primary key, name text, qty numeric(10,2), tag text)`);
    await pgs.exec(`INSERT INTO ${schema}.${t} (id, name, qty) VALUES ${BEFORE.map((r) => `(${r.map(pgLiteral).join(', ')})`).join(', ')}`);
    await pgs.exec(`CREATE PROCEDURE ${schema}.upsert_${t}(p_table text, p_tag text) LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('INSERT INTO ${schema}.${t} (id, name, qty, tag) SELECT id, name, qty, %L FROM %s
                        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, tag = EXCLUDED.tag', p_tag, p_table);
        ${fail ? "RAISE EXCEPTION 'merge refused for tag %', p_tag;" : ''}
      END $$`);
    return f.dataset(`Pg_${t}`, 'PostgreSqlTable', 'Pg', { schema, table: t });
  }
  const pgRows = async (t: string) => dump(await pgs.exec(`SELECT id::text, name, qty::text, tag FROM ${schema}.${t}`));
  const pgStages = async () => (await pgs.exec(`SELECT count(*)::int FROM pg_tables WHERE schemaname = '${schema}' AND tablename LIKE 'dmgw_stage_%'`))[0]![0];
  const writerSink = (t: string, extra: Record<string, unknown> = {}) => ({
    sqlWriterStoredProcedureName: `${schema}.upsert_${t}`,
    storedProcedureTableTypeParameterName: 'p_table',
    storedProcedureParameters: { p_tag: { value: TAG, type: 'String' } },
    ...extra,
  });

  it('PostgreSQL: the procedure upserts the staged rows; the target holds the merge, the stage is gone', async () => {
    const t = next();
    const ds = await pgTarget(t);
    const r = await f.copy(`Copy_${t}`, 'Src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', ...writerSink(t) }, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(SOURCE.length);
    // the check is source against staging: it holds although the procedure wrote a tag the source never had
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    expect(await pgRows(t)).toEqual(merged());
    expect(await pgStages()).toBe(0);
  });

  it('PostgreSQL: a failing procedure leaves the target unchanged (preCopyScript included) with the server message', async () => {
    const t = next();
    const ds = await pgTarget(t, true);
    const before = await pgRows(t);
    const r = await f.copy(`Copy_${t}`, 'Src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.${t} WHERE id = 1`, ...writerSink(t) } });
    expect(r.status).toBe('Failed');
    const e = r.activities[0]!.error!;
    expect(e.code).toBe('PROCEDURE_FAILED');
    expect(e.message).toContain(`upsert_${t}`);
    expect(e.message).toContain(`merge refused for tag ${TAG}`);
    expect(await pgRows(t)).toEqual(before);
    expect(before).toHaveLength(BEFORE.length);
    expect(await pgStages()).toBe(0);
  });

  it('PostgreSQL: a staged value that differs from the source fails the consistency check before the procedure runs', async () => {
    const t = next();
    const ds = await pgTarget(t);
    await pgs.exec(`CREATE TABLE ${schema}.fine (id bigint primary key, name text, qty numeric(10,3))`);
    await pgs.exec(`INSERT INTO ${schema}.fine VALUES (7, 'seven', 1.234)`);
    f.dataset('Fine', 'PostgreSqlTable', 'Pg', { schema, table: 'fine' });
    const before = await pgRows(t);
    // numeric(10,3) → the stage's numeric(10,2): 1.234 is staged as 1.23
    const r = await f.copy(`Copy_${t}`, 'Fine', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', ...writerSink(t) }, validateDataConsistency: true });
    expect(r.activities[0]!.error?.code).toBe('DATA_INCONSISTENT');
    expect(await pgRows(t)).toEqual(before);
    expect(await pgStages()).toBe(0);
  });

  it('a writer procedure without storedProcedureTableTypeParameterName fails before loading, naming the field', async () => {
    const t = next();
    const ds = await pgTarget(t);
    const r = await f.copy(`Copy_${t}`, 'Src', ds, { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', sqlWriterStoredProcedureName: `${schema}.upsert_${t}` } });
    const e = r.activities[0]!.error!;
    expect(e.code).toBe('WRITER_PROCEDURE');
    expect(e.message).toContain('storedProcedureTableTypeParameterName');
    expect(await pgStages()).toBe(0);
    expect(await pgRows(t)).toHaveLength(BEFORE.length);
  });

  // ---- MariaDB --------------------------------------------------------------------------------------------------

  async function mariaTarget(t: string, fail = false): Promise<string> {
    await maria.exec(`CREATE TABLE \`${t}\` (id bigint primary key, name text, qty decimal(10,2), tag varchar(50)) CHARACTER SET utf8mb4`);
    await maria.exec(`INSERT INTO \`${t}\` (id, name, qty) VALUES ${BEFORE.map((r) => `(${r.map(literal).join(', ')})`).join(', ')}`);
    // declared (tag, table): MySQL has no named arguments, the gateway matches the names (any case) to this order
    await maria.exec(`CREATE PROCEDURE upsert_${t}(IN p_tag VARCHAR(50), IN p_table VARCHAR(200))
      BEGIN
        SET @s = CONCAT('INSERT INTO \`${t}\` (id, name, qty, tag) SELECT id, name, qty, ', QUOTE(p_tag), ' FROM ', p_table,
                        ' ON DUPLICATE KEY UPDATE name = VALUES(name), qty = VALUES(qty), tag = VALUES(tag)');
        PREPARE st FROM @s;
        EXECUTE st;
        DEALLOCATE PREPARE st;
        ${fail ? "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'merge refused by the procedure';" : ''}
      END`);
    return f.dataset(`Maria_${t}`, 'MariaDBTable', 'Maria', maria.dataset(t));
  }
  const mariaRows = async (t: string) => dump(await maria.exec(`SELECT CAST(id AS CHAR), name, CAST(qty AS CHAR), tag FROM \`${t}\``));
  const mariaStages = async () => (await maria.exec("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw\\_stage\\_%'"))[0]![0];
  const mariaSink = (t: string) => ({ type: 'MariaDBSink', sqlWriterStoredProcedureName: `upsert_${t}`, storedProcedureTableTypeParameterName: 'P_TABLE', storedProcedureParameters: { p_tag: { value: TAG, type: 'String' } } });

  it('MariaDB: the procedure upserts the staged rows (ON DUPLICATE KEY UPDATE); merge checked row by row, stage gone', async () => {
    const t = next();
    const ds = await mariaTarget(t);
    const r = await f.copy(`Copy_${t}`, 'Src', ds, { source: { type: 'PostgreSqlSource' }, sink: mariaSink(t), validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.rowsCopied).toBe(SOURCE.length);
    expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
    expect(await mariaRows(t)).toEqual(merged());
    expect(Number(await mariaStages())).toBe(0);
  });

  it('MariaDB: a failing procedure (SIGNAL) rolls back its own upsert and the preCopyScript; the message is the server\'s', async () => {
    const t = next();
    const ds = await mariaTarget(t, true);
    const before = await mariaRows(t);
    const r = await f.copy(`Copy_${t}`, 'Src', ds, { source: { type: 'PostgreSqlSource' }, sink: { ...mariaSink(t), preCopyScript: `DELETE FROM \`${t}\` WHERE id = 1` } });
    expect(r.status).toBe('Failed');
    const e = r.activities[0]!.error!;
    expect(e.code).toBe('PROCEDURE_FAILED');
    expect(e.message).toContain('merge refused by the procedure');
    expect(await mariaRows(t)).toEqual(before);
    expect(before).toHaveLength(BEFORE.length);
    expect(Number(await mariaStages())).toBe(0);
  });
});
