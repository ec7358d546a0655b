/**
 * SQL text the SQL connectors (postgres.ts, mysql.ts, sqlServer.ts) write alike but for their dialect: a table's
 * qualified name, the source query of a copy, a DynamicRange slice of it, and the partition column a bounds query
 * reads. Each connector passes what differs as a `SqlDialect` (identifier quoting, how a bound is written, the
 * always-true predicate, the slice's alias); its own quoting and dialect-only SQL stay in its own files.
 */
import { DmgwError } from '../../common/errors.js';
import type { Column, LogicalType } from '../copy/rows.js';
import type { RangePartition, TableName, TableSource } from './connector.js';

export interface SqlDialect {
  quoteIdent(name: string): string;
  /** a table's name as the dialect writes it (`qualifiedName` with its quoting) */
  qualified(t: TableName): string;
  /** a partition bound of a column of `type` that is not an integer column, as a literal of that type */
  boundLiteral(type: LogicalType, value: string): string;
  /** the WHERE of a slice with neither bound: `TRUE`, or `1 = 1` where there are no boolean expressions */
  alwaysTrue: string;
  /** the alias of the source query wrapped by a slice */
  sliceAlias: string;
  /** what to set when a source names neither a table nor a query, in the dialect's dataset words */
  sourceHint: string;
}

/** `schema.table` (or `table`), each part quoted by `quote`. */
export function qualifiedName(t: TableName, quote: (part: string) => string): string {
  return t.schema ? `${quote(t.schema)}.${quote(t.table)}` : quote(t.table);
}

/** The query a copy reads: the source query without its trailing `;`, or all of the table. */
export function sourceQuery(s: TableSource, d: SqlDialect): string {
  if (s.query) return s.query.trim().replace(/;\s*$/, '');
  if (s.table) return `SELECT * FROM ${d.qualified(s.table)}`;
  throw new DmgwError('SOURCE_MISSING', 'the copy source names neither a table nor a query', { field: 'typeProperties.source' }, d.sourceHint);
}

function bound(range: RangePartition, v: string, d: SqlDialect): string {
  if (range.type === 'integer') {
    if (!/^-?\d+$/.test(v)) throw new DmgwError('PARTITION_BOUND', `partition bound "${v}" is not an integer`, { field: 'partitionSettings' });
    return v;
  }
  return d.boundLiteral(range.type, v);
}

/** A DynamicRange slice of `query`: lower ≤ column < upper (either may be open), plus the NULLs when asked. */
export function rangeQuery(query: string, range: RangePartition | undefined, d: SqlDialect): string {
  if (!range) return query;
  const col = d.quoteIdent(range.column);
  const conds: string[] = [];
  if (range.lower !== undefined) conds.push(`${col} >= ${bound(range, range.lower, d)}`);
  if (range.upper !== undefined) conds.push(`${col} < ${bound(range, range.upper, d)}`);
  let where = conds.join(' AND ') || d.alwaysTrue;
  if (range.withNulls) where = `(${where}) OR ${col} IS NULL`;
  return `SELECT * FROM (${query}) AS ${d.sliceAlias} WHERE ${where}`;
}

/** The source's column named as partition column (exact name first, then regardless of case). */
export function partitionColumn<C extends Column>(cols: C[], name: string): C {
  const col = cols.find((c) => c.name === name) ?? cols.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!col) throw new DmgwError('PARTITION_COLUMN', `partition column "${name}" is not a column of the source (${cols.map((c) => c.name).join(', ')})`, { field: 'source.partitionSettings.partitionColumnName' }, 'name an integer or date column of the source');
  return col;
}
