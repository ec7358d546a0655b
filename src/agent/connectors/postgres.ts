/**
 * PostgreSQL as a source and a sink, over `pg` + `pg-copy-streams`.
 * - Reading is always `COPY (query) TO STDOUT`: CSV written by the server itself on the fast path, COPY text
 *   (parsed into rows) on the row path. Every partition gets its own connection.
 * - Loading goes into an UNLOGGED staging table (`COPY ... FROM STDIN`, one atomic statement per partition);
 *   `commit` moves the rows into the target in ONE transaction, after the preCopyScript, so a failed or
 *   retried run leaves nothing behind in the target; a killed run's stage is dropped by the next run into
 *   that target (postgresStage.ts).
 * Sessions use TimeZone UTC and ISO dates so the text of a value does not depend on the server's settings.
 */
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { ChunkedFormatter } from '../copy/textChunks.js';
import { BATCH_CHARS, BATCH_ROWS, type Column, type LogicalType, type Row, type RowBatch } from '../copy/rows.js';
import { decodeInPieces, isUtf8 } from '../formats/encoding.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import { formatPgText, PgTextParser } from '../formats/pgText.js';
import type { WriterProcedure } from '../procedures/writer.js';
import { callPostgresWriter } from './postgresWriter.js';
import type { Bounds, ByteForm, ByteRead, RangePartition, TableConnector, TableName, TableSink, TableSource } from './connector.js';
import { isPartitionSlice, partitionSlices, type PgPartitionSlice } from './postgresPartitions.js';
import { postgresConfig } from './postgresSettings.js';
import { createStage, dropStaleStages, targetSchema } from './postgresStage.js';
import { rowEstimate, withSession } from './sqlSession.js';
import { partitionColumn, qualifiedName, rangeQuery, sourceQuery, type SqlDialect } from './sqlText.js';

const SESSION = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET client_encoding = 'UTF8'";

/** PostgreSQL type OIDs → the engine's logical types (anything else is text). docs/TYPE-MAPPING.md. */
const OID_TYPES: Record<number, [LogicalType, string]> = {
  16: ['boolean', 'boolean'],
  17: ['binary', 'bytea'],
  20: ['integer', 'bigint'],
  21: ['integer', 'smallint'],
  23: ['integer', 'integer'],
  26: ['integer', 'oid'],
  25: ['string', 'text'],
  114: ['json', 'json'],
  700: ['float', 'real'],
  701: ['float', 'double precision'],
  1042: ['string', 'character'],
  1043: ['string', 'character varying'],
  1082: ['date', 'date'],
  1083: ['time', 'time'],
  1266: ['time', 'time with time zone'],
  1114: ['timestamp', 'timestamp'],
  1184: ['timestamptz', 'timestamp with time zone'],
  1186: ['interval', 'interval'],
  1700: ['decimal', 'numeric'],
  2950: ['uuid', 'uuid'],
  3802: ['json', 'jsonb'],
};

export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** A string literal PostgreSQL reads the same whatever standard_conforming_strings says. */
export function quoteLiteral(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

export const qualified = (t: TableName): string => qualifiedName(t, quoteIdent);

/** `schema.table`, `"My Schema"."My.Table"` or `[dbo].[t]` → parts. */
export function parseTableName(text: string): TableName {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|\[([^\]]*)\]|([^.]+))\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? m[3]!.trim()));
  if (parts.length === 1) return { table: parts[0]! };
  if (parts.length === 2) return { schema: parts[0], table: parts[1]! };
  throw new DmgwError('TABLE_NAME', `"${text}" is not a table name`, { field: 'tableName' }, 'write table, schema.table or "Schema"."Table"');
}

function boundLiteral(type: LogicalType, v: string): string {
  const cast = type === 'date' ? 'date' : type === 'timestamptz' ? 'timestamptz' : type === 'timestamp' ? 'timestamp' : type === 'decimal' ? 'numeric' : 'text';
  return `${quoteLiteral(v)}::${cast}`;
}

const POSTGRES: SqlDialect = {
  quoteIdent,
  qualified,
  boundLiteral,
  alwaysTrue: 'TRUE',
  sliceAlias: 'dmgw_q',
  sourceHint: 'set the dataset table or source.query',
};

const sourceSql = (s: TableSource): string => sourceQuery(s, POSTGRES);

export function rangeSql(sql: string, range: RangePartition | undefined): string {
  return isPartitionSlice(range) ? range.select : rangeQuery(sql, range, POSTGRES);
}

/** The COPY options that make PostgreSQL write exactly this CSV dialect; undefined when it cannot. */
export function copyCsvOptions(o: DelimitedTextOptions): string | undefined {
  const oneByte = (c: string) => c.length === 1 && c.charCodeAt(0) < 128 && c !== '\r' && c !== '\n';
  if (!isUtf8(o.encodingName)) return undefined;
  if (o.rowDelimiter !== undefined && o.rowDelimiter !== '\n') return undefined;
  if (!oneByte(o.columnDelimiter) || !oneByte(o.quoteChar)) return undefined;
  const escape = o.escapeChar || o.quoteChar;
  if (!oneByte(escape)) return undefined;
  if (/[\r\n]/.test(o.nullValue) || o.nullValue.includes(o.columnDelimiter) || o.nullValue.includes(o.quoteChar)) return undefined;
  const opts = [`FORMAT csv`, `DELIMITER ${quoteLiteral(o.columnDelimiter)}`, `QUOTE ${quoteLiteral(o.quoteChar)}`, `ESCAPE ${quoteLiteral(escape)}`, `NULL ${quoteLiteral(o.nullValue)}`];
  if (o.firstRowAsHeader) opts.push('HEADER');
  if (o.quoteAllText) opts.push('FORCE_QUOTE *');
  return opts.join(', ');
}

/**
 * pg-copy-streams emits 'error' on a COPY stream when its connection dies, even after the stream was
 * destroyed or its consumer (pipeline, for await) has already seen the failure; without a listener that
 * second emit would crash the process. Consumers still see the first error through their own listeners.
 */
function quiet<T extends NodeJS.EventEmitter>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

function columnsOf(fields: Array<{ name: string; dataTypeID: number; dataTypeModifier?: number }>): Column[] {
  return fields.map((f) => {
    const [type, nativeType] = OID_TYPES[f.dataTypeID] ?? (['string', `oid ${f.dataTypeID}`] as [LogicalType, string]);
    // numeric(p,s) carries (p << 16 | s) + 4 as its type modifier; plain numeric has none (-1)
    const mod = f.dataTypeID === 1700 && (f.dataTypeModifier ?? -1) >= 4 ? f.dataTypeModifier! - 4 : undefined;
    return mod === undefined ? { name: f.name, type, nativeType } : { name: f.name, type, nativeType: `numeric(${mod >> 16},${mod & 0xffff})`, precision: mod >> 16, scale: mod & 0xffff };
  });
}

export class PostgresConnector implements TableConnector {
  readonly kind = 'table' as const;
  readonly linkedService: string;
  private readonly config: pg.ClientConfig;
  private readonly open = new Set<pg.Client>();
  /** stages of a sink's target made before this are a killed run's leftovers (postgresStage.ts) */
  private readonly started = Date.now();

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.config = postgresConfig(ls);
  }

  /** A new session (one per partition), with our session settings. */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    // A connection that dies between queries emits 'error' on the client; the query in flight fails on its own.
    client.on('error', () => undefined);
    this.open.add(client);
    client.once('end', () => this.open.delete(client));
    try {
      await client.connect();
      await client.query(SESSION);
    } catch (e) {
      this.release(client, true);
      throw e;
    }
    return client;
  }

  /** Ends a session; a broken one (mid-COPY) is cut at the socket so PostgreSQL rolls its statement back. */
  release(client: pg.Client, broken = false): void {
    this.open.delete(client);
    if (broken) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    client.end().catch(() => undefined);
  }

  private withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return withSession(() => this.connect(), (c, broken) => this.release(c, broken), fn);
  }

  async test(): Promise<void> {
    await this.withClient((c) => c.query('SELECT 1'));
  }

  async close(): Promise<void> {
    for (const c of [...this.open]) this.release(c, true);
  }

  describe(source: TableSource): Promise<Column[]> {
    return this.withClient(async (c) => columnsOf((await c.query(`SELECT * FROM (${sourceSql(source)}) AS dmgw_q LIMIT 0`)).fields));
  }

  async bounds(source: TableSource, column: string): Promise<Bounds> {
    const cols = await this.describe(source);
    const col = partitionColumn(cols, column);
    const q = quoteIdent(col.name);
    const r = await this.withClient((c) => c.query<{ min: string | null; max: string | null }>(`SELECT min(${q})::text AS min, max(${q})::text AS max FROM (${sourceSql(source)}) AS dmgw_q`));
    return { type: col.type, min: r.rows[0]!.min, max: r.rows[0]!.max };
  }

  /** PhysicalPartitionsOfTable: one slice per leaf partition (postgresPartitions.ts); undefined for a plain table. */
  async physicalPartitions(source: TableSource): Promise<PgPartitionSlice[] | undefined> {
    if (!source.table) throw new DmgwError('PARTITION_OPTION', 'PhysicalPartitionsOfTable needs a table source, not a query', { field: 'source.partitionOption' }, 'set the dataset table, or use DynamicRange with a query');
    const columns = (await this.describe(source)).map((c) => c.name);
    return this.withClient((c) => partitionSlices(c, source.table!, qualified(source.table!), columns));
  }

  async estimateRows(source: TableSource): Promise<number | undefined> {
    const t = source.table;
    if (!t) return undefined;
    // a partitioned table's own reltuples is -1: add up its leaves' (a plain table is its own only leaf)
    const sql = 'SELECT CASE WHEN bool_and(c.reltuples < 0) THEN -1 ELSE sum(greatest(c.reltuples, 0)) END::bigint AS n FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf';
    return rowEstimate(async () => (await this.withClient((c) => c.query<{ n: string }>(sql, [qualified(t)]))).rows[0]?.n);
  }

  async *readRows(source: TableSource, range: RangePartition | undefined, signal: AbortSignal): AsyncIterable<RowBatch> {
    const client = await this.connect();
    let broken = true;
    try {
      const columns = columnsOf((await client.query(`SELECT * FROM (${rangeSql(sourceSql(source), range)}) AS dmgw_q LIMIT 0`)).fields);
      const stream = quiet(client.query(copyTo(`COPY (${rangeSql(sourceSql(source), range)}) TO STDOUT`)));
      const onAbort = () => stream.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      const parser = new PgTextParser();
      const decoder = new StringDecoder('utf8');
      let rows: Row[] = [];
      let chars = 0;
      try {
        for await (const chunk of stream) {
          decodeInPieces(decoder, chunk as Buffer, (t) => {
            chars += t.length;
            parser.push(t, rows);
          });
          if (rows.length >= BATCH_ROWS || chars >= BATCH_CHARS) {
            yield { columns, rows };
            rows = [];
            chars = 0;
          }
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      parser.push(decoder.end(), rows);
      parser.end(rows);
      if (rows.length) yield { columns, rows };
      broken = false;
    } finally {
      this.release(client, broken);
    }
  }

  async readBytes(source: TableSource, range: RangePartition | undefined, form: ByteForm, signal: AbortSignal): Promise<ByteRead | undefined> {
    const options = form.kind === 'csv' ? copyCsvOptions(form.options) : '';
    if (options === undefined) return undefined;
    const client = await this.connect();
    const stream = quiet(client.query(copyTo(`COPY (${rangeSql(sourceSql(source), range)}) TO STDOUT${options ? ` WITH (${options})` : ''}`)));
    const onAbort = () => stream.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    let done = false;
    stream.once('end', () => {
      done = true;
      signal.removeEventListener('abort', onAbort);
      this.release(client);
    });
    stream.once('close', () => {
      if (!done) this.release(client, true);
    });
    return { stream, rowCount: () => stream.rowCount };
  }

  loadsBytes(form: ByteForm): boolean {
    return form.kind === 'pgtext' || copyCsvOptions(form.options) !== undefined;
  }

  async openSink(target: TableName, columns: string[]): Promise<TableSink> {
    const all = await this.withClient(async (c) => {
      try {
        return columnsOf((await c.query(`SELECT * FROM ${qualified(target)} LIMIT 0`)).fields);
      } catch (e) {
        throw new DmgwError('SINK_TABLE', `cannot read the sink table ${qualified(target)}: ${(e as Error).message}`, { field: 'outputs[0]' }, 'create the table first, or fix the dataset schema/table');
      }
    });
    const loaded = columns.map((n) => {
      const col = all.find((c) => c.name === n) ?? all.find((c) => c.name.toLowerCase() === n.toLowerCase());
      if (!col) throw new DmgwError('SINK_COLUMN', `column "${n}" does not exist in the sink table ${qualified(target)} (it has ${all.map((c) => c.name).join(', ')})`, { field: 'translator' }, 'map the column with a TabularTranslator, or add it to the table');
      return col;
    });
    const colList = loaded.map((c) => quoteIdent(c.name)).join(', ');
    // the stage's own session holds its lock until the stage is dropped (postgresStage.ts)
    const guard = await this.connect();
    try {
      const schema = await targetSchema(guard, target);
      const removedStale = await dropStaleStages(guard, schema, target.table, this.started);
      const stage = await createStage(guard, schema, target.table, colList);
      return new PostgresTableSink(this, target, stage, loaded, colList, guard, removedStale);
    } catch (e) {
      this.release(guard, true);
      throw e;
    }
  }
}

class PostgresTableSink implements TableSink {
  private dropped = false;

  constructor(
    private readonly pgc: PostgresConnector,
    private readonly target: TableName,
    private readonly stage: TableName,
    readonly columns: Column[],
    private readonly colList: string,
    private readonly guard: pg.Client,
    readonly removedStale: string[],
  ) {}

  private async copyIn(options: string, feed: (stream: import('node:stream').Writable) => Promise<void>, signal: AbortSignal): Promise<number> {
    const client = await this.pgc.connect();
    let broken = true;
    try {
      const stream = quiet(client.query(copyFrom(`COPY ${qualified(this.stage)} (${this.colList}) FROM STDIN${options ? ` WITH (${options})` : ''}`)));
      const onAbort = () => stream.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await feed(stream);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      broken = false;
      return stream.rowCount;
    } finally {
      // a half-fed COPY is dropped with its connection: PostgreSQL rolls the statement back
      this.pgc.release(client, broken);
    }
  }

  loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    return this.copyIn('', async (stream) => {
      await pipeline(async function* () {
        const text = new ChunkedFormatter(formatPgText);
        for await (const batch of rows) for (const t of text.pieces(batch)) yield Buffer.from(t, 'utf8');
      }, stream);
    }, signal);
  }

  loadBytes(bytes: import('node:stream').Readable, form: ByteForm, signal: AbortSignal): Promise<number> | undefined {
    const options = form.kind === 'csv' ? copyCsvOptions(form.options) : '';
    if (options === undefined) return undefined;
    return this.copyIn(options, (stream) => pipeline(bytes, stream), signal);
  }

  async *readBack(signal: AbortSignal): AsyncIterable<RowBatch> {
    yield* this.pgc.readRows({ query: `SELECT ${this.colList} FROM ${qualified(this.stage)}` }, undefined, signal);
  }

  async commit(preCopyScript?: string, writer?: WriterProcedure): Promise<number> {
    const client = await this.pgc.connect();
    let broken = true;
    try {
      await client.query('BEGIN');
      if (preCopyScript?.trim()) await client.query(preCopyScript);
      const n = writer ? await callPostgresWriter(client, qualified(this.stage), writer) : (await client.query(`INSERT INTO ${qualified(this.target)} (${this.colList}) SELECT ${this.colList} FROM ${qualified(this.stage)}`)).rowCount;
      await client.query('COMMIT');
      broken = false;
      return n ?? 0;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.pgc.release(client, broken);
      await this.abort();
    }
  }

  async abort(): Promise<void> {
    if (this.dropped) return;
    try {
      await this.guard.query(`DROP TABLE IF EXISTS ${qualified(this.stage)}`);
      this.dropped = true;
    } finally {
      // ending the session releases the stage's lock; a stage we could not drop is left to the next run
      this.pgc.release(this.guard, !this.dropped);
    }
  }
}
