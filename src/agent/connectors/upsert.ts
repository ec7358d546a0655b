/**
 * A table sink's `writeBehavior: "upsert"` (ADF's SqlUpsertSettings: `upsertSettings: { keys, useTempDB,
 * interimSchemaName }`). The rows are staged exactly as for an insert (every partition, the fast path, retries);
 * at commit, inside the commit transaction and after the preCopyScript, the staging table is merged into the target
 * by `keys` instead of `INSERT … SELECT`: a row whose keys match a target row updates it, any other row is inserted.
 * Before the merge, the stage is checked for a NULL key or two rows with the same keys (`UPSERT_KEY_NULL`,
 * `UPSERT_KEY_DUPLICATE`): either would make the result depend on row order, and ADF's own MERGE fails on the
 * second. A failure rolls the whole commit back: the target is as it was.
 * The SQL each store runs is in upsertSql.ts. `useTempDB` and `interimSchemaName` are accepted: the interim table is
 * always the sink's staging table beside the target, which every partition's session can load (a temp table could
 * only be loaded by the session that made it).
 */
import { DmgwError } from '../../common/errors.js';
import type { Column } from '../copy/rows.js';

export interface Upsert {
  /** key columns as written (resolved against the table by `upsertKeys`) */
  keys: string[];
  useTempDB?: boolean;
  interimSchemaName?: string;
}

const FIELD = 'typeProperties.sink';

/** The upsert a sink asks for (`writeBehavior: "upsert"`), or undefined for a plain insert. */
export function upsertOf(sink: Record<string, unknown>, hasWriter: boolean): Upsert | undefined {
  const behavior = typeof sink.writeBehavior === 'string' ? sink.writeBehavior.trim().toLowerCase() : undefined;
  if (behavior === undefined || behavior === '' || behavior === 'insert') return undefined;
  if (behavior !== 'upsert') throw new DmgwError('UPSERT_SETTINGS', `sink writeBehavior "${String(sink.writeBehavior)}" is not known`, { field: `${FIELD}.writeBehavior` }, 'write "insert" or "upsert"');
  if (hasWriter) throw new DmgwError('UPSERT_SETTINGS', 'sink has both writeBehavior "upsert" and sqlWriterStoredProcedureName', { field: `${FIELD}.writeBehavior` }, 'use one of them: the procedure decides how rows are written');
  const settings = (sink.upsertSettings ?? {}) as Record<string, unknown>;
  const keys = settings.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new DmgwError('UPSERT_SETTINGS', 'sink writeBehavior "upsert" needs upsertSettings.keys: the columns that identify a row', { field: `${FIELD}.upsertSettings.keys` }, 'add "upsertSettings": { "keys": ["id"] }');
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || !k.trim()) throw new DmgwError('UPSERT_SETTINGS', `upsertSettings.keys[${i}] is not a column name`, { field: `${FIELD}.upsertSettings.keys[${i}]` }, 'write the key columns as strings, e.g. ["id"]');
  });
  const seen = new Set<string>();
  for (const k of keys as string[]) {
    if (seen.has(k.toLowerCase())) throw new DmgwError('UPSERT_SETTINGS', `upsertSettings.keys names "${k}" twice`, { field: `${FIELD}.upsertSettings.keys` }, 'name each key column once');
    seen.add(k.toLowerCase());
  }
  return {
    keys: keys as string[],
    useTempDB: settings.useTempDB === true || settings.useTempDB === 'true',
    interimSchemaName: typeof settings.interimSchemaName === 'string' && settings.interimSchemaName ? settings.interimSchemaName : undefined,
  };
}

/**
 * The key columns as the sink table names them: each must be a column of the table (`all`) and one of the columns
 * loaded (`loaded`: the copy fills it), else an error naming the key and the table's columns.
 */
export function upsertKeys(u: Upsert, loaded: Column[], all: Column[], table: string): Column[] {
  const pick = (list: Column[], k: string) => list.find((c) => c.name === k) ?? list.find((c) => c.name.toLowerCase() === k.toLowerCase());
  const keys = u.keys.map((k, i) => {
    const field = `${FIELD}.upsertSettings.keys[${i}]`;
    if (!pick(all, k)) throw new DmgwError('UPSERT_KEY', `upsert key "${k}" is not a column of the sink table ${table} (it has ${all.map((c) => c.name).join(', ')})`, { field }, 'name a column of the table');
    const col = pick(loaded, k);
    if (!col) throw new DmgwError('UPSERT_KEY', `upsert key "${k}" is a column of ${table} the copy does not fill (it loads ${loaded.map((c) => c.name).join(', ')})`, { field }, 'copy the key column too (add it to the source or the translator)');
    return col;
  });
  return keys;
}

/** The error for a stage that holds a NULL key or a key twice (found by the store's check query). */
export function keyProblem(kind: 'null' | 'duplicate', keys: Column[], values: Array<string | null>, table: string): DmgwError {
  const shown = keys.map((k, i) => `${k.name}=${values[i] === null || values[i] === undefined ? 'NULL' : truncate(String(values[i]))}`).join(', ');
  return kind === 'null'
    ? new DmgwError('UPSERT_KEY_NULL', `upsert into ${table}: a source row has a NULL key (${shown}); the sink table was left unchanged`, { field: `${FIELD}.upsertSettings.keys` }, 'filter out rows with a NULL key, or choose key columns that are never NULL')
    : new DmgwError('UPSERT_KEY_DUPLICATE', `upsert into ${table}: the source has more than one row with the key ${shown}; the sink table was left unchanged`, { field: `${FIELD}.upsertSettings.keys` }, 'make the keys unique in the source (e.g. select the latest row per key), or choose keys that identify one row');
}

const truncate = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
