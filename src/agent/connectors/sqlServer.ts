/**
 * SQL Server and Azure SQL Database as a source and a sink, over `mssql` (tedious). Written against the
 * drivers' documented behaviour; its contract tests run only where DMGW_TEST_MSSQL_URL names a server (none
 * can run on the development machines).
 * - Reading streams (`request.stream = true`, rows as arrays): the request is paused while a batch waits for
 *   the engine and resumed when it is taken, so TDS flow control holds the server back. Exact types are turned
 *   into text by the server (sqlServerTypes.ts#readProjection). Partitions: DynamicRange (a WHERE on the
 *   column) and PhysicalPartitionsOfTable (`$PARTITION.function(column) = n` for each partition of the table).
 * - Loading: sqlServerSink.ts (bulk load into a staging table, one transaction into the target).
 */
import type sql from 'mssql';
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import type { Column, Row, RowBatch } from '../copy/rows.js';
import { mssql } from '../libraries.js';
import type { Bounds, RangePartition, TableConnector, TableEntry, TableName, TableSink, TableSource } from './connector.js';
import { SCHEMAS_SQL, tableEntries, tablesSql, userSchemas } from './catalogSql.js';
import { dropLeftoverSqlServerStage, openSqlServerSink } from './sqlServerSink.js';
import { describeThing, type StagedThing } from '../../common/staging.js';
import { staged } from './stagingJournal.js';
import { findSqlServerMark } from './sqlServerCommitLog.js';
import type { CommitRecord } from '../copy/commitMark.js';
import { sqlServerConfig } from '../../common/stores/sqlServerSettings.js';
import { quoteIdent, readProjection, sqlServerColumn, type MssqlColumnMeta, type SqlServerColumn } from './sqlServerTypes.js';
import { RowBatcher, rowEstimate } from './sqlSession.js';
import { partitionColumn, qualifiedName, rangeQuery, sourceQuery, type SqlDialect } from './sqlText.js';

/** A name as written in a dataset may keep its brackets ([dbo].[t]); they are not part of the name. */
const bare = (s: string): string => (/^\[.*\]$/.test(s) ? s.slice(1, -1).replace(/\]\]/g, ']') : s);

export const qualified = (t: TableName): string => qualifiedName(t, (part) => quoteIdent(bare(part)));

const quoteLiteral = (s: string) => `N'${s.replace(/'/g, "''")}'`;

const SQL_SERVER: SqlDialect = {
  quoteIdent,
  qualified,
  boundLiteral(type, v) {
    const t = type === 'date' ? 'date' : type === 'timestamptz' ? 'datetimeoffset' : 'datetime2';
    // a zone written as +hh gets its minutes (+hh:00), which CONVERT style 121 needs; only a timestamptz has a zone (a date's -dd is no zone)
    return `CONVERT(${t}, ${quoteLiteral(type === 'timestamptz' ? v.replace(/([+-]\d{2})$/, '$1:00') : v)}, 121)`;
  },
  alwaysTrue: '1 = 1',
  sliceAlias: 'dmgw_r',
  sourceHint: 'set the dataset table or source.sqlReaderQuery',
};

const sourceSql = (s: TableSource): string => sourceQuery(s, SQL_SERVER);

/** A SQL Server slice: the physical partition it reads, when it came from PhysicalPartitionsOfTable. */
export interface PhysicalSlice extends RangePartition {
  partitionFunction?: string;
  partitionNumber?: number;
}

export function rangeSql(query: string, range: PhysicalSlice | undefined): string {
  if (range?.partitionFunction && range.partitionNumber) return `SELECT * FROM (${query}) AS dmgw_r WHERE $PARTITION.${quoteIdent(range.partitionFunction)}(${quoteIdent(range.column)}) = ${range.partitionNumber}`;
  return rangeQuery(query, range, SQL_SERVER);
}

export class SqlServerConnector implements TableConnector {
  readonly kind = 'table' as const;
  readonly linkedService: string;
  private readonly config: sql.config;
  private pool: Promise<sql.ConnectionPool> | undefined;

  constructor(private readonly ls: LinkedService) {
    this.linkedService = ls.name;
    this.config = sqlServerConfig(ls);
  }

  /** The connector's pool (created on first use; partitions take a connection each). */
  connection(): Promise<sql.ConnectionPool> {
    this.pool ??= new (mssql().ConnectionPool)(this.config).connect().catch((e) => {
      this.pool = undefined;
      throw e;
    });
    return this.pool;
  }

  async query(text: string): Promise<sql.IResult<unknown>> {
    return (await this.connection()).request().query(text);
  }

  async test(): Promise<void> {
    await this.query('SELECT 1');
  }

  async schemas(): Promise<string[]> {
    return userSchemas(((await this.query(SCHEMAS_SQL)).recordset as unknown as Array<{ schema_name: string }>).map((r) => r.schema_name));
  }

  async tables(schema: string): Promise<TableEntry[]> {
    const r = await (await this.connection()).request().input('schema', schema).query(tablesSql('@schema'));
    return tableEntries((r.recordset as unknown as Array<{ table_name: string; table_type: string }>).map((x) => [x.table_name, x.table_type]));
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    if (p) await (await p.catch(() => undefined))?.close();
  }

  async columns(query: string): Promise<SqlServerColumn[]> {
    const r = await this.query(`SELECT TOP 0 * FROM (${query}) AS dmgw_q`);
    const meta = (r.recordset as unknown as { columns: Record<string, MssqlColumnMeta & { index: number }> }).columns;
    return Object.values(meta)
      .sort((a, b) => a.index - b.index)
      .map(sqlServerColumn);
  }

  async describe(source: TableSource): Promise<Column[]> {
    return (await this.columns(sourceSql(source))).map(({ read: _r, declaration: _d, ...c }) => c);
  }

  async bounds(source: TableSource, column: string): Promise<Bounds> {
    const cols = await this.columns(sourceSql(source));
    const col = partitionColumn(cols, column);
    const q = quoteIdent(col.name);
    const style = col.type === 'integer' ? '' : ', 121';
    const r = await this.query(`SELECT CONVERT(nvarchar(60), MIN(${q})${style}) AS mn, CONVERT(nvarchar(60), MAX(${q})${style}) AS mx FROM (${sourceSql(source)}) AS dmgw_q`);
    const row = r.recordset[0] as { mn: string | null; mx: string | null };
    return { type: col.type, min: row.mn, max: row.mx };
  }

  async estimateRows(source: TableSource): Promise<number | undefined> {
    const t = source.table;
    if (!t) return undefined;
    return rowEstimate(async () => {
      const r = await (await this.connection()).request().input('t', mssql().NVarChar, qualified(t)).query('SELECT SUM(rows) AS n FROM sys.partitions WHERE object_id = OBJECT_ID(@t) AND index_id IN (0, 1)');
      return (r.recordset[0] as { n: number | null }).n;
    });
  }

  /** PhysicalPartitionsOfTable: one slice per partition of the table's partition scheme; undefined when it is not partitioned. */
  async physicalPartitions(source: TableSource): Promise<PhysicalSlice[] | undefined> {
    if (!source.table) throw new DmgwError('PARTITION_OPTION', 'PhysicalPartitionsOfTable needs a table source, not a query', { field: 'source.partitionOption' }, 'set the dataset table, or use DynamicRange with a query');
    const r = await (await this.connection())
      .request()
      .input('t', mssql().NVarChar, qualified(source.table))
      .query(`SELECT pf.name AS fn, c.name AS col, pf.fanout AS parts FROM sys.indexes i
        JOIN sys.partition_schemes ps ON ps.data_space_id = i.data_space_id
        JOIN sys.partition_functions pf ON pf.function_id = ps.function_id
        JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
        JOIN sys.columns c ON c.object_id = i.object_id AND c.column_id = ic.column_id
        WHERE i.object_id = OBJECT_ID(@t) AND i.index_id IN (0, 1)`);
    const row = r.recordset[0] as { fn: string; col: string; parts: number } | undefined;
    if (!row) return undefined;
    return Array.from({ length: row.parts }, (_v, i) => ({ column: row.col, type: 'integer', withNulls: false, partitionFunction: row.fn, partitionNumber: i + 1 }));
  }

  async *readRows(source: TableSource, range: RangePartition | undefined, signal: AbortSignal): AsyncIterable<RowBatch> {
    const base = sourceSql(source);
    const cols = await this.columns(base);
    const columns: Column[] = cols.map(({ read: _r, declaration: _d, ...c }) => c);
    const pool = await this.connection();
    const request = pool.request();
    request.stream = true;
    (request as unknown as { arrayRowMode: boolean }).arrayRowMode = true;
    const rows = new RowBatcher<Row>({ pause: () => request.pause(), resume: () => request.resume(), cancel: () => request.cancel() });
    request.on('row', (r: unknown[]) => {
      const row: Row = new Array(r.length);
      for (let i = 0; i < r.length; i++) row[i] = cols[i]!.read(r[i]);
      rows.push(row);
    });
    request.on('error', (e: Error) => rows.fail(e));
    request.on('done', () => rows.end());
    void request.query(`SELECT ${readProjection(cols)} FROM (${rangeSql(base, range)}) AS dmgw_q`);
    try {
      for await (const batch of rows.batches(signal)) yield { columns, rows: batch };
    } finally {
      if (!rows.done) request.cancel();
    }
  }

  /** The commit marker of `key` beside `target` (copy/commitMark.ts), or undefined. */
  async committedCopy(target: TableName, key: string): Promise<CommitRecord | undefined> {
    return findSqlServerMark(await this.connection(), target, key);
  }

  openSink(target: TableName, columns: string[]): Promise<TableSink> {
    return openSqlServerSink(this, target, columns);
  }

  /** Tells the host's staging journal about `thing` before it exists (common/staging.ts); returns "it is gone". */
  announce(thing: StagedThing): () => void {
    return staged(this.ls, thing);
  }

  /** A stage a killed worker left (its journal named it): dropped once no statement of the dead worker holds it. */
  async removeLeftover(thing: StagedThing): Promise<string | undefined> {
    if (thing.kind !== 'table-stage') return undefined;
    return (await dropLeftoverSqlServerStage(await this.connection(), thing.schema, thing.table)) ? describeThing(thing) : undefined;
  }
}
