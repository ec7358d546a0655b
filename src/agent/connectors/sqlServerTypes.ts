/**
 * SQL Server types → the engine's logical types (docs/TYPE-MAPPING.md), and where each value is turned into
 * text. tedious hands decimals over as JS numbers and datetime2 as Date (both lossy), so exact types are
 * converted to text by the server itself in the SELECT (`readProjection`); loading goes the other way:
 * the staging table holds text (NVARCHAR(MAX)) or bytes, and the move into the target CONVERTs on the server.
 */
import type { Column, LogicalType, Value } from '../copy/rows.js';
import { toMySqlDateTime } from './mysqlTypes.js';

export const quoteIdent = (s: string): string => `[${s.replace(/\]/g, ']]')}]`;

/** What mssql reports for a result column. */
export interface MssqlColumnMeta {
  name: string;
  type?: { declaration?: string };
  length?: number;
  precision?: number;
  scale?: number;
}

export interface SqlServerColumn extends Column {
  /** the column's SQL Server type as written in DDL (`decimal(38,9)`, `datetime2(7)`) */
  declaration: string;
  read(v: unknown): Value;
}

const text = (v: unknown): Value => (v === null || v === undefined ? null : String(v));
const hex = (v: unknown): Value => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v));
const bool = (v: unknown): Value => (v === null || v === undefined ? null : v === true || v === 1 || v === '1' ? 'true' : 'false');
/** `2024-03-01 10:00:00.1234500` (style 121) → no trailing fraction zeros */
const moment = (v: unknown): Value => (v === null || v === undefined ? null : String(v).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
/** `2024-03-01 08:00:00.5000000 +00:00` (style 121 after SWITCHOFFSET) → `2024-03-01 08:00:00.5+00` */
const utc = (v: unknown): Value => (v === null || v === undefined ? null : `${moment(String(v).replace(/\s*[+-]\d{2}:\d{2}$/, ''))}+00`);

export function sqlServerColumn(c: MssqlColumnMeta): SqlServerColumn {
  const d = (c.type?.declaration ?? 'nvarchar').toLowerCase();
  const len = c.length && c.length > 0 && c.length <= 8000 ? String(c.length) : 'max';
  const col = (type: LogicalType, declaration: string, read: SqlServerColumn['read'] = text): SqlServerColumn => ({ name: c.name, type, nativeType: declaration, declaration, read });
  switch (d) {
    case 'bit':
      return col('boolean', 'bit', bool);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return col('integer', d);
    case 'decimal':
    case 'numeric':
      return { ...col('decimal', `${d}(${c.precision ?? 18},${c.scale ?? 0})`), precision: c.precision, scale: c.scale };
    case 'money':
    case 'smallmoney':
      return { ...col('decimal', d), precision: d === 'money' ? 19 : 10, scale: 4 };
    case 'float':
    case 'real':
      return col('float', d);
    case 'date':
      return col('date', 'date');
    case 'time':
      return col('time', `time(${c.scale ?? 7})`, moment);
    case 'datetime':
    case 'smalldatetime':
      return col('timestamp', d, moment);
    case 'datetime2':
      return col('timestamp', `datetime2(${c.scale ?? 7})`, moment);
    case 'datetimeoffset':
      return col('timestamptz', `datetimeoffset(${c.scale ?? 7})`, utc);
    case 'uniqueidentifier':
      return col('uuid', d, (v) => (v === null || v === undefined ? null : String(v).toLowerCase()));
    case 'binary':
    case 'varbinary':
    case 'image':
    case 'udt':
      return col('binary', d === 'image' ? 'varbinary(max)' : `${d}(${len})`, hex);
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      return col('string', `${d}(${len})`);
    default:
      return col('string', d === 'text' || d === 'ntext' || d === 'xml' ? 'nvarchar(max)' : d);
  }
}

/** The SELECT list that makes the server write exact types as text (the rest travel as tedious reads them). */
export function readProjection(cols: SqlServerColumn[]): string {
  return cols
    .map((c) => {
      const q = quoteIdent(c.name);
      if (c.type === 'decimal') return `CONVERT(varchar(60), ${q}) AS ${q}`;
      if (c.type === 'timestamp' || c.type === 'time') return `CONVERT(varchar(40), ${q}, 121) AS ${q}`;
      if (c.type === 'timestamptz') return `CONVERT(varchar(40), SWITCHOFFSET(${q}, '+00:00'), 121) AS ${q}`;
      if (c.type === 'date') return `CONVERT(varchar(10), ${q}, 23) AS ${q}`;
      if (c.type === 'integer' && c.declaration === 'bigint') return `CONVERT(varchar(20), ${q}) AS ${q}`;
      if (c.declaration === 'sql_variant') return `CONVERT(nvarchar(4000), ${q}) AS ${q}`;
      return q;
    })
    .join(', ');
}

// ---- loading -----------------------------------------------------------------------------------------------

const TRUE = /^(t|true|1|yes|y|on)$/i;
const FALSE = /^(f|false|0|no|n|off)$/i;

/** Engine text → what the NVARCHAR staging column holds for a target column of this type (CONVERT reads it). */
export function stagedValue(c: SqlServerColumn): (v: string) => string | Buffer {
  switch (c.type) {
    case 'boolean':
      return (v) => (TRUE.test(v.trim()) ? '1' : FALSE.test(v.trim()) ? '0' : v);
    case 'timestamp':
      return (v) => toMySqlDateTime(v);
    case 'timestamptz':
      // datetimeoffset wants ±hh:mm
      return (v) => v.trim().replace('T', ' ').replace(/([+-]\d{2})$/, '$1:00').replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/Z$/i, '+00:00');
    case 'binary':
      return (v) => (/^\\x[0-9a-f]*$/i.test(v) ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v, 'utf8'));
    default:
      return (v) => v;
  }
}

/** The staging column's declaration: bytes stay bytes, everything else is text the server converts. */
export const stagedDeclaration = (c: SqlServerColumn): string => (c.type === 'binary' ? 'varbinary(max)' : 'nvarchar(max)');

/** `CONVERT(target type, staged text)`, style 121/126 for times so the server reads ISO text the same everywhere. */
export function convertFromStaged(c: SqlServerColumn): string {
  const q = quoteIdent(c.name);
  if (c.type === 'binary' || c.type === 'string' || c.type === 'json') return c.declaration === 'nvarchar(max)' || c.type === 'binary' ? q : `CONVERT(${c.declaration}, ${q})`;
  if (c.type === 'timestamp' || c.type === 'timestamptz' || c.type === 'time') return `CONVERT(${c.declaration}, ${q}, 121)`;
  if (c.type === 'date') return `CONVERT(date, ${q}, 23)`;
  return `CONVERT(${c.declaration}, ${q})`;
}
