/**
 * COPY text bytes cut into lines for a transcoder of the byte path (pgTextJson.ts, pgTextParquet.ts): each complete
 * line is handed to `line` as a range of a buffer, a line cut between chunks is joined first, and `checkUtf8` says
 * whether the bytes of the lines being handed on are not all UTF-8 (checked once per chunk: a transcoder then checks
 * the values that need it). A user error thrown by the transcoder fails the stream with it.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { CHUNK_BYTES } from '../copy/rows.js';

export abstract class PgTextLines extends Transform {
  /** the start of a line that has not ended yet, in pieces */
  private pending: Buffer[] = [];
  /** the bytes of the line(s) being handed to `line` are not all UTF-8: check each value that has a high byte */
  protected checkUtf8 = false;

  constructor() {
    super({ highWaterMark: CHUNK_BYTES });
  }

  /** one line, `b[from, end)`, without its newline */
  protected abstract line(b: Buffer, from: number, end: number): void;
  /** after each chunk's lines: hand on what is ready */
  protected abstract chunkDone(): void;
  /** after the last line */
  protected abstract finish(): void;

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.lines(chunk);
      this.chunkDone();
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.pending.length) {
        const line = Buffer.concat(this.pending);
        this.pending = [];
        // COPY's old end-of-data marker, as PgTextParser drops it
        if (line.length && !(line.length === 2 && line[0] === 92 && line[1] === 46)) {
          this.checkUtf8 = !isUtf8(line);
          this.line(line, 0, line.length);
        }
      }
      this.finish();
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb();
  }

  private lines(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && this.pending.length) {
      this.pending.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.checkUtf8 = !isUtf8(line);
      this.line(line, 0, line.length);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (nl >= 0) {
      const last = chunk.lastIndexOf(10);
      this.checkUtf8 = !isUtf8(chunk.subarray(start, last));
      while (nl >= 0) {
        this.line(chunk, start, nl);
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }
}
