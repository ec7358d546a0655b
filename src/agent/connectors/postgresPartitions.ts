/**
 * `partitionOption: PhysicalPartitionsOfTable` on PostgreSQL: one slice per leaf of a declaratively partitioned
 * table (sub-partitions included, `pg_partition_tree`), each read from the leaf itself, so every stream scans only
 * its own partition. A leaf may store its columns in another order (a table attached as a partition): each slice
 * selects the parent's columns by name, in the parent's order.
 */
import type pg from 'pg';
import type { RangePartition, TableName } from './connector.js';

/** A physical partition: `select` reads it instead of a range of the source. */
export interface PgPartitionSlice extends RangePartition {
  select: string;
}

export const isPartitionSlice = (r: RangePartition | undefined): r is PgPartitionSlice => typeof (r as PgPartitionSlice | undefined)?.select === 'string';

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * The leaves of `table`, or undefined when it is not partitioned (a plain table, a view).
 * `qualified` is the table's quoted name; `columns` its column names in order.
 */
export async function partitionSlices(session: pg.Client, table: TableName, qualified: string, columns: string[]): Promise<PgPartitionSlice[] | undefined> {
  const kind = await session.query<{ relkind: string }>('SELECT relkind FROM pg_class WHERE oid = $1::regclass', [qualified]);
  if (kind.rows[0]?.relkind !== 'p') return undefined;
  const leaves = await session.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_partition_tree($1::regclass) t
       JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.isleaf ORDER BY n.nspname, c.relname`,
    [qualified],
  );
  const list = columns.map(quoteIdent).join(', ');
  return leaves.rows.map((l) => ({
    column: '',
    type: 'string',
    withNulls: false,
    label: `partition ${l.schema}.${l.name} of ${table.schema ? `${table.schema}.` : ''}${table.table}`,
    select: `SELECT ${list} FROM ${quoteIdent(l.schema)}.${quoteIdent(l.name)}`,
  }));
}
