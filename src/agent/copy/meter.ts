/**
 * Counters of one copy: every partition attempt counts into its own Meter; a failed attempt's meter is
 * dropped when the partition restarts, so the totals never count a row twice.
 */
export class Meter {
  rowsRead = 0;
  rowsWritten = 0;
  bytesRead = 0;
  bytesWritten = 0;
}

export class CopyMeters {
  private readonly done = new Meter();
  private readonly live = new Set<Meter>();
  partitions = 0;
  partitionsDone = 0;
  retries = 0;

  start(): Meter {
    const m = new Meter();
    this.live.add(m);
    return m;
  }

  /** The attempt failed: its counts go away. */
  drop(m: Meter): void {
    this.live.delete(m);
  }

  finish(m: Meter): void {
    this.live.delete(m);
    this.done.rowsRead += m.rowsRead;
    this.done.rowsWritten += m.rowsWritten;
    this.done.bytesRead += m.bytesRead;
    this.done.bytesWritten += m.bytesWritten;
    this.partitionsDone++;
  }

  total(): Meter {
    const t = new Meter();
    for (const m of [this.done, ...this.live]) {
      t.rowsRead += m.rowsRead;
      t.rowsWritten += m.rowsWritten;
      t.bytesRead += m.bytesRead;
      t.bytesWritten += m.bytesWritten;
    }
    return t;
  }
}

/** Counts '\n' bytes: an approximate row count of CSV/COPY text for progress (exact counts come at the end). */
export function countNewlines(b: Buffer): number {
  let n = 0;
  let i = -1;
  while ((i = b.indexOf(10, i + 1)) !== -1) n++;
  return n;
}
