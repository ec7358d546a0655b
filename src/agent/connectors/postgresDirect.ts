/**
 * A PostgreSQL table sink without a stage: the copy's one partition is COPY'd straight into the target inside one
 * transaction on a session of its own, committed with the copy's marker (copy/commitMark.ts). Nothing is visible
 * before COMMIT, and a failure, a cancel, a killed worker or a lost session rolls it all back (PostgreSQL ends a
 * session's open transaction with it): the staged sink's guarantees, with the rows written once instead of twice
 * (COPY into the UNLOGGED stage, then INSERT … SELECT into the target). A partition's retry starts a new transaction.
 * The engine asks for it only where a stage buys nothing: one partition, no resume parts, no consistency check (it
 * reads the stage back), no writer procedure or upsert (they read the stage), no preCopyScript (its locks — a
 * TRUNCATE's — would be held for the whole load instead of the commit).
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DmgwError } from '../../common/errors.js';
import type { CommitMark } from '../copy/commitMark.js';
import type { Column, Row, RowBatch } from '../copy/rows.js';
import type { ByteForm, TableName, TableSink } from './connector.js';
import { copyCsvOptions, copyRows, qualified, quiet } from './postgresText.js';
import { ensurePgCommitLog, writePgMark } from './postgresCommitLog.js';

/** The connector's sessions (postgres.ts) */
interface Sessions {
  connect(): Promise<pg.Client>;
  release(client: pg.Client, broken?: boolean): void;
  withSession<T>(fn: (c: pg.Client) => Promise<T>): Promise<T>;
}

export class PostgresDirectSink implements TableSink {
  /** the session holding the transaction (undefined before the first load and after a failed one) */
  private session: pg.Client | undefined;
  /** a load ran in the open transaction: the next one is a retry and starts over */
  private loaded = false;
  private rows = 0;
  readonly direct = true;

  constructor(
    private readonly pgc: Sessions,
    private readonly target: TableName,
    /** the schema the target resolved to (the commit log's) */
    private readonly schema: string,
    readonly columns: Column[],
    private readonly colList: string,
    readonly removedStale: string[],
  ) {}

  private async begin(): Promise<pg.Client> {
    if (this.session && !this.loaded) return this.session;
    await this.end(true);
    const s = await this.pgc.connect();
    this.session = s;
    try {
      await s.query('BEGIN');
    } catch (e) {
      await this.end(true);
      throw e;
    }
    this.loaded = false;
    this.rows = 0;
    return s;
  }

  private async copyIn(options: string, feed: (stream: Writable) => Promise<void>, signal: AbortSignal): Promise<number> {
    const s = await this.begin();
    this.loaded = true;
    const stream = quiet(s.query(copyFrom(`COPY ${qualified(this.target)} (${this.colList}) FROM STDIN${options ? ` WITH (${options})` : ''}`)));
    const onAbort = () => stream.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await feed(stream);
    } catch (e) {
      // a half-fed COPY: the session goes, and its transaction with it
      await this.end(true);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    this.rows = stream.rowCount;
    return this.rows;
  }

  loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    return this.copyIn('', copyRows(rows), signal);
  }

  loadBytes(bytes: Readable, form: ByteForm, signal: AbortSignal): Promise<number> | undefined {
    const options = form.kind === 'csv' ? copyCsvOptions(form.options) : '';
    if (options === undefined) return undefined;
    return this.copyIn(options, (stream) => pipeline(bytes, stream), signal);
  }

  // eslint-disable-next-line require-yield -- never read: the engine checks consistency on a staged sink only
  async *readBack(): AsyncIterable<RowBatch> {
    throw new DmgwError('INTERNAL', 'a direct PostgreSQL sink has no stage to read back', {}, 'report this as a bug');
  }

  async commit(preCopyScript?: string, writer?: unknown, upsert?: unknown, mark?: CommitMark): Promise<number> {
    if (preCopyScript?.trim() || writer || upsert) throw new DmgwError('INTERNAL', 'a direct PostgreSQL sink takes no preCopyScript, writer or upsert', {}, 'report this as a bug');
    // the log table exists before the transaction that writes into it (made once per schema, on its own session)
    if (mark) await this.pgc.withSession((c) => ensurePgCommitLog(c, this.schema));
    const s = this.session && this.loaded ? this.session : await this.begin();
    try {
      if (mark) await writePgMark(s, this.schema, mark, this.rows);
      await s.query('COMMIT');
      await this.end(false);
      return this.rows;
    } catch (e) {
      await this.end(true);
      throw e;
    }
  }

  async abort(): Promise<void> {
    await this.end(true);
  }

  /** Ends the session: `rollBack` first (a release as broken closes it, which rolls back too). */
  private async end(rollBack: boolean): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    if (rollBack) {
      const ok = await s.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      this.pgc.release(s, !ok);
    } else this.pgc.release(s);
  }
}
