/**
 * Formats a batch of rows as several pieces of text of about TEXT_CHUNK_CHARS each, instead of one string per
 * batch (2000 JSON rows made ~600 KB). A piece stays below V8's large-object size (a large string that
 * outlives a scavenge stays until a full GC), and the Buffer encoded from it is done with before the next
 * scavenge instead of waiting, whole, in the compressor's or the socket's queue (rows.ts: CHUNK_BYTES).
 * How many rows go into a piece adapts to the width of the rows formatted so far.
 */
import type { Row } from './rows.js';

/** 32 Ki characters: at most 64 KiB as a two-byte string, at most ~96 KiB of UTF-8. */
export const TEXT_CHUNK_CHARS = 32 * 1024;

export class ChunkedFormatter {
  /** characters per row, from the last piece */
  private width = 0;

  constructor(
    private readonly format: (rows: Row[]) => string,
    private readonly target = TEXT_CHUNK_CHARS,
  ) {}

  *pieces(rows: Row[]): Generator<string> {
    for (let i = 0; i < rows.length; ) {
      const n = this.width ? Math.max(1, Math.floor(this.target / this.width)) : 16;
      const slice = i === 0 && n >= rows.length ? rows : rows.slice(i, i + n);
      const text = this.format(slice);
      this.width = Math.max(1, text.length / slice.length);
      i += slice.length;
      if (text) yield text;
    }
  }
}
