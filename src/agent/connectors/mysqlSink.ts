/**
 * The MySQL / MariaDB table sink: a staging table beside the target (`CREATE TABLE ... SELECT ... LIMIT 0`,
 * InnoDB so a statement can be rolled back), loaded per partition with `LOAD DATA LOCAL INFILE` fed from a
 * stream (mysql2's infileStreamFactory), then moved into the target in ONE transaction (after the
 * preCopyScript). Each partition's load runs in its own transaction that commits only when the whole feed
 * went through and the server reported no warning: LOAD DATA LOCAL turns conversion errors into warnings, and
 * mysql2 ends a load whose stream failed as if the file had ended, so neither may commit.
 * A server that refuses LOCAL INFILE (local_infile=OFF) gets batched multi-row INSERTs instead.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Connection } from 'mysql2';
import { DmgwError } from '../../common/errors.js';
import type { Row, RowBatch } from '../copy/rows.js';
import { formatPgText } from '../formats/pgText.js';
import type { TableName, TableSink, TableSource } from './connector.js';
import type { WriterProcedure } from '../procedures/writer.js';
import { run, type QueryResult } from './mysqlQuery.js';
import { callMySqlWriter } from './mysqlWriter.js';
import { qualified, quoteIdent, quoteLiteral } from './mysqlSql.js';
import { loadConverter, unhex, type MySqlColumn } from './mysqlTypes.js';

/** bytes queued on the socket before the feed waits for 'drain' (mysql2 itself writes without looking) */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;
/** one LOAD DATA packet at most (the protocol's limit is 16 MiB) */
const PACKET_BYTES = 1024 * 1024;
const INSERT_ROWS = 500;
/** ER_NOT_ALLOWED_COMMAND, ER_LOAD_INFILE_CAPABILITY_DISABLED */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);

/** What the sink needs of the connector (mysql.ts), without importing it. */
export interface MySqlSessions {
  connect(multipleStatements?: boolean): Promise<Connection>;
  release(conn: Connection, broken?: boolean): void;
  withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T>;
  columnsOf(fields: QueryResult['fields']): MySqlColumn[];
  readRows(source: TableSource, range: undefined, signal: AbortSignal): AsyncIterable<RowBatch>;
}

export async function openMySqlSink(my: MySqlSessions, target: TableName, names: string[]): Promise<TableSink> {
  let all: MySqlColumn[];
  try {
    all = my.columnsOf((await my.withConnection((c) => run(c, `SELECT * FROM ${qualified(target)} LIMIT 0`))).fields);
  } catch (e) {
    throw new DmgwError('SINK_TABLE', `cannot read the sink table ${qualified(target)}: ${(e as Error).message}`, { field: 'outputs[0]' }, 'create the table first, or fix the dataset tableName');
  }
  const loaded = names.map((n) => {
    const col = all.find((c) => c.name === n) ?? all.find((c) => c.name.toLowerCase() === n.toLowerCase());
    if (!col) throw new DmgwError('SINK_COLUMN', `column "${n}" does not exist in the sink table ${qualified(target)} (it has ${all.map((c) => c.name).join(', ')})`, { field: 'translator' }, 'map the column with a TabularTranslator, or add it to the table');
    return col;
  });
  const stage: TableName = { schema: target.schema, table: `dmgw_stage_${randomBytes(6).toString('hex')}` };
  const colList = loaded.map((c) => quoteIdent(c.name)).join(', ');
  await my.withConnection((c) => run(c, `CREATE TABLE ${qualified(stage)} ENGINE=InnoDB AS SELECT ${colList} FROM ${qualified(target)} LIMIT 0`));
  return new MySqlTableSink(my, target, stage, loaded, colList);
}

class MySqlTableSink implements TableSink {
  private dropped = false;
  private useInsert = false;
  private readonly convert: Array<((v: string) => string) | undefined>;

  constructor(
    private readonly my: MySqlSessions,
    private readonly target: TableName,
    private readonly stage: TableName,
    readonly columns: MySqlColumn[],
    private readonly colList: string,
  ) {
    this.convert = columns.map((c) => loadConverter(c.type));
  }

  private converted(rows: Row[]): Row[] {
    if (this.convert.every((f) => !f)) return rows;
    return rows.map((r) => r.map((v, i) => (v === null || !this.convert[i] ? v : this.convert[i]!(v))));
  }

  async loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    const conn = await this.my.connect();
    let broken = true;
    try {
      await run(conn, 'START TRANSACTION');
      let n: number | undefined = this.useInsert ? undefined : await this.loadData(conn, rows, signal);
      if (n === undefined) {
        this.useInsert = true;
        n = await this.insert(conn, rows, signal);
      }
      await run(conn, 'COMMIT');
      broken = false;
      return n;
    } finally {
      // an unfinished transaction goes with its connection: the server rolls it back
      this.my.release(conn, broken);
    }
  }

  /** undefined: the server refused LOCAL INFILE before reading anything. */
  private async loadData(conn: Connection, rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number | undefined> {
    const socket = (conn as unknown as { stream: NodeJS.WritableStream & { writableLength: number } }).stream;
    let fed = false;
    let feedError: unknown;
    const convert = (batch: Row[]) => this.converted(batch);
    async function* feed(): AsyncGenerator<Buffer> {
      for await (const batch of rows) {
        signal.throwIfAborted();
        const text = Buffer.from(formatPgText(convert(batch)), 'utf8');
        for (let at = 0; at < text.length; at += PACKET_BYTES) {
          if (socket.writableLength > SOCKET_HIGH_WATER) await once(socket, 'drain', { signal });
          yield text.subarray(at, at + PACKET_BYTES);
        }
      }
      fed = true;
    }
    let started = false;
    const factory = () => {
      started = true;
      const stream = Readable.from(feed(), { objectMode: false });
      stream.once('error', (e) => (feedError ??= e));
      const onAbort = () => stream.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
      return stream;
    };
    // MariaDB reads LOAD DATA text exactly as PostgreSQL's COPY text: tab, newline, backslash escapes, \N
    const targets = this.columns.map((c, i) => (unhex(c.type) ? `@v${i}` : quoteIdent(c.name)));
    const sets = this.columns.flatMap((c, i) => (unhex(c.type) ? [`${quoteIdent(c.name)} = UNHEX(@v${i})`] : []));
    const sql = `LOAD DATA LOCAL INFILE 'dmgw-feed' INTO TABLE ${qualified(this.stage)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})${sets.length ? ` SET ${sets.join(', ')}` : ''}`;
    let r;
    try {
      r = await run(conn, sql, undefined, { infileStreamFactory: factory });
    } catch (e) {
      if (!started && LOCAL_INFILE_REFUSED.has((e as { errno?: number }).errno ?? 0)) return undefined;
      throw feedError ?? e;
    }
    if (feedError !== undefined || !fed) throw feedError ?? signal.reason ?? new Error('the load stream ended early');
    if (r.warningStatus > 0) await this.failOnWarnings(conn, r.warningStatus);
    return r.affectedRows;
  }

  private async failOnWarnings(conn: Connection, count: number): Promise<never> {
    const w = await run(conn, 'SHOW WARNINGS LIMIT 3');
    const text = w.rows.map((r) => `${r[0]} ${r[1]}: ${r[2]}`).join('; ');
    throw new DmgwError('SINK_VALUE', `loading into ${qualified(this.target)}: ${count} value(s) did not fit their column: ${text}`, { field: 'outputs[0]' }, 'make the target columns wide enough for the source values, or map the columns to matching types');
  }

  /** The fallback: multi-row INSERTs of literals, `INSERT_ROWS` at a time, in the caller's transaction. */
  private async insert(conn: Connection, rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    let n = 0;
    const lit = this.columns.map((c) => (unhex(c.type) ? (v: string) => `UNHEX(${quoteLiteral(v)})` : quoteLiteral));
    for await (const batch of rows) {
      const conv = this.converted(batch);
      for (let at = 0; at < conv.length; at += INSERT_ROWS) {
        signal.throwIfAborted();
        const values = conv.slice(at, at + INSERT_ROWS).map((r) => `(${r.map((v, i) => (v === null ? 'NULL' : lit[i]!(v))).join(', ')})`);
        const r = await run(conn, `INSERT INTO ${qualified(this.stage)} (${this.colList}) VALUES ${values.join(', ')}`);
        if (r.warningStatus > 0) await this.failOnWarnings(conn, r.warningStatus);
        n += r.affectedRows;
      }
    }
    return n;
  }

  readBack(signal: AbortSignal): AsyncIterable<RowBatch> {
    return this.my.readRows({ query: `SELECT ${this.colList} FROM ${qualified(this.stage)}` }, undefined, signal);
  }

  async commit(preCopyScript?: string, writer?: WriterProcedure): Promise<number> {
    const conn = await this.my.connect(true);
    let broken = true;
    try {
      await run(conn, 'START TRANSACTION');
      // DDL (TRUNCATE, CREATE) commits by itself in MariaDB: a script of DELETE/UPDATE stays all-or-nothing
      if (preCopyScript?.trim()) await run(conn, preCopyScript);
      const n = writer ? await callMySqlWriter(conn, this.stage, writer) : (await run(conn, `INSERT INTO ${qualified(this.target)} (${this.colList}) SELECT ${this.colList} FROM ${qualified(this.stage)}`)).affectedRows;
      await run(conn, 'COMMIT');
      broken = false;
      return n;
    } finally {
      this.my.release(conn, broken);
      await this.abort();
    }
  }

  async abort(): Promise<void> {
    if (this.dropped) return;
    await this.my.withConnection((c) => run(c, `DROP TABLE IF EXISTS ${qualified(this.stage)}`));
    this.dropped = true;
  }
}
