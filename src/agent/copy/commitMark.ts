/**
 * Exactly-once commits into table sinks (docs/RELIABILITY.md, issue 12). A copy whose worker committed but whose
 * report never reached the service (a stalled channel, a host killed right after the commit) runs again in a new
 * attempt of the same job. Each table sink therefore writes a commit marker — one row of `dmgw_commit_log` in the
 * target's schema — in the very transaction that moves the rows into the target, keyed by the copy's place in its
 * run (run id, the ForEach/Until iteration around it, activity name), which every attempt of the job shares. Before
 * it copies, an attempt looks its key up: a marker there means the rows are in already, and the copy reports the
 * recorded counts instead of copying again. Markers older than COMMIT_LOG_DAYS are deleted by the next commit.
 */
import { createHash } from 'node:crypto';

export const COMMIT_LOG = 'dmgw_commit_log';
export const COMMIT_LOG_DAYS = 7;

/** Which copy this is, the same for every attempt of its job. */
export interface CopyKey {
  /** sha256 hex of run id and place */
  key: string;
  runId: string;
  /** the activity's name, with its container's iteration when inside one (`ForEach1[3]/Copy1`) */
  place: string;
}

/** What the marker records besides its key (the rows moved are counted in the transaction itself). */
export interface CommitMark extends CopyKey {
  target: string;
  rowsRead: number;
  dataRead: number;
  dataWritten: number;
}

/** A marker found: the copy committed before, at `committedAt`. */
export interface CommitRecord {
  committedAt: string;
  rowsCopied: number;
  rowsRead: number;
  dataRead: number;
  dataWritten: number;
}

export function copyKeyOf(runId: string, place: string): CopyKey {
  return { key: createHash('sha256').update(`${runId}\n${place}`).digest('hex'), runId, place };
}

/** The marker's values in column order (copy_key, run_id, place, target, rows_copied, rows_read, data_read, data_written). */
export function markValues(m: CommitMark, rowsCopied: number): [string, string, string, string, number, number, number, number] {
  return [m.key, m.runId, m.place.slice(0, 400), m.target.slice(0, 400), rowsCopied, m.rowsRead, m.dataRead, m.dataWritten];
}

export const MARK_COLUMNS = 'copy_key, run_id, place, target, rows_copied, rows_read, data_read, data_written';

/** A marker row as read back (numbers may come as strings from bigint columns). */
export function recordOf(row: { committed_at: unknown; rows_copied: unknown; rows_read: unknown; data_read: unknown; data_written: unknown }): CommitRecord {
  const at = row.committed_at instanceof Date ? row.committed_at.toISOString() : String(row.committed_at);
  return { committedAt: at, rowsCopied: Number(row.rows_copied), rowsRead: Number(row.rows_read), dataRead: Number(row.data_read), dataWritten: Number(row.data_written) };
}
