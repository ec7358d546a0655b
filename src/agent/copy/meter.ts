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

  /** A finished partition is done again (its staged output was lost before the commit): its counts go away. */
  undo(m: Meter): void {
    this.done.rowsRead -= m.rowsRead;
    this.done.rowsWritten -= m.rowsWritten;
    this.done.bytesRead -= m.bytesRead;
    this.done.bytesWritten -= m.bytesWritten;
    this.partitionsDone--;
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

/** Rows per second over one progress interval; a partition that restarts takes its rows back, and then the rate is 0, never negative. */
export function intervalRate(rowsBefore: number, rowsNow: number, ms: number): number {
  return ms > 0 ? Math.max(0, Math.round(((rowsNow - rowsBefore) * 1000) / ms)) : 0;
}

/** Counts '\n' bytes: the row count of COPY text (a newline inside a value is written as `\n`). */
export function countNewlines(b: Buffer): number {
  let n = 0;
  let i = -1;
  while ((i = b.indexOf(10, i + 1)) !== -1) n++;
  return n;
}

const NL = 10;

/**
 * Counts the rows of a CSV byte stream as it passes, chunk by chunk, for live progress: a '\n' ends a row
 * only outside quotes and not after an escape char, and the header line is not a row. `quote` and `escape` are
 * one ASCII character each or '' (none); with escape = quote a doubled quote toggles twice, so the quoted regions
 * are simply the stretches between odd and even quotes. Without a quote char the escape char escapes outside
 * quotes (ADF's dialect: formats/delimitedText.ts). A file whose rows end in a lone '\r' counts no rows until the
 * end. Exact counts still come from the store at the end; this keeps the live numbers honest.
 */
export function csvRowCounter(quote: string, escape: string, header: boolean): (chunk: Buffer) => number {
  let skip = header ? 1 : 0;
  const rows = (n: number): number => {
    if (!skip || !n) return n;
    skip = 0;
    return n - 1;
  };
  if (!quote && !escape) return (b) => rows(countNewlines(b));
  if (!quote) {
    const e = escape.charCodeAt(0);
    let escaped = false;
    return (b) => {
      let n = 0;
      for (let i = 0; i < b.length; i++) {
        const c = b[i];
        if (escaped) escaped = false;
        else if (c === e) escaped = true;
        else if (c === NL) n++;
      }
      return rows(n);
    };
  }
  const q = quote.charCodeAt(0);
  const e = (escape || quote).charCodeAt(0);
  let inQuote = false;
  let escaped = false;
  return (b) => {
    let n = 0;
    let i = 0;
    const len = b.length;
    while (i < len) {
      if (!inQuote) {
        const next = b.indexOf(q, i);
        const end = next < 0 ? len : next;
        for (let j = b.indexOf(NL, i); j !== -1 && j < end; j = b.indexOf(NL, j + 1)) n++;
        if (next < 0) break;
        inQuote = true;
        i = next + 1;
      } else if (e === q) {
        const next = b.indexOf(q, i);
        if (next < 0) break;
        inQuote = false;
        i = next + 1;
      } else {
        for (; i < len; i++) {
          const c = b[i];
          if (escaped) escaped = false;
          else if (c === e) escaped = true;
          else if (c === q) {
            inQuote = false;
            i++;
            break;
          }
        }
      }
    }
    return rows(n);
  };
}
