/**
 * COPY text bytes → Parquet: the byte path of a table (PostgreSQL, or MySQL/MariaDB writing COPY text:
 * connectors/mysqlCsv.ts) into Parquet files. The row path decoded every value into a JS string, converted it to a
 * JS value (a BigInt per integer and timestamp) and handed hyparquet-writer arrays of them; here a line is split at
 * its tabs in the bytes and each value is read from them into its column's bytes (parquetChunks.ts): an integer,
 * decimal, date or timestamp of the usual form as a Number, `t`/`f` as a bit, `\\x…` bytea from its hex digits, a
 * string's UTF-8 as it is. Any other value (an escape, a float, an unusual form, bytes that are not UTF-8) takes the
 * row path's own converter (parquetTypes.ts#parquetColumn), so a value is what the row path writes, and a value
 * Parquet cannot hold fails the copy with the same error. Row groups end at the row path's rows and bytes limits.
 */
import { isUtf8 } from 'node:buffer';
import { DmgwError } from '../../common/errors.js';
import type { Column } from '../copy/rows.js';
import { ColumnChunkBuilder, FNV_PRIME, FNV_START } from './parquetChunks.js';
import { ParquetFile, ROW_GROUP_BYTES, ROW_GROUP_ROWS, type Codec } from './parquetFile.js';
import { daysAt, microsAt, parquetColumn, unscaledAt, type ParquetColumn } from './parquetTypes.js';
import { unescapeValue } from './pgText.js';
import { PgTextLines } from './pgTextLines.js';

const enum Read {
  Boolean,
  Integer,
  Decimal32,
  Decimal64,
  Date,
  Timestamp,
  Text,
  Binary,
  /** the converter reads it */
  Other,
}

function readOf(c: ParquetColumn, logical: Column['type']): Read {
  const e = c.element;
  if (e.type === 'BOOLEAN') return Read.Boolean;
  if (e.converted_type === 'DECIMAL') return e.type === 'INT32' ? Read.Decimal32 : e.type === 'INT64' ? Read.Decimal64 : Read.Other;
  if (logical === 'integer') return Read.Integer;
  if (logical === 'date') return Read.Date;
  if (logical === 'timestamp' || logical === 'timestamptz') return Read.Timestamp;
  if (e.type === 'BYTE_ARRAY') return e.converted_type === 'UTF8' ? Read.Text : Read.Binary;
  return Read.Other;
}

/** a plain integer of at most 15 digits (exact as a Number), or undefined */
function integerAt(b: Uint8Array, s: number, e: number): number | undefined {
  let i = s;
  const neg = b[i] === 45;
  if (neg) i++;
  if (i === e || e - i > 15) return undefined;
  let n = 0;
  for (; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

export class PgTextParquet extends PgTextLines {
  private readonly file: ParquetFile;
  private readonly cols: ParquetColumn[];
  private readonly reads: Read[];
  private readonly scales: number[];
  private readonly chunks: ColumnChunkBuilder[];
  private readonly compress: ((b: Uint8Array) => Uint8Array) | undefined;
  private rowsHeld = 0;
  private bytesHeld = 0;

  constructor(
    columns: Column[],
    private readonly codec: Codec,
  ) {
    super();
    this.cols = columns.map(parquetColumn);
    this.reads = this.cols.map((c, i) => readOf(c, columns[i]!.type));
    this.scales = this.cols.map((c) => c.element.scale ?? 0);
    this.chunks = this.cols.map((c) => new ColumnChunkBuilder(c.element));
    this.file = new ParquetFile(this.cols.map((c) => c.element), codec);
    this.compress = this.file.writer.compressors[codec];
  }

  protected override line(b: Buffer, from: number, end: number): void {
    const { chunks, reads, cols } = this;
    const n = chunks.length;
    let s = from;
    let i = 0;
    for (; ; i++) {
      // the value's end, and whether it holds a backslash: one pass (for text, its hash for the dictionary too)
      let e = s;
      let escaped = false;
      const r = reads[i];
      let h = FNV_START;
      if (r === Read.Text) {
        for (; e < end; e++) {
          const c = b[e]!;
          if (c === 9) break;
          if (c === 92) escaped = true;
          h = Math.imul(h ^ c, FNV_PRIME);
        }
      } else {
        for (; e < end; e++) {
          const c = b[e]!;
          if (c === 9) break;
          if (c === 92) escaped = true;
        }
      }
      if (i >= n) throw new DmgwError('DATA_INCONSISTENT', `a row of the source has more than its ${n} columns`, {}, 'report this as a bug');
      const chunk = chunks[i]!;
      if (e - s === 2 && escaped && b[s] === 92 && b[s + 1] === 78) chunk.null();
      else if (!this.fromBytes(r!, chunk, b, s, e, escaped, i, h)) chunk.value(cols[i]!.toParquet(unescapeValue(b.toString('utf8', s, e))));
      if (e >= end) break;
      s = e + 1;
    }
    if (i !== n - 1) throw new DmgwError('DATA_INCONSISTENT', `a row of the source has ${i + 1} of its ${n} columns`, {}, 'report this as a bug');
    this.bytesHeld += end - from;
    if (++this.rowsHeld >= ROW_GROUP_ROWS || this.bytesHeld >= ROW_GROUP_BYTES / this.file.writers) this.flushGroup();
  }

  /** the value `b[s, e)` read from its bytes; false (nothing taken) when the converter must read it */
  private fromBytes(r: Read, chunk: ColumnChunkBuilder, b: Buffer, s: number, e: number, escaped: boolean, i: number, hash: number): boolean {
    if (r === Read.Binary) return escaped && e - s >= 3 && b[s] === 92 && b[s + 1] === 92 && b[s + 2] === 120 && chunk.hex(b, s + 3, e);
    if (escaped) return false;
    switch (r) {
      case Read.Text:
        if (this.checkUtf8 && !isUtf8(b.subarray(s, e))) return false;
        chunk.bytes(b, s, e, hash);
        return true;
      case Read.Integer: {
        const v = integerAt(b, s, e);
        if (v === undefined) return false;
        chunk.int64(v);
        return true;
      }
      case Read.Decimal32:
      case Read.Decimal64: {
        const v = unscaledAt(b, s, e, this.scales[i]!);
        if (v === undefined) return false;
        if (r === Read.Decimal32) chunk.int32(v);
        else chunk.int64(v);
        return true;
      }
      case Read.Date: {
        const v = e - s === 10 ? daysAt(b, s) : undefined;
        if (v === undefined) return false;
        chunk.int32(v);
        return true;
      }
      case Read.Timestamp: {
        const v = microsAt(b, s, e);
        if (v === undefined) return false;
        chunk.int64(v);
        return true;
      }
      case Read.Boolean:
        if (e - s !== 1 || (b[s] !== 116 && b[s] !== 102)) return false;
        chunk.bool(b[s] === 116);
        return true;
      default:
        return false;
    }
  }

  protected override chunkDone(): void {
    const bytes = this.file.out.take();
    if (bytes.length) this.push(bytes);
  }

  protected override finish(): void {
    if (this.rowsHeld) this.flushGroup();
    this.push(this.file.end());
  }

  private flushGroup(): void {
    const { out, writer } = this.file;
    const start = out.offset;
    const columns = this.chunks.map((c) => c.write(out, this.codec, this.compress));
    let total = 0n;
    for (const c of columns) total += c.meta_data!.total_uncompressed_size;
    writer.row_groups.push({ columns, total_byte_size: total, num_rows: BigInt(this.rowsHeld), total_compressed_size: BigInt(out.offset - start) });
    writer.num_rows += BigInt(this.rowsHeld);
    this.rowsHeld = 0;
    this.bytesHeld = 0;
  }
}
