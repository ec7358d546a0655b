/**
 * The MySQL / MariaDB table sink (one load into an InnoDB target with nothing that needs a stage goes straight into
 * it in one transaction instead: `SinkOptions.direct`, MySqlTableSink below): a staging table beside the target (`CREATE TABLE ... SELECT ... LIMIT 0`,
 * InnoDB so a statement can be rolled back), loaded per partition with `LOAD DATA LOCAL INFILE` fed from a
 * stream (mysql2's infileStreamFactory), then moved into the target in ONE transaction (after the
 * preCopyScript). Each partition's load runs in its own transaction that commits only when the whole feed
 * went through and the server reported no warning: LOAD DATA LOCAL turns conversion errors into warnings, and
 * mysql2 ends a load whose stream failed as if the file had ended, so neither may commit.
 * A server that refuses LOCAL INFILE (local_infile=OFF) gets batched multi-row INSERTs instead.
 * Leftovers of a killed worker, as for PostgreSQL (postgresStage.ts):
 * - The stage is on the host's staging journal (common/staging.ts) from before its CREATE until it is dropped: a worker
 *   killed in between leaves it to its host's cleanup (`dropLeftoverMySqlStage`). Its resume parts are on it too, but
 *   kept for the job's next attempt (copy/resume.ts).
 * - Name `dmgw_stage_<target>_<created>_<random>` (<target>: 8 hex digits of the SHA-256 of `database.table`,
 *   <created>: ms, base 36), and a session of the sink's own holds the named lock `GET_LOCK(<stage name>)` from before
 *   the CREATE until the stage is dropped: the server releases it with a killed worker's connection. Opening a sink
 *   drops the stages of its target created before its run started whose lock is free (a stage left where no host
 *   cleaned up: `dmgw run` or the host itself killed); a locked one belongs to a live run and is left alone.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Connection } from 'mysql2';
import { DmgwError } from '../../common/errors.js';
import type { StagedThing } from '../../common/staging.js';
import { isTransient } from '../copy/retry.js';
import type { Row, RowBatch } from '../copy/rows.js';
import { formatPgText } from '../formats/pgText.js';
import type { PartStore, SinkOptions, TableName, TableSink, TableSource } from './connector.js';
import { isPartName, PART_MAX_AGE_MS, partCreated, partTag } from './resumeParts.js';
import type { WriterProcedure } from '../procedures/writer.js';
import { run, type QueryResult } from './mysqlQuery.js';
import { callMySqlWriter } from './mysqlWriter.js';
import { ensureMySqlCommitLog, writeMySqlMark } from './mysqlCommitLog.js';
import type { CommitMark } from '../copy/commitMark.js';
import { keyProblem, upsertKeys, type Upsert } from './upsert.js';
import { keyCheckSql, mysqlUpsertSql } from './upsertSql.js';
import { bare, qualified, quoteIdent, quoteLiteral } from './mysqlSql.js';
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
  /** tells the host's staging journal (before it exists); returns "it is gone" */
  announce(thing: StagedThing): () => void;
}

/** the stage names of this and of earlier versions (12 random hex digits: no target, no age) */
const STAGE = /^dmgw_stage_(?:[0-9a-f]{12}|[0-9a-f]{8}_[0-9a-z]+_[0-9a-f]{6})$/;
const stageName = (tag: string, created: number): string => `dmgw_stage_${tag}_${created.toString(36)}_${randomBytes(3).toString('hex')}`;
const stageCreated = (name: string, tag: string): number | undefined => {
  const m = /^dmgw_stage_([0-9a-f]{8})_([0-9a-z]+)_[0-9a-f]{6}$/.exec(name);
  return m && m[1] === tag ? parseInt(m[2]!, 36) : undefined;
};

/** Drops the stages of `schema.table` made before `before` (ms) whose lock no session holds; returns their names. */
async function dropStaleStages(guard: Connection, schema: string, table: string, before: number): Promise<string[]> {
  const tag = partTag(schema, table);
  const r = await run(guard, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?', [schema, `dmgw\\_stage\\_${tag}\\_%`]);
  const dropped: string[] = [];
  for (const [name] of r.rows as Array<[string]>) {
    const created = stageCreated(name, tag);
    if (created === undefined || created >= before) continue;
    if (Number((await run(guard, 'SELECT GET_LOCK(?, 0)', [name])).rows[0]?.[0]) !== 1) continue;
    try {
      await run(guard, `DROP TABLE IF EXISTS ${qualified({ schema, table: name })}`);
      dropped.push(`${schema}.${name}`);
    } finally {
      await run(guard, 'SELECT RELEASE_LOCK(?)', [name]);
    }
  }
  return dropped;
}
/** ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK */
const LOCKED = new Set([1205, 1213]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drops stage `schema.name` that a killed worker left (its staging journal named it); true when it was there. The
 * server ends a killed client's session when it next reads from it — at once in a LOAD DATA, only when the statement
 * ends in an INSERT … SELECT — and until then that statement's metadata lock holds the DROP: it is tried again, each
 * try waiting 1 s for the lock, until `waitMs` has passed.
 */
export async function dropLeftoverMySqlStage(c: Connection, schema: string, name: string, waitMs = 20_000): Promise<boolean> {
  if (!STAGE.test(name)) throw new Error(`"${name}" is not the name of a dmgw staging table`);
  const deadline = Date.now() + waitMs;
  await run(c, 'SET SESSION lock_wait_timeout = 1');
  for (;;) {
    const there = await run(c, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?", [schema, name]);
    if (!Number(there.rows[0]?.[0])) return false;
    try {
      await run(c, `DROP TABLE IF EXISTS ${qualified({ schema: schema || undefined, table: name })}`);
      return true;
    } catch (e) {
      if (!LOCKED.has((e as { errno?: number }).errno ?? 0) || Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

/** Drops resume parts of `target` (copy/resume.ts); only names of that form. */
export async function dropMySqlParts(my: MySqlSessions, target: TableName, names: string[]): Promise<void> {
  for (const name of names) {
    if (!isPartName(name)) throw new Error(`"${name}" is not the name of a dmgw resume part`);
    await my.withConnection((c) => run(c, `DROP TABLE IF EXISTS ${qualified({ schema: target.schema, table: name })}`));
  }
}

/** Drops the parts of `target` made more than a day ago (a run that did not come back); returns their names. */
async function dropStaleParts(my: MySqlSessions, target: TableName): Promise<string[]> {
  const tag = partTag(target.schema ?? '', target.table);
  const r = await my.withConnection((c) => run(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME LIKE ?", [target.schema?.replace(/`/g, '') ?? null, `dmgw\\_part\\_${tag}\\_%`]));
  const old = (r.rows as Array<[string]>).map(([n]) => n).filter((n) => (partCreated(n, tag) ?? Infinity) < Date.now() - PART_MAX_AGE_MS);
  await dropMySqlParts(my, target, old);
  return old;
}

/** `started`: when the run began (ms): stages of the target made before it whose lock is free are leftovers. */
export async function openMySqlSink(my: MySqlSessions, target: TableName, names: string[], started = Date.now(), how: SinkOptions = {}): Promise<TableSink> {
  let all: MySqlColumn[];
  try {
    all = my.columnsOf((await my.withConnection((c) => run(c, `SELECT * FROM ${qualified(target)} LIMIT 0`))).fields);
  } catch (e) {
    // a connection lost while reading the columns: the partition's retry opens the sink again
    if (isTransient(e)) throw e;
    throw new DmgwError('SINK_TABLE', `cannot read the sink table ${qualified(target)}: ${(e as Error).message}`, { field: 'outputs[0]' }, 'create the table first, or fix the dataset tableName');
  }
  const loaded = names.map((n) => {
    const col = all.find((c) => c.name === n) ?? all.find((c) => c.name.toLowerCase() === n.toLowerCase());
    if (!col) throw new DmgwError('SINK_COLUMN', `column "${n}" does not exist in the sink table ${qualified(target)} (it has ${all.map((c) => c.name).join(', ')})`, { field: 'translator' }, 'map the column with a TabularTranslator, or add it to the table');
    return col;
  });
  const colList = loaded.map((c) => quoteIdent(c.name)).join(', ');
  // the stage's own session holds its lock until the stage is dropped
  const guard = await my.connect();
  try {
    // idle for the whole copy: a server's wait_timeout (8 h by default, less on some hosted servers) must not end it
    await run(guard, 'SET SESSION wait_timeout = 31536000');
    // the journal and the name say the stage's database: a target without one is in the connection's
    const schema = target.schema ? bare(target.schema) : String((await run(guard, 'SELECT DATABASE()')).rows[0]?.[0] ?? '');
    const removedStale = [...(await dropStaleParts(my, target)), ...(await dropStaleStages(guard, schema, bare(target.table), started))];
    // straight into the target in one transaction (connector.ts#SinkOptions) — only where a ROLLBACK undoes it: InnoDB
    if (how.direct && (await engineOf(guard, schema, bare(target.table))) === 'innodb') {
      my.release(guard);
      return new MySqlTableSink(my, target, target, loaded, all, colList, removedStale, () => undefined, undefined);
    }
    const stage: TableName = { schema: schema || undefined, table: stageName(partTag(schema, bare(target.table)), Date.now()) };
    if (Number((await run(guard, 'SELECT GET_LOCK(?, 0)', [stage.table])).rows[0]?.[0]) !== 1) throw new Error(`the lock of the new stage ${stage.table} is taken`);
    // the host hears of it before it exists: a worker killed from here on leaves it to the host's cleanup
    const gone = my.announce({ kind: 'table-stage', schema, table: stage.table });
    try {
      await run(guard, `CREATE TABLE ${qualified(stage)} ENGINE=InnoDB AS SELECT ${colList} FROM ${qualified(target)} LIMIT 0`);
    } catch (e) {
      // a CREATE whose answer was lost may have made it: it stays on the journal unless it is surely gone
      await my.withConnection((c) => run(c, `DROP TABLE IF EXISTS ${qualified(stage)}`)).then(gone, () => undefined);
      throw e;
    }
    return new MySqlTableSink(my, target, stage, loaded, all, colList, removedStale, gone, guard);
  } catch (e) {
    // ending the session releases the lock
    my.release(guard, true);
    throw e;
  }
}

/** The storage engine of `schema.table`, lower case ('' when unknown). */
async function engineOf(c: Connection, schema: string, table: string): Promise<string> {
  const r = await run(c, 'SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [schema, table]);
  return String(r.rows[0]?.[0] ?? '').toLowerCase();
}

/**
 * The sink. Staged (a guard session holding the stage's lock): each load commits into the stage, `commit` moves the
 * stage into the target. Direct (no guard; `stage` is the target itself): the one load runs in a transaction held on a
 * session of its own (a retry rolls it back and starts again) and `commit` writes the marker and commits it — the
 * rows written once, with the stage's guarantees (postgresDirect.ts says the same for PostgreSQL).
 */
class MySqlTableSink implements TableSink {
  private dropped = false;
  readonly direct: boolean;
  /** direct: the session holding the load's transaction, whether a load ran in it, and its rows */
  private txn: Connection | undefined;
  private loadedInTxn = false;
  private txnRows = 0;
  private useInsert = false;
  private readonly convert: Array<((v: string) => string) | undefined>;

  constructor(
    private readonly my: MySqlSessions,
    private readonly target: TableName,
    private readonly stage: TableName,
    readonly columns: MySqlColumn[],
    /** every column of the target (for the upsert keys' messages) */
    private readonly all: MySqlColumn[],
    private readonly colList: string,
    readonly removedStale: string[],
    /** tells the host's staging journal the stage is gone */
    private readonly gone: () => void,
    /** holds the stage's lock until it is dropped; none: direct */
    private readonly guard: Connection | undefined,
  ) {
    this.convert = columns.map((c) => loadConverter(c.type));
    this.direct = !guard;
  }

  private async loadDirect(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    // a second load is a retry of the partition: what the first one loaded goes
    if (this.loadedInTxn) await this.endTxn(true);
    if (!this.txn) {
      const c = await this.my.connect();
      this.txn = c;
      try {
        await run(c, 'START TRANSACTION');
      } catch (e) {
        await this.endTxn(true);
        throw e;
      }
    }
    this.loadedInTxn = true;
    try {
      let n: number | undefined = this.useInsert ? undefined : await this.loadData(this.txn, rows, signal, this.target);
      if (n === undefined) {
        this.useInsert = true;
        n = await this.insert(this.txn, rows, signal, this.target);
      }
      this.txnRows = n;
      return n;
    } catch (e) {
      await this.endTxn(true);
      throw e;
    }
  }

  private async commitDirect(mark?: CommitMark): Promise<number> {
    if (mark) await this.my.withConnection((c) => ensureMySqlCommitLog(c, this.target));
    if (!this.txn) {
      this.txn = await this.my.connect();
      await run(this.txn, 'START TRANSACTION');
    }
    const n = this.txnRows;
    try {
      if (mark) await writeMySqlMark(this.txn, this.target, mark, n);
      await run(this.txn, 'COMMIT');
      await this.endTxn(false);
      return n;
    } catch (e) {
      await this.endTxn(true);
      throw e;
    }
  }

  /** Ends the direct transaction's session (rolled back first when asked; a session that cannot is closed, which does). */
  private async endTxn(rollBack: boolean): Promise<void> {
    const c = this.txn;
    this.txn = undefined;
    this.loadedInTxn = false;
    this.txnRows = 0;
    if (!c) return;
    const ok = rollBack ? await run(c, 'ROLLBACK').then(() => true, () => false) : true;
    this.my.release(c, !ok);
  }

  private converted(rows: Row[]): Row[] {
    if (this.convert.every((f) => !f)) return rows;
    return rows.map((r) => r.map((v, i) => (v === null || !this.convert[i] ? v : this.convert[i]!(v))));
  }

  async loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal, into: TableName = this.stage): Promise<number> {
    if (this.direct) return this.loadDirect(rows, signal);
    const conn = await this.my.connect();
    let broken = true;
    try {
      await run(conn, 'START TRANSACTION');
      let n: number | undefined = this.useInsert ? undefined : await this.loadData(conn, rows, signal, into);
      if (n === undefined) {
        this.useInsert = true;
        n = await this.insert(conn, rows, signal, into);
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
  private async loadData(conn: Connection, rows: AsyncIterable<Row[]>, signal: AbortSignal, into: TableName): Promise<number | undefined> {
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
    const sql = `LOAD DATA LOCAL INFILE 'dmgw-feed' INTO TABLE ${qualified(into)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})${sets.length ? ` SET ${sets.join(', ')}` : ''}`;
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
  private async insert(conn: Connection, rows: AsyncIterable<Row[]>, signal: AbortSignal, into: TableName): Promise<number> {
    let n = 0;
    const lit = this.columns.map((c) => (unhex(c.type) ? (v: string) => `UNHEX(${quoteLiteral(v)})` : quoteLiteral));
    for await (const batch of rows) {
      const conv = this.converted(batch);
      for (let at = 0; at < conv.length; at += INSERT_ROWS) {
        signal.throwIfAborted();
        const values = conv.slice(at, at + INSERT_ROWS).map((r) => `(${r.map((v, i) => (v === null ? 'NULL' : lit[i]!(v))).join(', ')})`);
        const r = await run(conn, `INSERT INTO ${qualified(into)} (${this.colList}) VALUES ${values.join(', ')}`);
        if (r.warningStatus > 0) await this.failOnWarnings(conn, r.warningStatus);
        n += r.affectedRows;
      }
    }
    return n;
  }

  /** Resume parts (copy/resume.ts): InnoDB tables beside the stage, each loaded in one transaction, moved into the stage at the end. */
  get parts(): PartStore {
    return (this.partStore ??= {
      tag: partTag(this.target.schema ?? '', this.target.table),
      open: async (name) => {
        const part = { schema: this.target.schema, table: name };
        await this.my.withConnection(async (c) => {
          await run(c, `DROP TABLE IF EXISTS ${qualified(part)}`);
          await run(c, `CREATE TABLE ${qualified(part)} ENGINE=InnoDB AS SELECT ${this.colList} FROM ${qualified(this.target)} LIMIT 0`);
        });
        return { loadRows: (rows, signal) => this.loadRows(rows, signal, part) };
      },
      rows: (name) =>
        this.my.withConnection(async (c) => {
          const there = await run(c, 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?', [this.target.schema?.replace(/`/g, '') ?? null, name]);
          if (!Number(there.rows[0]?.[0])) return undefined;
          return Number((await run(c, `SELECT COUNT(*) FROM ${qualified({ schema: this.target.schema, table: name })}`)).rows[0]?.[0]);
        }),
      adopt: (names) =>
        // whole or not at all, so the copy can try it again without adding a part twice
        this.my.withConnection(async (c) => {
          await run(c, 'START TRANSACTION');
          await run(c, `DELETE FROM ${qualified(this.stage)}`);
          for (const name of names) await run(c, `INSERT INTO ${qualified(this.stage)} (${this.colList}) SELECT ${this.colList} FROM ${qualified({ schema: this.target.schema, table: name })}`);
          await run(c, 'COMMIT');
        }),
      drop: (names) => dropMySqlParts(this.my, this.target, names),
    });
  }

  private partStore?: PartStore;

  readBack(signal: AbortSignal): AsyncIterable<RowBatch> {
    return this.my.readRows({ query: `SELECT ${this.colList} FROM ${qualified(this.stage)}` }, undefined, signal);
  }

  async commit(preCopyScript?: string, writer?: WriterProcedure, upsert?: Upsert, mark?: CommitMark): Promise<number> {
    if (this.direct) {
      if (preCopyScript?.trim() || writer || upsert) throw new DmgwError('INTERNAL', 'a direct MySQL sink takes no preCopyScript, writer or upsert', {}, 'report this as a bug');
      return this.commitDirect(mark);
    }
    const keys = upsert ? upsertKeys(upsert, this.columns, this.all, qualified(this.target)) : undefined;
    const conn = await this.my.connect(true);
    let broken = true;
    try {
      if (mark) await ensureMySqlCommitLog(conn, this.target);
      await run(conn, 'START TRANSACTION');
      // DDL (TRUNCATE, CREATE) commits by itself in MariaDB: a script of DELETE/UPDATE stays all-or-nothing
      if (preCopyScript?.trim()) await run(conn, preCopyScript);
      const n = writer
        ? await callMySqlWriter(conn, this.stage, writer)
        : keys
          ? await this.upsert(conn, keys.map((k) => k.name))
          : (await run(conn, `INSERT INTO ${qualified(this.target)} (${this.colList}) SELECT ${this.colList} FROM ${qualified(this.stage)}`)).affectedRows;
      // the marker commits with the rows or not at all: a new attempt of this copy finds it and does not copy again
      if (mark) await writeMySqlMark(conn, this.target, mark, n);
      await run(conn, 'COMMIT');
      broken = false;
      return n;
    } finally {
      this.my.release(conn, broken);
      await this.abort();
    }
  }

  /** Merges the stage into the target by `keys` (upsertSql.ts), in the caller's transaction; returns the rows merged. */
  private async upsert(conn: Connection, keys: string[]): Promise<number> {
    const u = { quoteIdent, target: qualified(this.target), stage: qualified(this.stage), cols: this.columns.map((c) => c.name), keys };
    const [nulls, twice] = keyCheckSql(u, u.stage, 'limit');
    for (const [kind, sql] of [['null', nulls], ['duplicate', twice]] as const) {
      const r = await run(conn, sql);
      if (r.rows.length) throw keyProblem(kind, keys.map((name) => ({ name, type: 'string' })), r.rows[0]!.map((v) => (v === null ? null : String(v))), u.target);
    }
    for (const sql of mysqlUpsertSql(u, await this.keysArePrimary(conn, keys))) await run(conn, sql);
    return Number((await run(conn, `SELECT COUNT(*) FROM ${u.stage}`)).rows[0]?.[0] ?? 0);
  }

  /** The keys are the primary key and no other unique index exists: ON DUPLICATE KEY then matches by the keys alone. */
  private async keysArePrimary(conn: Connection, keys: string[]): Promise<boolean> {
    const r = await run(conn, 'SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0', [this.target.schema?.replace(/`/g, '') ?? null, this.target.table.replace(/`/g, '')]);
    const unique = new Map<string, string[]>();
    for (const [index, column] of r.rows as Array<[string, string]>) unique.set(index, [...(unique.get(index) ?? []), column.toLowerCase()]);
    const primary = unique.get('PRIMARY');
    return unique.size === 1 && !!primary && primary.length === keys.length && keys.every((k) => primary.includes(k.toLowerCase()));
  }

  async abort(): Promise<void> {
    if (this.direct) return this.endTxn(true);
    if (this.dropped) return;
    try {
      await this.my.withConnection((c) => run(c, `DROP TABLE IF EXISTS ${qualified(this.stage)}`));
      this.dropped = true;
      this.gone();
    } finally {
      // ending the session releases the stage's lock; a stage we could not drop is left to the host or the next run
      if (this.guard) this.my.release(this.guard, !this.dropped);
    }
  }
}
