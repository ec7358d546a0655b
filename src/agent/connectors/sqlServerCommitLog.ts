/**
 * The SQL Server sink's commit markers (copy/commitMark.ts): `dmgw_commit_log` in the target's schema (the login's
 * default schema when the dataset names none), created before the commit's transaction, its row inserted inside it.
 * The statements are built by `commitLogSql` (unit-tested: no server runs here).
 */
import type sql from 'mssql';
import { COMMIT_LOG, COMMIT_LOG_DAYS, MARK_COLUMNS, markValues, recordOf, type CommitMark, type CommitRecord } from '../copy/commitMark.js';
import { mssql } from '../libraries.js';
import type { TableName } from './connector.js';
import { quoteIdent } from './sqlServerTypes.js';

const PARAMS = ['k', 'r', 'p', 't', 'n', 'rr', 'dr', 'dw'] as const;

/** The marker table's statements beside `target`: create unless there, write (@k … @dw), find by @k. */
export function commitLogSql(target: TableName): { ensure: string; write: string; find: string } {
  const log = target.schema ? `${quoteIdent(target.schema)}.${quoteIdent(COMMIT_LOG)}` : quoteIdent(COMMIT_LOG);
  const id = `N'${log.replace(/'/g, "''")}'`;
  return {
    ensure: `IF OBJECT_ID(${id}, N'U') IS NULL CREATE TABLE ${log} (copy_key CHAR(64) NOT NULL PRIMARY KEY, run_id NVARCHAR(200) NOT NULL, place NVARCHAR(400) NOT NULL, target NVARCHAR(400) NOT NULL, committed_at DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(), rows_copied BIGINT NOT NULL, rows_read BIGINT NOT NULL, data_read BIGINT NOT NULL, data_written BIGINT NOT NULL)`,
    write: `DELETE FROM ${log} WHERE committed_at < DATEADD(day, -${COMMIT_LOG_DAYS}, SYSUTCDATETIME()); INSERT INTO ${log} (${MARK_COLUMNS}) VALUES (${PARAMS.map((p) => `@${p}`).join(', ')})`,
    find: `IF OBJECT_ID(${id}, N'U') IS NOT NULL SELECT CONVERT(VARCHAR(23), committed_at, 126) + 'Z' AS committed_at, rows_copied, rows_read, data_read, data_written FROM ${log} WHERE copy_key = @k`,
  };
}

export async function ensureSqlServerCommitLog(pool: sql.ConnectionPool, target: TableName): Promise<void> {
  try {
    await pool.request().batch(commitLogSql(target).ensure);
  } catch (e) {
    // 2714: there is already an object of that name (a concurrent CREATE won)
    if ((e as { number?: number }).number !== 2714) throw e;
  }
}

/** Inside the commit's transaction: drops old markers and writes this copy's. */
export async function writeSqlServerMark(tx: sql.Transaction, target: TableName, mark: CommitMark, rowsCopied: number): Promise<void> {
  const req = new (mssql().Request)(tx);
  const values = markValues(mark, rowsCopied);
  PARAMS.forEach((p, i) => req.input(p, i < 4 ? mssql().NVarChar : mssql().BigInt, values[i]));
  await req.query(commitLogSql(target).write);
}

export async function findSqlServerMark(pool: sql.ConnectionPool, target: TableName, key: string): Promise<CommitRecord | undefined> {
  const r = await pool.request().input('k', mssql().NVarChar, key).query(commitLogSql(target).find);
  const row = r.recordset?.[0] as Parameters<typeof recordOf>[0] | undefined;
  return row ? recordOf(row) : undefined;
}
