/**
 * The MySQL / MariaDB sink's commit markers (copy/commitMark.ts): `dmgw_commit_log` (InnoDB) in the target's
 * database. CREATE TABLE commits implicitly, so it runs before the commit's transaction; the marker row is written
 * inside it.
 */
import type { Connection } from 'mysql2';
import { COMMIT_LOG, COMMIT_LOG_DAYS, MARK_COLUMNS, markValues, recordOf, type CommitMark, type CommitRecord } from '../copy/commitMark.js';
import type { TableName } from './connector.js';
import { run } from './mysqlQuery.js';
import { qualified } from './mysqlSql.js';

const logOf = (target: TableName): string => qualified({ schema: target.schema, table: COMMIT_LOG });

/** Creates the marker table beside `target` unless it is there. Not inside a transaction (DDL commits it). */
export async function ensureMySqlCommitLog(conn: Connection, target: TableName): Promise<void> {
  const note = `dmgw commit markers: one row per committed copy, so a copy run again after its report was lost does not load its rows twice; rows older than ${COMMIT_LOG_DAYS} days are deleted by the next commit; may be dropped when no copy runs`;
  await run(conn, `CREATE TABLE IF NOT EXISTS ${logOf(target)} (copy_key CHAR(64) NOT NULL PRIMARY KEY, run_id VARCHAR(200) NOT NULL, place VARCHAR(400) NOT NULL, target VARCHAR(400) NOT NULL, committed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), rows_copied BIGINT NOT NULL, rows_read BIGINT NOT NULL, data_read BIGINT NOT NULL, data_written BIGINT NOT NULL) ENGINE=InnoDB COMMENT='${note}'`);
}

/** Inside the commit's transaction: drops old markers and writes this copy's. */
export async function writeMySqlMark(conn: Connection, target: TableName, mark: CommitMark, rowsCopied: number): Promise<void> {
  const log = logOf(target);
  await run(conn, `DELETE FROM ${log} WHERE committed_at < CURRENT_TIMESTAMP(3) - INTERVAL ${COMMIT_LOG_DAYS} DAY`);
  await run(conn, `INSERT INTO ${log} (${MARK_COLUMNS}, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))`, markValues(mark, rowsCopied));
}

/** The marker of `key` beside `target`, or undefined (no marker, or no marker table yet). */
export async function findMySqlMark(conn: Connection, target: TableName, key: string): Promise<CommitRecord | undefined> {
  const there = await run(conn, 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?', [target.schema?.replace(/`/g, '') ?? null, COMMIT_LOG]);
  if (!Number(there.rows[0]?.[0])) return undefined;
  const r = await run(conn, `SELECT DATE_FORMAT(committed_at, '%Y-%m-%dT%H:%i:%s.%fZ'), rows_copied, rows_read, data_read, data_written FROM ${logOf(target)} WHERE copy_key = ?`, [key]);
  const row = r.rows[0];
  return row ? recordOf({ committed_at: row[0], rows_copied: row[1], rows_read: row[2], data_read: row[3], data_written: row[4] }) : undefined;
}
