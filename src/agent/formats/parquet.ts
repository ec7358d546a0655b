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
import type { CompressionCodec, SchemaElement } from 'hyparquet';
import type { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { DmgwError } from '../../common/errors.js';
import { relieveHeap } from '../copy/heapBounds.js';
import { BATCH_ROWS, type Column, type Row, type RowBatch } from '../copy/rows.js';
import { hyparquet, hyparquetWriter } from '../libraries.js';
import type { BinaryRowEncoder, FileFormat, RowDecoder, RowEncoder } from './format.js';
import { parquetColumn, readColumn, type ParquetReadColumn, type ParquetValue } from './parquetTypes.js';

/**
 * Row group limits: ROW_GROUP_ROWS rows, at most ROW_GROUP_VALUES values (rows × columns), or ROW_GROUP_BYTES of
 * text (UTF-16 length, a cheap estimate), whichever comes first. What a group costs is not the values held (~34
 * bytes each) but what hyparquet-writer allocates while it encodes one: an array per column and step, a byte array
 * per string, dictionaries and statistics, most of it in V8's large-object space, freed only by a full GC. With
 * 100,000-row groups PostgreSQL → Parquet peaked at 316 MB (×1) and 555 MB (×4); with these limits, the shared
 * budget and relieveHeap, 187–213 MB (`npm run bench -- --only pg-files --rows 1000000`, docs/BENCHMARKS.md).
 * Readers lose little (DuckDB writes 122,880-row groups, Spark by 128 MB).
 */
export const ROW_GROUP_ROWS = 100_000;
export const ROW_GROUP_VALUES = 262_144;
export const ROW_GROUP_BYTES = 8 * 1024 * 1024;

/**
 * Rows per group for a table of `columns` columns while `writers` files are being written at once (parallel
 * partitions each write their own): the value budget is the process's, shared, so four partitions encode groups a
 * quarter the size (4 × 100,000-row groups peaked at 555 MB).
 */
export const rowGroupRows = (columns: number, writers = 1): number => Math.max(1024, Math.min(ROW_GROUP_ROWS, Math.floor(ROW_GROUP_VALUES / Math.max(1, columns) / Math.max(1, writers))));

/** Parquet files being written in this process (ParquetEncoder between its constructor and end()). */
let openWriters = 0;
// an encoder dropped without end() (its partition failed and is retried) stops counting when it is collected
const unended = new FinalizationRegistry<{ ended: boolean }>((state) => {
  if (!state.ended) openWriters--;
});

type Codec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD';
const CODECS: Record<string, Codec> = { none: 'UNCOMPRESSED', uncompressed: 'UNCOMPRESSED', '': 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP', brotli: 'BROTLI', zstd: 'ZSTD' };

const z = zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer; zstdDecompressSync?: (b: Uint8Array) => Buffer };
const COMPRESS: Partial<Record<Codec, (b: Uint8Array) => Uint8Array>> = { GZIP: (b) => zlib.gzipSync(b), BROTLI: (b) => zlib.brotliCompressSync(b), ...(z.zstdCompressSync ? { ZSTD: z.zstdCompressSync } : {}) };
const DECOMPRESS: Partial<Record<CompressionCodec, (b: Uint8Array, n: number) => Uint8Array>> = { GZIP: (b) => zlib.gunzipSync(b), BROTLI: (b) => zlib.brotliDecompressSync(b), ...(z.zstdDecompressSync ? { ZSTD: z.zstdDecompressSync } : {}) };

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
    readRows: (raw, wanted, signal, countBytes) => readParquet(raw, wanted, signal, countBytes),
  };
}

type DrainingWriter = ByteWriter & { take(): Buffer };
let drainingWriter: (new (size: number) => DrainingWriter) | undefined;

/** hyparquet-writer's ByteWriter whose bytes are taken out after each row group (as its own file writer does); defined once the library is loaded (libraries.ts). */
function newDrainingWriter(size: number): DrainingWriter {
  drainingWriter ??= class extends hyparquetWriter().ByteWriter {
    private chunks: Buffer[] = [];
    flush(): void {
      if (!this.index) return;
      this.chunks.push(Buffer.from(this.buffer.slice(0, this.index)));
      this.index = 0;
    }
    take(): Buffer {
      this.flush();
      const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      return out;
    }
  };
  return new drainingWriter(size);
}

class ParquetEncoder implements BinaryRowEncoder {
  private readonly out = newDrainingWriter(1 << 20);
  private readonly writer: ParquetWriter;
  private readonly cols;
  private data: ParquetValue[][];
  private rowsHeld = 0;
  private bytesHeld = 0;
  private readonly state = { ended: false };

  constructor(columns: Column[], codec: Codec) {
    this.cols = columns.map(parquetColumn);
    openWriters++;
    unended.register(this, this.state);
    this.data = this.cols.map(() => []);
    const schema: SchemaElement[] = [{ name: 'root', num_children: this.cols.length }, ...this.cols.map((c) => c.element)];
    this.writer = new (hyparquetWriter().ParquetWriter)({ writer: this.out, schema, codec, compressors: COMPRESS, createdBy: 'dmgw (hyparquet-writer)' });
  }

  begin(): Uint8Array {
    return this.out.take();
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
      if (++this.rowsHeld >= rowGroupRows(cols.length, openWriters) || this.bytesHeld >= ROW_GROUP_BYTES / openWriters) this.flushGroup();
    }
    return this.out.take();
  }

  end(): Uint8Array {
    if (!this.state.ended) {
      this.state.ended = true;
      openWriters--;
    }
    if (this.rowsHeld) this.flushGroup();
    void this.writer.finish();
    return this.out.take();
  }

  private flushGroup(): void {
    void this.writer.write({ columnData: this.cols.map((c, i) => ({ name: c.element.name, data: this.data[i]! })), rowGroupSize: this.rowsHeld });
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
