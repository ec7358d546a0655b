/**
 * Resume: a Copy whose worker died continues from its finished partitions when it runs again in the same pipeline run
 * (the activity's policy retry, the job's re-lease after a lost worker, `dmgw run --run-id` of a killed local run).
 * Today for a table source into a table sink whose connector keeps partitions apart (`TableSink.parts`: PostgreSQL,
 * MySQL/MariaDB).
 * - Each partition loads a table of its own (a "part", `dmgw_part_…` beside the target, a logged table) instead of
 *   the shared stage; one COPY per part, atomic by itself, so a part is empty or whole.
 * - The journal is a file in the gateway home, `resume/<key>.json` (0600, folder 0700), key = SHA-256 of run id,
 *   activity and the copy's evaluated settings and datasets (a ForEach's iterations get keys of their own). It holds
 *   the partition plan (the exact slices: a source that changed since must not shift the cuts) and, per finished
 *   partition, its counters and checksum. It is written (fsync, rename) only after the part's COPY committed: that
 *   write is the partition's commit point. A part the journal does not list, or whose row count differs from it, is
 *   loaded again from scratch.
 * - On the next attempt the finished partitions are not read again; the parts are moved into the stage, and the
 *   commit (verify, preCopyScript, upsert, writer) is the usual one transaction. After the commit the parts and the
 *   journal are removed. A failure keeps them for the next attempt; when the run ends (`finishRun`) what its failed
 *   copies kept is removed. A node that dies for good leaves them: journals older than 7 days are deleted by the next
 *   copy on the node, and parts older than a day by the next copy into the same table.
 * Nothing here holds data or a credential: partition bounds, row counts, checksums, part table names.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KeptFile, RangePartition } from '../connectors/connector.js';
import type { GatewayHome } from '../config/home.js';

const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export interface FinishedPartition {
  rowsRead: number;
  rowsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  /** the partition's source checksum (validateDataConsistency), hex, over `rowsRead` rows */
  checksum?: string;
  /** a file or blob sink: the partition's staged files, kept for this copy's commit (StagedFile.keep) */
  files?: KeptFile[];
}

interface JournalFile {
  version: 1;
  runId: string;
  activity: string;
  created: number;
  units?: Array<RangePartition | null>;
  done: Record<string, FinishedPartition>;
}

export class ResumeJournal {
  private state: JournalFile;
  private swept = false;
  /** partitions this process finished (not those an earlier attempt did) */
  private finishedHere = 0;

  private constructor(
    private readonly home: GatewayHome,
    readonly file: string,
    readonly key: string,
    state: JournalFile,
  ) {
    this.state = state;
  }

  /** The journal of this copy in this run: the one a dead attempt left, or a new one (written at `plan`). */
  static open(home: GatewayHome, runId: string, activity: string, identity: unknown): ResumeJournal {
    const key = createHash('sha256').update(JSON.stringify([runId, activity, identity])).digest('hex');
    // nothing is written until a copy plans partitions it can resume (`plan`): other copies leave no trace
    const file = join(home.root, 'resume', `${key.slice(0, 32)}.json`);
    let state: JournalFile | undefined;
    try {
      const read = JSON.parse(readFileSync(file, 'utf8')) as JournalFile;
      if (read.version === 1 && read.runId === runId && read.activity === activity && read.done && typeof read.created === 'number') state = read;
    } catch {
      // none yet (or unreadable: start over)
    }
    return new ResumeJournal(home, file, key, state ?? { version: 1, runId, activity, created: Date.now(), done: {} });
  }

  get runId(): string {
    return this.state.runId;
  }

  /** Whether an earlier attempt of this copy left a plan. */
  get resuming(): boolean {
    return !!this.state.units;
  }

  /** The earlier attempt's slices, or these (saved). */
  plan(units: Array<RangePartition | undefined>): Array<RangePartition | undefined> {
    if (this.state.units) return this.state.units.map((u) => u ?? undefined);
    this.state.units = units.map((u) => u ?? null);
    this.write();
    return units;
  }

  /** What a finished partition left, or undefined. */
  finished(index: number): FinishedPartition | undefined {
    return this.state.done[String(index)];
  }

  /** Partition `index` is loaded into its part: from now on a new attempt does not read it again. */
  markFinished(index: number, p: FinishedPartition): void {
    this.state.done[String(index)] = p;
    this.write();
    this.finishedHere++;
    testDeathAfter(Object.keys(this.state.done).length, this.finishedHere);
  }

  /** A part that did not hold what the journal says: it is loaded again. */
  forget(index: number): void {
    delete this.state.done[String(index)];
    this.write();
  }

  /** `dmgw_part_<tag>_<created>_<key>_<index>`: `tag` names the target (the connector's), the rest this copy's run. */
  partName(tag: string, index: number): string {
    return `dmgw_part_${tag}_${this.state.created.toString(36)}_${this.key.slice(0, 6)}_${index}`;
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }

  private write(): void {
    if (!this.swept) sweep(this.home.ensure(join(this.home.root, 'resume')));
    this.swept = true;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

/** Journals nobody came back for in a week. */
function sweep(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > MAX_AGE_MS) rmSync(p, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Tests only: `DMGW_TEST_DIE_AFTER_PARTITIONS=N` kills this process (SIGKILL, no cleanup) right after the journal came
 * to hold N finished partitions, so a test can kill a worker at a known point without racing it. Only there: the next
 * attempt (which starts with N and goes past it) runs to its end, also when it inherits the variable (a host's workers).
 * `DMGW_TEST_DIE_AFTER_OWN_PARTITIONS=N` kills every attempt once it finished N partitions itself (resumed ones not
 * counted), so a job can be made to use up its attempts.
 */
function testDeathAfter(inJournal: number, here: number): void {
  const at = Number(process.env.DMGW_TEST_DIE_AFTER_PARTITIONS ?? 0);
  const own = Number(process.env.DMGW_TEST_DIE_AFTER_OWN_PARTITIONS ?? 0);
  if ((at > 0 && inJournal === at) || (own > 0 && here >= own)) process.kill(process.pid, 'SIGKILL');
}

// ---- what a run's failed copies kept, removed when the run ends ----------------------------------------------

const kept = new Map<string, Array<() => Promise<void>>>();

/** A copy of run `runId` failed and kept its parts for a retry: `drop` removes them if none comes. */
export function keptForRetry(runId: string, drop: () => Promise<void>): void {
  kept.set(runId, [...(kept.get(runId) ?? []), drop]);
}

/** The run ended here: what its copies kept for a retry in this process is removed. */
export async function finishRun(runId: string): Promise<void> {
  const drops = kept.get(runId) ?? [];
  kept.delete(runId);
  for (const d of drops) await d().catch(() => undefined);
}
