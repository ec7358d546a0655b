/**
 * The SQL Server table sink: a staging table beside the target whose columns hold text (NVARCHAR(MAX)) or
 * bytes (VARBINARY(MAX)) — tedious would turn a decimal into a float on the way, the server does not — bulk
 * loaded (`request.bulk`, TDS INSERT BULK) per partition inside one transaction that commits only when the whole
 * partition went in. `commit` runs the preCopyScript and `INSERT … SELECT CONVERT(type, column) …` into the
 * target in ONE transaction (IDENTITY_INSERT around it when identity columns are loaded), then drops the stage.
 * The stage is on the host's staging journal (common/staging.ts) from before its CREATE until it is dropped: a worker
 * killed in between leaves it to its host's cleanup (`dropLeftoverSqlServerStage`). No SQL Server runs on the
 * development machines: this path is exercised only where DMGW_TEST_MSSQL_URL names one.
 */
import { randomBytes } from 'node:crypto';
import type sql from 'mssql';
import { DmgwError } from '../../common/errors.js';
import type { StagedThing } from '../../common/staging.js';
import { isTransient } from '../copy/retry.js';
import type { Row, RowBatch } from '../copy/rows.js';
import { mssql } from '../libraries.js';
import type { WriterProcedure } from '../procedures/writer.js';
import type { TableName, TableSink, TableSource } from './connector.js';
import { callSqlServerWriter } from './sqlServerWriter.js';
import { ensureSqlServerCommitLog, writeSqlServerMark } from './sqlServerCommitLog.js';
import type { CommitMark } from '../copy/commitMark.js';
import { keyProblem, upsertKeys, type Upsert } from './upsert.js';
import { keyCheckSql, sqlServerMergeSql } from './upsertSql.js';
import { convertFromStaged, quoteIdent, stagedDeclaration, stagedValue, type SqlServerColumn } from './sqlServerTypes.js';

/** rows per INSERT BULK request (they are held as a table in memory while it is sent) */
const BULK_ROWS = 10_000;

/** What the sink needs of the connector (sqlServer.ts), without importing it. */
export interface SqlServerSessions {
  connection(): Promise<sql.ConnectionPool>;
  columns(query: string): Promise<SqlServerColumn[]>;
  readRows(source: TableSource, range: undefined, signal: AbortSignal): AsyncIterable<RowBatch>;
  /** tells the host's staging journal (before it exists); returns "it is gone" */
  announce(thing: StagedThing): () => void;
}

const STAGE = /^dmgw_stage_[0-9a-f]{12}$/;
/** "Lock request time out period exceeded" */
const LOCK_TIMEOUT = 1222;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drops stage `schema.name` that a killed worker left (its staging journal named it); true when it was there. A
 * statement of the dead worker may still hold the stage until the server notices the lost connection: the DROP waits
 * 1 s for its lock and is tried again until `waitMs` has passed.
 */
export async function dropLeftoverSqlServerStage(pool: sql.ConnectionPool, schema: string, stageName: string, waitMs = 20_000): Promise<boolean> {
  if (!STAGE.test(stageName)) throw new Error(`"${stageName}" is not the name of a dmgw staging table`);
  const t = name({ schema: schema || undefined, table: stageName });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const r = await pool.request().input('t', mssql().NVarChar, t).query(`SET LOCK_TIMEOUT 1000; IF OBJECT_ID(@t, 'U') IS NULL SELECT 0 AS there ELSE BEGIN DROP TABLE ${t}; SELECT 1 AS there END`);
      return Number((r.recordset[0] as { there?: number } | undefined)?.there) === 1;
    } catch (e) {
      if ((e as { number?: number }).number !== LOCK_TIMEOUT || Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

const name = (t: TableName) => (t.schema ? `${quoteIdent(t.schema)}.${quoteIdent(t.table)}` : quoteIdent(t.table));

export async function openSqlServerSink(conn: SqlServerSessions, target: TableName, names: string[]): Promise<TableSink> {
  let all: SqlServerColumn[];
  try {
    all = await conn.columns(`SELECT * FROM ${name(target)}`);
  } catch (e) {
    // a connection lost while reading the columns: the partition's retry opens the sink again
    if (isTransient(e)) throw e;
    throw new DmgwError('SINK_TABLE', `cannot read the sink table ${name(target)}: ${(e as Error).message}`, { field: 'outputs[0]' }, 'create the table first, or fix the dataset schema/table');
  }
  const loaded = names.map((n) => {
    const col = all.find((c) => c.name === n) ?? all.find((c) => c.name.toLowerCase() === n.toLowerCase());
    if (!col) throw new DmgwError('SINK_COLUMN', `column "${n}" does not exist in the sink table ${name(target)} (it has ${all.map((c) => c.name).join(', ')})`, { field: 'translator' }, 'map the column with a TabularTranslator, or add it to the table');
    return col;
  });
  const pool = await conn.connection();
  const identity = (await pool.request().input('t', mssql().NVarChar, name(target)).query('SELECT name FROM sys.identity_columns WHERE object_id = OBJECT_ID(@t)')).recordset.map((r) => String((r as { name: string }).name).toLowerCase());
  const stage: TableName = { schema: target.schema, table: `dmgw_stage_${randomBytes(6).toString('hex')}` };
  // the journal names the stage by its schema: a target without one is in the login's default schema
  const schema = target.schema ?? String((await pool.request().query('SELECT SCHEMA_NAME() AS s')).recordset[0]?.s ?? '');
  // the host hears of it before it exists: a worker killed from here on leaves it to the host's cleanup
  const gone = conn.announce({ kind: 'table-stage', schema, table: stage.table });
  try {
    await pool.request().batch(`CREATE TABLE ${name(stage)} (${loaded.map((c) => `${quoteIdent(c.name)} ${stagedDeclaration(c)} NULL`).join(', ')})`);
  } catch (e) {
    // a CREATE whose answer was lost may have made it: it stays on the journal unless it is surely gone
    await pool.request().batch(`DROP TABLE IF EXISTS ${name(stage)}`).then(gone, () => undefined);
    throw e;
  }
  return new SqlServerTableSink(conn, target, stage, loaded, all, identity, gone);
}

class SqlServerTableSink implements TableSink {
  private dropped = false;
  private readonly toStaged;

  constructor(
    private readonly conn: SqlServerSessions,
    private readonly target: TableName,
    private readonly stage: TableName,
    readonly columns: SqlServerColumn[],
    /** every column of the target (for the upsert keys' messages) */
    private readonly all: SqlServerColumn[],
    /** the target's identity columns, lower case */
    private readonly identity: string[],
    /** tells the host's staging journal the stage is gone */
    private readonly gone: () => void,
  ) {
    this.toStaged = columns.map(stagedValue);
    this.identityInsert = columns.some((c) => identity.includes(c.name.toLowerCase()));
  }

  private readonly identityInsert: boolean;

  private table(): sql.Table {
    const t = new (mssql().Table)(name(this.stage));
    t.create = false;
    for (const c of this.columns) t.columns.add(c.name, c.type === 'binary' ? mssql().VarBinary(mssql().MAX) : mssql().NVarChar(mssql().MAX), { nullable: true });
    return t;
  }

  async loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number> {
    const tx = new (mssql().Transaction)(await this.conn.connection());
    await tx.begin();
    const onAbort = () => void tx.rollback().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    let n = 0;
    try {
      let t = this.table();
      const send = async () => {
        if (!t.rows.length) return;
        n += (await new (mssql().Request)(tx).bulk(t)).rowsAffected;
        t = this.table();
      };
      for await (const batch of rows) {
        signal.throwIfAborted();
        for (const r of batch) {
          t.rows.add(...r.map((v, i) => (v === null ? null : this.toStaged[i]!(v))));
          if (t.rows.length >= BULK_ROWS) await send();
        }
      }
      await send();
      await tx.commit();
      return n;
    } catch (e) {
      await tx.rollback().catch(() => undefined);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The staged rows as the target will get them (the same CONVERTs as the commit), so a conversion error shows here. */
  private converted(): string {
    return `SELECT ${this.columns.map((c) => `${convertFromStaged(c)} AS ${quoteIdent(c.name)}`).join(', ')} FROM ${name(this.stage)}`;
  }

  readBack(signal: AbortSignal): AsyncIterable<RowBatch> {
    return this.conn.readRows({ query: this.converted() }, undefined, signal);
  }

  /** The upsert as one MERGE over the converted stage (upsertSql.ts), with the key checks before it. */
  upsertBatch(keys: SqlServerColumn[]): { checks: [string, string]; merge: string } {
    const u = { quoteIdent, target: name(this.target), stage: name(this.stage), cols: this.columns.map((c) => c.name), keys: keys.map((k) => k.name) };
    return { checks: keyCheckSql(u, `(${this.converted()})`, 'top'), merge: sqlServerMergeSql(u, this.converted(), this.identity) };
  }

  async commit(preCopyScript?: string, writer?: WriterProcedure, upsert?: Upsert, mark?: CommitMark): Promise<number> {
    const keys = upsert ? (upsertKeys(upsert, this.columns, this.all, name(this.target)) as SqlServerColumn[]) : undefined;
    const pool = await this.conn.connection();
    if (mark) await ensureSqlServerCommitLog(pool, this.target);
    const tx = new (mssql().Transaction)(pool);
    // the marker commits with the rows or not at all (copy/commitMark.ts)
    const done = async (n: number): Promise<number> => {
      if (mark) await writeSqlServerMark(tx, this.target, mark, n);
      await tx.commit();
      return n;
    };
    await tx.begin();
    try {
      if (preCopyScript?.trim()) await new (mssql().Request)(tx).batch(preCopyScript);
      if (keys) {
        const { checks, merge } = this.upsertBatch(keys);
        for (const [kind, sql] of [['null', checks[0]], ['duplicate', checks[1]]] as const) {
          const r = await new (mssql().Request)(tx).query(sql);
          const row = r.recordset?.[0] as Record<string, unknown> | undefined;
          if (row) throw keyProblem(kind, keys, keys.map((k) => (row[k.name] === null || row[k.name] === undefined ? null : String(row[k.name]))), name(this.target));
        }
        await new (mssql().Request)(tx).batch(merge);
        const count = await new (mssql().Request)(tx).query(`SELECT COUNT_BIG(*) AS n FROM ${name(this.stage)}`);
        return await done(Number((count.recordset[0] as { n: string | number }).n));
      }
      const cols = this.columns.map((c) => quoteIdent(c.name)).join(', ');
      if (writer) {
        return await done(await callSqlServerWriter(tx, writer, cols, this.converted()));
      }
      const insert = `INSERT INTO ${name(this.target)} (${cols}) ${this.converted()}`;
      const r = await new (mssql().Request)(tx).batch(this.identityInsert ? `SET IDENTITY_INSERT ${name(this.target)} ON; ${insert}; SET IDENTITY_INSERT ${name(this.target)} OFF;` : insert);
      return await done(r.rowsAffected.reduce((a, b) => a + b, 0));
    } catch (e) {
      await tx.rollback().catch(() => undefined);
      throw e;
    } finally {
      await this.abort();
    }
  }

  async abort(): Promise<void> {
    if (this.dropped) return;
    await (await this.conn.connection()).request().batch(`DROP TABLE IF EXISTS ${name(this.stage)}`);
    this.dropped = true;
    this.gone();
  }
}
