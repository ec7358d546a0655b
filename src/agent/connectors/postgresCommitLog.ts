/**
 * The PostgreSQL sink's commit markers (copy/commitMark.ts): `dmgw_commit_log` in the target's schema, created on
 * first use before the commit's transaction, written inside it, read before a copy starts.
 */
import type pg from 'pg';
import { COMMIT_LOG, COMMIT_LOG_DAYS, MARK_COLUMNS, markValues, recordOf, type CommitMark, type CommitRecord } from '../copy/commitMark.js';

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const logOf = (schema: string): string => `${quote(schema)}.${quote(COMMIT_LOG)}`;

/** Creates the marker table of `schema` unless it is there (two sinks creating it at once: one wins, both go on). */
export async function ensurePgCommitLog(client: pg.ClientBase, schema: string): Promise<void> {
  const log = logOf(schema);
  if ((await client.query<{ there: boolean }>('SELECT to_regclass($1) IS NOT NULL AS there', [log])).rows[0]?.there) return;
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${log} (copy_key text PRIMARY KEY, run_id text NOT NULL, place text NOT NULL, target text NOT NULL, committed_at timestamptz NOT NULL DEFAULT now(), rows_copied bigint NOT NULL, rows_read bigint NOT NULL, data_read bigint NOT NULL, data_written bigint NOT NULL)`);
  } catch (e) {
    // unique_violation on pg_type / duplicate_table: a concurrent CREATE won
    if (!['23505', '42P07'].includes((e as { code?: string }).code ?? '')) throw e;
  }
  await client.query(`COMMENT ON TABLE ${log} IS 'dmgw commit markers: one row per committed copy (run, activity), so that a copy run again after its report was lost does not load its rows twice; rows older than ${COMMIT_LOG_DAYS} days are deleted by the next commit; the table may be dropped when no copy runs'`).catch(() => undefined);
}

/** Inside the commit's transaction: drops old markers and writes this copy's. */
export async function writePgMark(client: pg.ClientBase, schema: string, mark: CommitMark, rowsCopied: number): Promise<void> {
  const log = logOf(schema);
  await client.query(`DELETE FROM ${log} WHERE committed_at < now() - interval '${COMMIT_LOG_DAYS} days'`);
  await client.query(`INSERT INTO ${log} (${MARK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, markValues(mark, rowsCopied));
}

/** The marker of `key` in `schema`, or undefined (no marker, or no marker table yet). */
export async function findPgMark(client: pg.ClientBase, schema: string, key: string): Promise<CommitRecord | undefined> {
  const log = logOf(schema);
  const there = await client.query<{ there: boolean }>('SELECT to_regclass($1) IS NOT NULL AS there', [log]);
  if (!there.rows[0]?.there) return undefined;
  const r = await client.query(`SELECT committed_at, rows_copied, rows_read, data_read, data_written FROM ${log} WHERE copy_key = $1`, [key]);
  return r.rows[0] ? recordOf(r.rows[0] as Parameters<typeof recordOf>[0]) : undefined;
}
