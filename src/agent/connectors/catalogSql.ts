/**
 * Browse (the Gateway view, `dmgw browse`): what a SQL store holds, from `information_schema`, which PostgreSQL,
 * MySQL/MariaDB and SQL Server all have. The text differs only in the placeholder of the schema's name (`$1`, `?`,
 * `@schema`), so each connector passes its own.
 */
import type { TableEntry } from './connector.js';

/** Schemas no dataset names: the stores' own catalogues, PostgreSQL's TOAST and temporary ones, SQL Server's roles. */
const SYSTEM = new Set(['information_schema', 'pg_catalog', 'pg_toast', 'sys', 'guest', 'mysql', 'performance_schema', ...['owner', 'accessadmin', 'securityadmin', 'ddladmin', 'backupoperator', 'datareader', 'datawriter', 'denydatareader', 'denydatawriter'].map((r) => `db_${r}`)]);

export const SCHEMAS_SQL = 'SELECT schema_name AS schema_name FROM information_schema.schemata ORDER BY schema_name';

/** The schemas a dataset may name, of all `SCHEMAS_SQL` returned (filtered here: LIKE escapes differ by store). */
export function userSchemas(names: unknown[]): string[] {
  return names.map(String).filter((n) => !SYSTEM.has(n.toLowerCase()) && !/^pg_(temp|toast_temp)_\d+$/.test(n));
}

export const tablesSql = (placeholder: string): string =>
  `SELECT table_name AS table_name, table_type AS table_type FROM information_schema.tables WHERE table_schema = ${placeholder} ORDER BY table_name`;

/** `BASE TABLE` (and MariaDB's `SYSTEM VERSIONED`) are tables; `VIEW` is a view; sequences and the like are left out. */
export function tableEntries(rows: unknown[][]): TableEntry[] {
  const out: TableEntry[] = [];
  for (const [name, type] of rows) {
    const t = String(type).toUpperCase();
    if (t === 'VIEW') out.push({ name: String(name), type: 'View' });
    else if (t === 'BASE TABLE' || t === 'SYSTEM VERSIONED') out.push({ name: String(name), type: 'Table' });
  }
  return out;
}
