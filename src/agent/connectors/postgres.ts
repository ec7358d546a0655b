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
import { isTransient } from '../copy/retry.js';
import type { LinkedService } from '../../common/model/types.js';
import { BATCH_CHARS, BATCH_ROWS, type Column, type LogicalType, type Row, type RowBatch } from '../copy/rows.js';
import { decodeInPieces } from '../formats/encoding.js';
import { PgTextParser } from '../formats/pgText.js';
import type { WriterProcedure } from '../procedures/writer.js';
import { callPostgresWriter } from './postgresWriter.js';
import { keyProblem, upsertKeys, type Upsert } from './upsert.js';
import { keyCheckSql, postgresUpsertSql } from './upsertSql.js';
import type { Bounds, ByteForm, ByteRead, PartStore, RangePartition, SinkOptions, TableConnector, TableEntry, TableName, TableSink, TableSource } from './connector.js';
import { SCHEMAS_SQL, tableEntries, tablesSql, userSchemas } from './catalogSql.js';
import { isPartitionSlice, partitionSlices, type PgPartitionSlice } from './postgresPartitions.js';
import { postgresConfig } from '../../common/stores/postgresSettings.js';
import { describeThing, type StagedThing } from '../../common/staging.js';
import { createStage, dropLeftoverStage, dropStaleParts, dropStaleStages, stageName, targetSchema, targetTag } from './postgresStage.js';
import { isPartName, PART_MAX_AGE_MS } from './resumeParts.js';
import { staged } from './stagingJournal.js';
import { ensurePgCommitLog, findPgMark, writePgMark } from './postgresCommitLog.js';
import type { CommitMark, CommitRecord } from '../copy/commitMark.js';
import { rowEstimate, withSession } from './sqlSession.js';
import { partitionColumn, rangeQuery, sourceQuery, type SqlDialect } from './sqlText.js';
import { copyCsvOptions, copyRows, qualified, quiet, quoteIdent, quoteLiteral } from './postgresText.js';
import { PostgresDirectSink } from './postgresDirect.js';

export { copyCsvOptions, qualified, quoteIdent, quoteLiteral } from './postgresText.js';

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

  constructor(private readonly ls: LinkedService) {
    this.linkedService = ls.name;
    this.config = postgresConfig(ls);
  }

  async removeLeftover(thing: StagedThing): Promise<string | undefined> {
    if (thing.kind === 'resume-part') {
      // kept for resume until its job ended for good (common/staging.ts); only a name of a part's form is dropped
      const there = await this.withClient(async (c) => (await c.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [await targetSchema(c, { schema: thing.schema, table: thing.table }), thing.part])).rowCount);
      await this.dropParts({ schema: thing.schema, table: thing.table }, [thing.part]);
      // announced at plan time, a part of a partition not yet reached was never made
      return there ? describeThing(thing) : undefined;
    }
    if (thing.kind !== 'table-stage') return undefined;
    return this.withClient(async (c) => ((await dropLeftoverStage(c, thing.schema, thing.table)) ? describeThing(thing) : undefined));
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

  /** `fn` on a pooled session of its own */
  withSession<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return this.withClient(fn);
  }

  private withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return withSession(() => this.connect(), (c, broken) => this.release(c, broken), fn);
  }

  async test(): Promise<void> {
    await this.withClient((c) => c.query('SELECT 1'));
  }

  async schemas(): Promise<string[]> {
    return userSchemas((await this.withClient((c) => c.query({ text: SCHEMAS_SQL, rowMode: 'array' }))).rows.map((r: unknown[]) => r[0]));
  }

  async tables(schema: string): Promise<TableEntry[]> {
    return tableEntries((await this.withClient((c) => c.query({ text: tablesSql('$1'), values: [schema], rowMode: 'array' }))).rows);
  }

  /** One statement (or several, without parameters) on a session of its own. */
  run(sql: string): Promise<pg.QueryResult> {
    return this.withClient((c) => c.query(sql));
  }

  /** The commit marker of `key` beside `target` (copy/commitMark.ts), or undefined. */
  committedCopy(target: TableName, key: string): Promise<CommitRecord | undefined> {
    return this.withClient(async (c) => findPgMark(c, await targetSchema(c, target), key));
  }

  async dropParts(target: TableName, names: string[]): Promise<void> {
    const schema = await this.withClient((c) => targetSchema(c, target));
    for (const name of names) {
      if (!isPartName(name)) throw new Error(`"${name}" is not the name of a dmgw resume part`);
      await this.run(`DROP TABLE IF EXISTS ${qualified({ schema, table: name })}`);
    }
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

  async openSink(target: TableName, columns: string[], how: SinkOptions = {}): Promise<TableSink> {
    const all = await this.withClient(async (c) => {
      try {
        return columnsOf((await c.query(`SELECT * FROM ${qualified(target)} LIMIT 0`)).fields);
      } catch (e) {
        // a connection lost while reading the columns: the partition's retry opens the sink again
        if (isTransient(e)) throw e;
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
      const removedStale = [...(await dropStaleStages(guard, schema, target.table, this.started)), ...(await dropStaleParts(guard, schema, target.table, this.started - PART_MAX_AGE_MS))];
      if (how.direct) {
        this.release(guard);
        return new PostgresDirectSink(this, target, schema, loaded, colList, removedStale);
      }
      const now = Date.now();
      const name = stageName(targetTag(schema, target.table), now);
      // the host hears of it before it exists: a worker killed from here on leaves it to the host's cleanup
      const gone = staged(this.ls, { kind: 'table-stage', schema, table: name });
      const stage = await createStage(guard, schema, target.table, colList, now, name);
      return new PostgresTableSink(this, target, stage, loaded, all, colList, guard, removedStale, gone);
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
    /** every column of the target (for the upsert keys' messages) */
    private readonly all: Column[],
    private readonly colList: string,
    private readonly guard: pg.Client,
    readonly removedStale: string[],
    /** tells the host's staging journal the stage is gone */
    private readonly gone: () => void,
  ) {}

  private async copyIn(table: TableName, options: string, feed: (stream: import('node:stream').Writable) => Promise<void>, signal: AbortSignal): Promise<number> {
    const client = await this.pgc.connect();
    let broken = true;
    try {
      const stream = quiet(client.query(copyFrom(`COPY ${qualified(table)} (${this.colList}) FROM STDIN${options ? ` WITH (${options})` : ''}`)));
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

  loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal, into: TableName = this.stage): Promise<number> {
    return this.copyIn(into, '', copyRows(rows), signal);
  }

  loadBytes(bytes: import('node:stream').Readable, form: ByteForm, signal: AbortSignal, into: TableName = this.stage): Promise<number> | undefined {
    const options = form.kind === 'csv' ? copyCsvOptions(form.options) : '';
    if (options === undefined) return undefined;
    return this.copyIn(into, options, (stream) => pipeline(bytes, stream), signal);
  }

  /**
   * Resume parts (copy/resume.ts): UNLOGGED tables beside the stage, each loaded by one COPY, moved into the stage at
   * the end. A server crash empties an UNLOGGED table: the journal's row count then differs and the part is loaded again.
   */
  get parts(): PartStore {
    return (this.partStore ??= this.makeParts());
  }

  private partStore?: PartStore;

  private makeParts(): PartStore {
    return {
      tag: targetTag(this.stage.schema!, this.target.table),
      open: async (name) => {
        const part = { schema: this.stage.schema, table: name };
        await this.pgc.run(`DROP TABLE IF EXISTS ${qualified(part)}; CREATE UNLOGGED TABLE ${qualified(part)} AS SELECT ${this.colList} FROM ${qualified(this.target)} WITH NO DATA`);
        return { loadRows: (rows, signal) => this.loadRows(rows, signal, part), loadBytes: (bytes, form, signal) => this.loadBytes(bytes, form, signal, part) };
      },
      rows: async (name) => {
        const part = qualified({ schema: this.stage.schema, table: name });
        const there = await this.pgc.run(`SELECT to_regclass(${quoteLiteral(part)}) IS NOT NULL AS there`);
        if (!(there.rows[0] as { there: boolean }).there) return undefined;
        return Number((await this.pgc.run(`SELECT count(*)::text AS n FROM ${part}`)).rows[0]!.n);
      },
      // on a session of its own, whole or not at all, so the copy can try it again: the guard session may be the one a
      // network fault cut (it only holds the stage's advisory lock), and a retry must not add a part twice
      adopt: (names) =>
        this.pgc.run(
          ['BEGIN', `DELETE FROM ${qualified(this.stage)}`, ...names.map((name) => `INSERT INTO ${qualified(this.stage)} (${this.colList}) SELECT ${this.colList} FROM ${qualified({ schema: this.stage.schema, table: name })}`), 'COMMIT'].join('; '),
        ).then(() => undefined),
      drop: (names) => this.pgc.dropParts({ schema: this.stage.schema, table: this.target.table }, names),
    };
  }

  async *readBack(signal: AbortSignal): AsyncIterable<RowBatch> {
    yield* this.pgc.readRows({ query: `SELECT ${this.colList} FROM ${qualified(this.stage)}` }, undefined, signal);
  }

  async commit(preCopyScript?: string, writer?: WriterProcedure, upsert?: Upsert, mark?: CommitMark): Promise<number> {
    const keys = upsert ? upsertKeys(upsert, this.columns, this.all, qualified(this.target)) : undefined;
    const client = await this.pgc.connect();
    let broken = true;
    try {
      if (mark) await ensurePgCommitLog(client, this.stage.schema!);
      await client.query('BEGIN');
      if (preCopyScript?.trim()) await client.query(preCopyScript);
      const n = writer
        ? await callPostgresWriter(client, qualified(this.stage), writer)
        : keys
          ? await this.upsert(client, keys)
          : (await client.query(`INSERT INTO ${qualified(this.target)} (${this.colList}) SELECT ${this.colList} FROM ${qualified(this.stage)}`)).rowCount;
      // the stage goes with the rows, in the same transaction: a worker killed or a guard session lost after the
      // COMMIT leaves no stage behind, and a DROP failing after it cannot fail (and so retry) a committed copy
      await client.query(`DROP TABLE ${qualified(this.stage)}`);
      // the marker commits with the rows or not at all: a new attempt of this copy finds it and does not copy again
      if (mark) await writePgMark(client, this.stage.schema!, mark, n ?? 0);
      await client.query('COMMIT');
      broken = false;
      this.dropped = true;
      this.gone();
      return n ?? 0;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.pgc.release(client, broken);
      // committed: ending the guard session releases the stage's advisory lock; else the stage is dropped now
      if (this.dropped) this.pgc.release(this.guard);
      else await this.abort();
    }
  }

  /** Merges the stage into the target by `keys` (upsertSql.ts), in the caller's transaction; returns the rows merged. */
  private async upsert(client: pg.Client, keys: Column[]): Promise<number> {
    const u = { quoteIdent, target: qualified(this.target), stage: qualified(this.stage), cols: this.columns.map((c) => c.name), keys: keys.map((k) => k.name) };
    const [nulls, twice] = keyCheckSql(u, u.stage, 'limit');
    for (const [kind, sql] of [['null', nulls], ['duplicate', twice]] as const) {
      const r = await client.query({ text: sql, rowMode: 'array' });
      if (r.rows.length) throw keyProblem(kind, keys, (r.rows[0] as unknown[]).map((v) => (v === null ? null : String(v))), u.target);
    }
    for (const sql of postgresUpsertSql(u)) await client.query(sql);
    const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${u.stage}`);
    return Number(r.rows[0]?.n ?? 0);
  }

  async abort(): Promise<void> {
    if (this.dropped) return;
    try {
      await this.guard.query(`DROP TABLE IF EXISTS ${qualified(this.stage)}`);
      this.dropped = true;
      this.gone();
    } finally {
      // ending the session releases the stage's lock; a stage we could not drop is left to the next run
      this.pgc.release(this.guard, !this.dropped);
    }
  }
}
