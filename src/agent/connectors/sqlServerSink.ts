/**
 * The SQL Server table sink: a staging table beside the target whose columns hold text (NVARCHAR(MAX)) or
 * bytes (VARBINARY(MAX)) — tedious would turn a decimal into a float on the way, the server does not — bulk
 * loaded (`request.bulk`, TDS INSERT BULK) per partition inside one transaction that commits only when the whole
 * partition went in. `commit` runs the preCopyScript and `INSERT … SELECT CONVERT(type, column) …` into the
 * target in ONE transaction (IDENTITY_INSERT around it when identity columns are loaded), then drops the stage.
 */
import { randomBytes } from 'node:crypto';
import type sql from 'mssql';
import { DmgwError } from '../../common/errors.js';
import type { Row, RowBatch } from '../copy/rows.js';
import { mssql } from '../libraries.js';
import type { WriterProcedure } from '../procedures/writer.js';
import type { TableName, TableSink, TableSource } from './connector.js';
import { callSqlServerWriter } from './sqlServerWriter.js';
import { convertFromStaged, quoteIdent, stagedDeclaration, stagedValue, type SqlServerColumn } from './sqlServerTypes.js';

/** rows per INSERT BULK request (they are held as a table in memory while it is sent) */
const BULK_ROWS = 10_000;

/** What the sink needs of the connector (sqlServer.ts), without importing it. */
export interface SqlServerSessions {
  connection(): Promise<sql.ConnectionPool>;
  columns(query: string): Promise<SqlServerColumn[]>;
  readRows(source: TableSource, range: undefined, signal: AbortSignal): AsyncIterable<RowBatch>;
}

const name = (t: TableName) => (t.schema ? `${quoteIdent(t.schema)}.${quoteIdent(t.table)}` : quoteIdent(t.table));

export async function openSqlServerSink(conn: SqlServerSessions, target: TableName, names: string[]): Promise<TableSink> {
  let all: SqlServerColumn[];
  try {
    all = await conn.columns(`SELECT * FROM ${name(target)}`);
  } catch (e) {
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
  await pool.request().batch(`CREATE TABLE ${name(stage)} (${loaded.map((c) => `${quoteIdent(c.name)} ${stagedDeclaration(c)} NULL`).join(', ')})`);
  return new SqlServerTableSink(conn, target, stage, loaded, loaded.some((c) => identity.includes(c.name.toLowerCase())));
}

class SqlServerTableSink implements TableSink {
  private dropped = false;
  private readonly toStaged;

  constructor(
    private readonly conn: SqlServerSessions,
    private readonly target: TableName,
    private readonly stage: TableName,
    readonly columns: SqlServerColumn[],
    private readonly identityInsert: boolean,
  ) {
    this.toStaged = columns.map(stagedValue);
  }

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

  async commit(preCopyScript?: string, writer?: WriterProcedure): Promise<number> {
    const tx = new (mssql().Transaction)(await this.conn.connection());
    await tx.begin();
    try {
      if (preCopyScript?.trim()) await new (mssql().Request)(tx).batch(preCopyScript);
      const cols = this.columns.map((c) => quoteIdent(c.name)).join(', ');
      if (writer) {
        const n = await callSqlServerWriter(tx, writer, cols, this.converted());
        await tx.commit();
        return n;
      }
      const insert = `INSERT INTO ${name(this.target)} (${cols}) ${this.converted()}`;
      const r = await new (mssql().Request)(tx).batch(this.identityInsert ? `SET IDENTITY_INSERT ${name(this.target)} ON; ${insert}; SET IDENTITY_INSERT ${name(this.target)} OFF;` : insert);
      await tx.commit();
      return r.rowsAffected.reduce((a, b) => a + b, 0);
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
  }
}
