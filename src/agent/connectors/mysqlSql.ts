/** SQL text for MySQL / MariaDB: identifiers, literals, the source query and its DynamicRange slice. */
import type { RangePartition, TableName, TableSource } from './connector.js';
import { toMySqlDateTime } from './mysqlTypes.js';
import { qualifiedName, rangeQuery, sourceQuery, type SqlDialect } from './sqlText.js';

/** A name as written in a dataset may keep its backticks (`db`.`t`); they are not part of the name. */
export const bare = (s: string): string => (/^`.*`$/s.test(s) ? s.slice(1, -1).replace(/``/g, '`') : s);

export const quoteIdent = (s: string): string => `\`${bare(s).replace(/`/g, '``')}\``;

export const qualified = (t: TableName): string => qualifiedName(t, quoteIdent);

/** A string literal that means the same whatever NO_BACKSLASH_ESCAPES says. */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

const MYSQL: SqlDialect = {
  quoteIdent,
  qualified,
  // partition bounds of timestamp columns come with +00 (UTC); MariaDB literals have no zone
  boundLiteral: (type, v) => quoteLiteral(type === 'timestamp' || type === 'timestamptz' ? toMySqlDateTime(v) : v),
  alwaysTrue: 'TRUE',
  sliceAlias: 'dmgw_q',
  sourceHint: 'set the dataset tableName or source.query',
};

export const sourceSql = (s: TableSource): string => sourceQuery(s, MYSQL);

export const rangeSql = (sql: string, range: RangePartition | undefined): string => rangeQuery(sql, range, MYSQL);
