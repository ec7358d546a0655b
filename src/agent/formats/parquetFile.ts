/**
 * One Parquet file being written, shared by both writers (the row path's ParquetEncoder in parquet.ts and the byte
 * path's PgTextParquet): hyparquet-writer's ParquetWriter keeps the row groups' metadata and writes the footer, its
 * ByteWriter is drained after each row group, and the process counts the files being written so that parallel
 * partitions share one memory budget (rowGroupRows).
 */
import * as zlib from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import type { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { hyparquetWriter } from '../libraries.js';
import { snappyCompress } from './snappy.js';

/**
 * Row group limits: ROW_GROUP_ROWS rows, at most ROW_GROUP_VALUES values (rows × columns), or ROW_GROUP_BYTES of
 * text (UTF-16 length, a cheap estimate), whichever comes first. What a group costs the row path is not the values
 * held (~34 bytes each) but what hyparquet-writer allocates while it encodes one: an array per column and step, a
 * byte array per string, dictionaries and statistics, most of it in V8's large-object space, freed only by a full
 * GC. With 100,000-row groups PostgreSQL → Parquet peaked at 316 MB (×1) and 555 MB (×4); with these limits, the
 * shared budget and relieveHeap, 187–213 MB (`npm run bench -- --only pg-files --rows 1000000`, docs/BENCHMARKS.md).
 * The byte path holds a group as the bytes it will write, so only the rows and bytes limits apply to it.
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

export type Codec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD';

const z = zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer };
/** the codecs' compressors (Snappy ours: snappy.ts; hyparquet-writer's is the fallback it adds itself) */
export const COMPRESS: Partial<Record<Codec, (b: Uint8Array) => Uint8Array>> = { SNAPPY: snappyCompress, GZIP: (b) => zlib.gzipSync(b), BROTLI: (b) => zlib.brotliCompressSync(b), ...(z.zstdCompressSync ? { ZSTD: z.zstdCompressSync } : {}) };

/** Parquet files being written in this process (between a ParquetFile's constructor and its end()). */
let openWriters = 0;
// a file dropped without end() (its partition failed and is retried) stops counting when it is collected
const unended = new FinalizationRegistry<{ ended: boolean }>((state) => {
  if (!state.ended) openWriters--;
});

export type DrainingWriter = ByteWriter & { take(): Buffer };
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

export class ParquetFile {
  readonly out = newDrainingWriter(1 << 20);
  readonly writer: ParquetWriter;
  private readonly state = { ended: false };

  constructor(elements: SchemaElement[], codec: Codec) {
    openWriters++;
    unended.register(this, this.state);
    const schema: SchemaElement[] = [{ name: 'root', num_children: elements.length }, ...elements];
    this.writer = new (hyparquetWriter().ParquetWriter)({ writer: this.out, schema, codec, compressors: COMPRESS, createdBy: 'dmgw (hyparquet-writer)' });
  }

  /** Parquet files being written in this process now, this one included until it ends. */
  get writers(): number {
    return openWriters;
  }

  /** The footer: the file's last bytes. */
  end(): Buffer {
    if (!this.state.ended) {
      this.state.ended = true;
      openWriters--;
    }
    void this.writer.finish();
    return this.out.take();
  }
}
