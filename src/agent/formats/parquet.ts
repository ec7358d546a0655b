/**
 * Parquet as a file format (ADF `Parquet` datasets, `compressionCodec` none/snappy/gzip/brotli/zstd = the codec
 * INSIDE the file), pure JavaScript: hyparquet-writer writes, hyparquet reads.
 * - Writing streams row groups: rows are gathered per column and a row group is encoded and handed on when it
 *   reaches its limits (below), so memory stays bounded by one row group whatever the file size; the footer goes
 *   out at the end.
 * - Reading needs the footer first, so the stream is spooled to a temporary file and read one row group at a
 *   time by range. Annotations that hyparquet would turn into lossy JS numbers (DECIMAL) are stripped before
 *   reading and timestamps/dates come back as integers, so every value is converted exactly (parquetTypes.ts).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { CompressionCodec } from 'hyparquet';
import { DmgwError } from '../../common/errors.js';
import { relieveHeap } from '../copy/heapBounds.js';
import { BATCH_ROWS, type Column, type Row, type RowBatch } from '../copy/rows.js';
import { hyparquet } from '../libraries.js';
import type { BinaryRowEncoder, FileFormat, RowDecoder, RowEncoder } from './format.js';
import { COMPRESS, ParquetFile, ROW_GROUP_BYTES, rowGroupRows, type Codec } from './parquetFile.js';
import { PgTextParquet } from './pgTextParquet.js';
import { parquetColumn, readColumn, type ParquetReadColumn, type ParquetValue } from './parquetTypes.js';

const CODECS: Record<string, Codec> = { none: 'UNCOMPRESSED', uncompressed: 'UNCOMPRESSED', '': 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP', brotli: 'BROTLI', zstd: 'ZSTD' };

const z = zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer };
const DECOMPRESS: Partial<Record<CompressionCodec, (b: Uint8Array, n: number) => Uint8Array>> = { GZIP: (b) => zlib.gunzipSync(b), BROTLI: (b) => zlib.brotliDecompressSync(b), ...(z.zstdDecompressSync ? { ZSTD: z.zstdDecompressSync } : {}) };

export { ROW_GROUP_ROWS } from './parquetFile.js';

export interface ParquetFormat extends FileFormat {
  type: 'Parquet';
  codec: Codec;
  readRows(raw: Readable, wanted: string[] | undefined, signal: AbortSignal, countBytes?: (n: number) => void): AsyncGenerator<RowBatch>;
}

export function parquetFormat(tp: Record<string, unknown>): ParquetFormat {
  const raw = tp.compressionCodec ?? (tp.compression as { type?: string } | undefined)?.type ?? 'snappy';
  const codec = CODECS[String(raw).toLowerCase()];
  if (!codec || (codec !== 'UNCOMPRESSED' && codec !== 'SNAPPY' && !COMPRESS[codec])) {
    throw new DmgwError('COMPRESSION_UNSUPPORTED', `Parquet compressionCodec "${String(raw)}" is not supported`, { field: 'typeProperties.compressionCodec' }, 'use snappy (the default), gzip, brotli, zstd or none');
  }
  return {
    type: 'Parquet',
    codec,
    encodingName: 'UTF-8',
    extension: '.parquet',
    ownsCompression: true,
    decoder: (): RowDecoder => {
      throw new DmgwError('PARQUET_TEXT', 'Parquet is not a text format', {}, 'report this as a bug: Parquet files are read with readRows');
    },
    encoder: (): RowEncoder => {
      throw new DmgwError('PARQUET_TEXT', 'Parquet is not a text format', {}, 'report this as a bug: Parquet files are written with binaryEncoder');
    },
    binaryEncoder: (columns) => new ParquetEncoder(columns, codec),
    fromPgText: (columns) => new PgTextParquet(columns, codec),
    readRows: (raw, wanted, signal, countBytes) => readParquet(raw, wanted, signal, countBytes),
  };
}

class ParquetEncoder implements BinaryRowEncoder {
  private readonly file: ParquetFile;
  private readonly cols;
  private data: ParquetValue[][];
  private rowsHeld = 0;
  private bytesHeld = 0;

  constructor(columns: Column[], codec: Codec) {
    this.cols = columns.map(parquetColumn);
    this.data = this.cols.map(() => []);
    this.file = new ParquetFile(this.cols.map((c) => c.element), codec);
  }

  begin(): Uint8Array {
    return this.file.out.take();
  }

  rows(rows: Row[]): Uint8Array {
    const cols = this.cols;
    for (const r of rows) {
      for (let i = 0; i < cols.length; i++) {
        const v = r[i];
        if (v === null || v === undefined) this.data[i]!.push(null);
        else {
          this.data[i]!.push(cols[i]!.toParquet(v));
          this.bytesHeld += v.length;
        }
      }
      const writers = this.file.writers;
      if (++this.rowsHeld >= rowGroupRows(cols.length, writers) || this.bytesHeld >= ROW_GROUP_BYTES / writers) this.flushGroup();
    }
    return this.file.out.take();
  }

  end(): Uint8Array {
    if (this.rowsHeld) this.flushGroup();
    return this.file.end();
  }

  private flushGroup(): void {
    void this.file.writer.write({ columnData: this.cols.map((c, i) => ({ name: c.element.name, data: this.data[i]! })), rowGroupSize: this.rowsHeld });
    this.data = this.cols.map(() => []);
    this.rowsHeld = 0;
    this.bytesHeld = 0;
    relieveHeap();
  }
}

// ---- reading -----------------------------------------------------------------------------------------------

const utf8 = new TextDecoder();
const PARSERS = {
  timestampFromMicroseconds: (v: bigint) => BigInt(v),
  timestampFromMilliseconds: (v: bigint) => BigInt(v) * 1000n,
  timestampFromNanoseconds: (v: bigint) => BigInt(v) / 1000n,
  dateFromDays: (v: number) => v,
  jsonFromBytes: (b: Uint8Array) => utf8.decode(b),
};

async function* readParquet(raw: Readable, wanted: string[] | undefined, signal: AbortSignal, countBytes?: (n: number) => void): AsyncGenerator<RowBatch> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = hyparquet();
  const spool = join(tmpdir(), `dmgw-parquet-${randomBytes(8).toString('hex')}.parquet`);
  try {
    const count = new Transform({
      transform(chunk: Buffer, _e, cb) {
        countBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    await pipeline(raw, count, createWriteStream(spool, { mode: 0o600 }), { signal });
    const file = await asyncBufferFromFile(spool);
    let metadata;
    try {
      metadata = await parquetMetadataAsync(file, { parsers: PARSERS });
    } catch (e) {
      throw new DmgwError('PARQUET_FILE', `not a Parquet file: ${(e as Error).message}`, {}, 'check the dataset type and the file');
    }
    const top = parquetSchema(metadata).children;
    const all = top.map((t) => readColumn(t.element, t.children.length > 0));
    // hyparquet turns DECIMAL into a float: read the unscaled integers instead (readColumn kept the scale)
    metadata.schema = metadata.schema.map((e) => (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL' ? { ...e, converted_type: undefined, logical_type: undefined } : e));
    const pick = projection(all, wanted);
    const columns: Column[] = pick.map((p) => (p.index >= 0 ? stripText(all[p.index]!) : { name: p.name, type: 'string' }));
    const readNames = [...new Set(pick.filter((p) => p.index >= 0).map((p) => all[p.index]!.name))];
    const at = pick.map((p) => (p.index >= 0 ? readNames.indexOf(all[p.index]!.name) : -1));
    let start = 0;
    let yielded = false;
    for (const group of metadata.row_groups) {
      signal.throwIfAborted();
      const n = Number(group.num_rows);
      let got: unknown[][] = [];
      await parquetRead({ file, metadata, columns: readNames, rowStart: start, rowEnd: start + n, rowFormat: 'array', utf8: false, parsers: PARSERS, compressors: DECOMPRESS, onComplete: (rows: unknown[][]) => (got = rows) });
      start += n;
      for (let i = 0; i < got.length; i += BATCH_ROWS) {
        const rows = got.slice(i, i + BATCH_ROWS).map((r) => pick.map((p, j) => (at[j]! < 0 ? null : all[p.index]!.text(r[at[j]!]))));
        yielded = true;
        yield { columns, rows };
      }
    }
    if (!yielded) yield { columns, rows: [] };
  } finally {
    await unlink(spool).catch(() => undefined);
  }
}

const stripText = ({ text: _t, ...c }: ParquetReadColumn): Column => c;

/** The columns a consumer wants (case-insensitively), in its order; absent ones read as NULL (as JSON's missing keys). */
function projection(all: ParquetReadColumn[], wanted: string[] | undefined): Array<{ name: string; index: number }> {
  if (!wanted?.length) return all.map((c, index) => ({ name: c.name, index }));
  return wanted.map((name) => {
    let index = all.findIndex((c) => c.name === name);
    if (index < 0) index = all.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
    return { name: index >= 0 ? all[index]!.name : name, index };
  });
}
