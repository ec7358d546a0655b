/**
 * What a worker stages before its commit — a staging table, a temp file, uncommitted blob blocks — told to its host
 * as it happens, on a pipe of its own (fd STAGING_FD, never stdout, whose events go to the service). A worker that
 * ends normally has committed or thrown away everything it staged; one the host had to kill (a cancel it did not
 * obey in time, a lost lease, a revoked node) cannot, so the host hands what is still staged to a cleanup process
 * (`dmgw worker --cleanup -`), which removes it before the run is reported ended.
 *
 * Each line is one JSON object: `staged` before the thing exists, `gone` once it was committed or removed. The
 * Resume parts (`resume-part`, copy/resume.ts) are the exception: a killed worker's finished partitions are kept on
 * purpose for the job's next attempt, so its host removes them (and the copy's resume journal) only once the job has
 * ended for good — the worker reported the run's end, or the service answered the release with `ended`.
 *
 * The linked service is the job's own form of it (parameters resolved, not decrypted: what the job message already gave
 * the host): the host holds it in memory only and passes it to the cleanup process on stdin, as it passes jobs to
 * workers — never a file, a log line or the service.
 */
import type { NamedResource } from './gateway/protocol.js';

export const STAGING_FD = 3;

export type StagedThing =
  /** a staging table (PostgreSQL: agent/connectors/postgresStage.ts; MySQL/MariaDB: mysqlSink.ts) */
  | { kind: 'table-stage'; schema: string; table: string }
  /** a resumable copy's part of target `schema.table` (`dmgw_part_…`); `journal`: its resume journal's file name */
  | { kind: 'resume-part'; schema?: string; table: string; part: string; journal: string }
  /** a file system temp file: `temp` is its name in `folder` (a path below the linked service's host) */
  | { kind: 'temp-file'; folder: string; temp: string }
  /** blocks staged for a blob and not committed; `blockPrefix` starts the ids of this writer's blocks */
  | { kind: 'blob-blocks'; container: string; path: string; blockPrefix: string }
  /** a staged copy's folder of CSV blobs (common/stagedCopy.ts), `…/dmgw-<activity>-<12 hex>` */
  | { kind: 'staged-copy'; container: string; folder: string };

/** Kept for the job's next attempt: removed only when the job has ended for good. */
export const keptForResume = (t: StagedThing): boolean => t.kind === 'resume-part';

export type StagingLine = { op: 'staged'; id: number; linkedService: NamedResource; thing: StagedThing } | { op: 'gone'; id: number };

/** What the cleanup process gets on stdin. */
export interface CleanupRequest {
  items: Array<{ linkedService: NamedResource; thing: StagedThing }>;
}

/** What the cleanup process writes on stdout, one line per item. */
export type CleanupResult = { removed: string } | { nothing: string } | { failed: string; error: string };

export function describeThing(t: StagedThing): string {
  switch (t.kind) {
    case 'table-stage':
      return `staging table ${t.schema}.${t.table}`;
    case 'temp-file':
      return `temp file ${t.folder ? `${t.folder}/` : ''}${t.temp}`;
    case 'blob-blocks':
      return `uncommitted blocks of blob ${t.container}/${t.path}`;
    case 'staged-copy':
      return `staged copy blobs under ${t.container}/${t.folder}`;
    case 'resume-part':
      return `resume part ${t.schema ? `${t.schema}.` : ''}${t.part}`;
  }
}
