/** SQL text for MySQL / MariaDB: identifiers, literals, the source query and its DynamicRange slice. */
import { DmgwError } from '../../common/errors.js';
import type { LogicalType } from '../copy/rows.js';
import type { RangePartition, TableName, TableSource } from './connector.js';
import { toMySqlDateTime } from './mysqlTypes.js';

/** A name as written in a dataset may keep its backticks (`db`.`t`); they are not part of the name. */
const bare = (s: string): string => (/^`.*`$/s.test(s) ? s.slice(1, -1).replace(/``/g, '`') : s);

export const quoteIdent = (s: string): string => `\`${bare(s).replace(/`/g, '``')}\``;

export function qualified(t: TableName): string {
  return t.schema ? `${quoteIdent(t.schema)}.${quoteIdent(t.table)}` : quoteIdent(t.table);
}

/** A string literal that means the same whatever NO_BACKSLASH_ESCAPES says. */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

export function sourceSql(s: TableSource): string {
  if (s.query) return s.query.trim().replace(/;\s*$/, '');
  if (s.table) return `SELECT * FROM ${qualified(s.table)}`;
  throw new DmgwError('SOURCE_MISSING', 'the copy source names neither a table nor a query', { field: 'typeProperties.source' }, 'set the dataset tableName or source.query');
}

function literal(type: LogicalType, v: string): string {
  if (type === 'integer') {
    if (!/^-?\d+$/.test(v)) throw new DmgwError('PARTITION_BOUND', `partition bound "${v}" is not an integer`, { field: 'partitionSettings' });
    return v;
  }
  // partition bounds of timestamp columns come with +00 (UTC); MariaDB literals have no zone
  return quoteLiteral(type === 'timestamp' || type === 'timestamptz' ? toMySqlDateTime(v) : v);
}

export function rangeSql(sql: string, range: RangePartition | undefined): string {
  if (!range) return sql;
  const col = quoteIdent(range.column);
  const conds: string[] = [];
  if (range.lower !== undefined) conds.push(`${col} >= ${literal(range.type, range.lower)}`);
  if (range.upper !== undefined) conds.push(`${col} < ${literal(range.type, range.upper)}`);
  let where = conds.join(' AND ') || 'TRUE';
  if (range.withNulls) where = `(${where}) OR ${col} IS NULL`;
  return `SELECT * FROM (${sql}) AS dmgw_q WHERE ${where}`;
}
