/**
 * MySQL and MariaDB as a source and a sink, over `mysql2` (linked service types `MySql`, `MariaDB`,
 * `AzureMySql`).
 * - Reading streams rows: the text protocol's rows are taken in batches and the connection is paused while a
 *   batch waits for the engine (TCP backpressure reaches the server), never buffered whole. One connection
 *   per partition; DynamicRange slices wrap the query in a WHERE on the partition column.
 * - Loading goes into a staging table (mysqlSink.ts): `LOAD DATA LOCAL INFILE` from a stream per partition,
 *   then ONE transaction moves the rows into the target.
 * Sessions use time_zone +00:00 (TIMESTAMP values come out in UTC) and utf8mb4 (4-byte characters survive).
 */
import { findMySqlMark } from './mysqlCommitLog.js';
import { describeThing, type StagedThing } from '../../common/staging.js';
import { staged } from './stagingJournal.js';
import type { CommitRecord } from '../copy/commitMark.js';
import type { Connection, FieldPacket } from 'mysql2';
import type { LinkedService } from '../../common/model/types.js';
import type { Column, RowBatch } from '../copy/rows.js';
import { mysql2 } from '../libraries.js';
import { csvBytesSupported, streamCsvBytes } from './mysqlCsv.js';
import type { Bounds, ByteForm, ByteRead, RangePartition, SinkOptions, TableConnector, TableEntry, TableName, TableSink, TableSource } from './connector.js';
import { tableEntries, tablesSql } from './catalogSql.js';
import { run, streamQuery } from './mysqlQuery.js';
import { dropLeftoverMySqlStage, dropMySqlParts, openMySqlSink, type MySqlSessions } from './mysqlSink.js';
import { mysqlSettings, type MySqlSettings } from '../../common/stores/mysqlSettings.js';
import { bare, quoteIdent, rangeSql, sourceSql } from './mysqlSql.js';
import { columnOf, readValues, type MySqlColumn } from './mysqlTypes.js';
import { rowEstimate, withSession } from './sqlSession.js';
import { partitionColumn } from './sqlText.js';

const SESSION = "SET time_zone = '+00:00', NAMES utf8mb4";

export class MySqlConnector implements TableConnector, MySqlSessions {
  readonly kind = 'table' as const;
  readonly linkedService: string;
  readonly settings: MySqlSettings;
  private readonly open = new Set<Connection>();
  /** stages of a sink's target made before this whose lock is free are a killed run's leftovers (mysqlSink.ts) */
  private readonly started = Date.now();

  constructor(private readonly ls: LinkedService) {
    this.linkedService = ls.name;
    this.settings = mysqlSettings(ls);
  }

  /** A new session (one per partition). `multipleStatements` for user scripts (preCopyScript). */
  async connect(multipleStatements = false): Promise<Connection> {
    const conn = mysql2().createConnection({ ...this.settings.connection, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, timezone: 'Z', charset: 'UTF8MB4_GENERAL_CI', multipleStatements });
    // a connection that dies between statements emits 'error'; the statement in flight fails on its own
    conn.on('error', () => undefined);
    this.open.add(conn);
    try {
      await new Promise<void>((resolve, reject) => conn.connect((e) => (e ? reject(e) : resolve())));
      await run(conn, SESSION);
    } catch (e) {
      this.release(conn, true);
      throw e;
    }
    return conn;
  }

  /** Ends a session; a broken one (mid-statement) is cut at the socket so the server rolls its statement back. */
  release(conn: Connection, broken = false): void {
    this.open.delete(conn);
    if (broken) conn.destroy();
    else conn.end(() => undefined);
  }

  withConnection<T>(fn: (c: Connection) => Promise<T>, multipleStatements = false): Promise<T> {
    return withSession(() => this.connect(multipleStatements), (c, broken) => this.release(c, broken), fn);
  }

  async test(): Promise<void> {
    await this.withConnection((c) => run(c, 'SELECT 1'));
  }

  /** A MySQL table is named by `tableName` alone, in the connected database: that database is the one schema. */
  async schemas(): Promise<string[]> {
    const r = await this.withConnection((c) => run(c, 'SELECT DATABASE()'));
    return r.rows.map((row) => row[0]).filter((d): d is string => typeof d === 'string' && !!d);
  }

  async tables(schema: string): Promise<TableEntry[]> {
    return tableEntries((await this.withConnection((c) => run(c, tablesSql('?'), [schema]))).rows);
  }

  async close(): Promise<void> {
    for (const c of [...this.open]) this.release(c, true);
  }

  columnsOf(fields: FieldPacket[]): MySqlColumn[] {
    return fields.map((f) => columnOf(f, this.settings.tinyAsBoolean));
  }

  async describe(source: TableSource): Promise<Column[]> {
    const r = await this.withConnection((c) => run(c, `SELECT * FROM (${sourceSql(source)}) AS dmgw_q LIMIT 0`));
    return this.columnsOf(r.fields).map(({ read: _read, ...col }) => col);
  }

  async bounds(source: TableSource, column: string): Promise<Bounds> {
    const cols = await this.describe(source);
    const col = partitionColumn(cols, column);
    const q = quoteIdent(col.name);
    const r = await this.withConnection((c) => run(c, `SELECT CAST(MIN(${q}) AS CHAR), CAST(MAX(${q}) AS CHAR) FROM (${sourceSql(source)}) AS dmgw_q`));
    const [min, max] = (r.rows[0] ?? [null, null]) as Array<string | null>;
    return { type: col.type, min: min ?? null, max: max ?? null };
  }

  async estimateRows(source: TableSource): Promise<number | undefined> {
    const t = source.table;
    if (!t) return undefined;
    const sql = 'SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?';
    return rowEstimate(async () => (await this.withConnection((c) => run(c, sql, [t.schema?.replace(/`/g, '') ?? null, t.table.replace(/`/g, '')]))).rows[0]?.[0]);
  }

  async *readRows(source: TableSource, range: RangePartition | undefined, signal: AbortSignal): AsyncIterable<RowBatch> {
    const conn = await this.connect();
    let broken = true;
    try {
      let columns: MySqlColumn[] | undefined;
      for await (const b of streamQuery(conn, rangeSql(sourceSql(source), range), signal)) {
        columns ??= this.columnsOf(b.fields);
        yield { columns, rows: readValues(b.rows, columns) };
      }
      broken = false;
    } finally {
      this.release(conn, broken);
    }
  }

  /**
   * A DelimitedText (UTF-8) sink's CSV, or COPY text of the engine's values for a table sink that loads it (PostgreSQL),
   * written from the rows' own bytes (mysqlCsv.ts); undefined for a CSV it cannot write.
   */
  async readBytes(source: TableSource, range: RangePartition | undefined, form: ByteForm, signal: AbortSignal): Promise<ByteRead | undefined> {
    if (form.kind === 'csv' && !csvBytesSupported(form.options)) return undefined;
    const conn = await this.connect();
    return streamCsvBytes(conn, rangeSql(sourceSql(source), range), form, (f) => this.columnsOf(f), signal, (broken) => this.release(conn, broken));
  }

  openSink(target: TableName, columns: string[], how?: SinkOptions): Promise<TableSink> {
    return openMySqlSink(this, target, columns, this.started, how);
  }

  /** Tells the host's staging journal about `thing` before it exists (common/staging.ts); returns "it is gone". */
  announce(thing: StagedThing): () => void {
    return staged(this.ls, thing);
  }

  /** A stage a killed worker left (its journal named it): dropped once no statement of the dead worker holds it. */
  async removeLeftover(thing: StagedThing): Promise<string | undefined> {
    if (thing.kind === 'resume-part') {
      // kept for resume until its job ended for good (common/staging.ts); only a name of a part's form is dropped
      const there = await this.withConnection((c) => run(c, 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?', [thing.schema ? bare(thing.schema) : null, thing.part]));
      await dropMySqlParts(this, { schema: thing.schema, table: thing.table }, [thing.part]);
      // announced at plan time, a part of a partition not yet reached was never made
      return Number(there.rows[0]?.[0]) ? describeThing(thing) : undefined;
    }
    if (thing.kind !== 'table-stage') return undefined;
    return (await this.withConnection((c) => dropLeftoverMySqlStage(c, thing.schema, thing.table))) ? describeThing(thing) : undefined;
  }

  /** The commit marker of `key` beside `target` (copy/commitMark.ts), or undefined. */
  committedCopy(target: TableName, key: string): Promise<CommitRecord | undefined> {
    return this.withConnection((c) => findMySqlMark(c, target, key));
  }

  dropParts(target: TableName, names: string[]): Promise<void> {
    return dropMySqlParts(this, target, names);
  }
}
