/**
 * One partition's output to a file store: rows (or the fast path's bytes) → format → encoding →
 * compression → staged files, a new file every `maxRowsPerFile` rows. Nothing is visible until the engine
 * commits the staged files; `abort` throws them away.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileConnector, FileRef, StagedFile } from '../connectors/connector.js';
import { compressor, type Compression } from '../formats/compression.js';
import { createEncoder } from '../formats/encoding.js';
import type { FileFormat } from '../formats/format.js';
import type { Meter } from './meter.js';
import { ChunkedFormatter } from './textChunks.js';
import type { Column, Row, RowBatch } from './rows.js';

export interface FileOutputOptions {
  store: FileConnector;
  format: FileFormat;
  compression: Compression;
  /** the name of the partition's n-th file */
  name: (fileIndex: number) => FileRef;
  maxRowsPerFile?: number;
  meter: Meter;
  signal: AbortSignal;
}

export class FileOutput {
  readonly staged: StagedFile[] = [];

  constructor(private readonly o: FileOutputOptions) {}

  private counter(): Transform {
    const meter = this.o.meter;
    return new Transform({
      transform(chunk: Buffer, _e, cb) {
        meter.bytesWritten += chunk.length;
        cb(null, chunk);
      },
    });
  }

  private async open(index: number): Promise<StagedFile> {
    const s = await this.o.store.stage(this.o.name(index), this.o.signal);
    this.staged.push(s);
    return s;
  }

  /** The fast path: bytes the source wrote (server-side CSV, or COPY text `through` turns into the format); one file. */
  async writeBytes(bytes: Readable, through: Transform[]): Promise<void> {
    const s = await this.open(0);
    const zip = compressor(this.o.compression);
    await pipeline([bytes, ...through, ...(zip ? [zip] : []), this.counter(), s.stream], { signal: this.o.signal });
  }

  /** `columns`: known up front (a table source) or taken from the first batch. */
  async writeRows(columns: Column[] | undefined, batches: AsyncIterable<RowBatch>): Promise<void> {
    const { format, meter, maxRowsPerFile: max } = this.o;
    const it = batches[Symbol.asyncIterator]();
    let pending: RowBatch | undefined;
    let exhausted = false;
    let cols = columns;
    const next = async (): Promise<RowBatch | undefined> => {
      if (pending) {
        const p = pending;
        pending = undefined;
        return p;
      }
      const r = await it.next();
      if (r.done) exhausted = true;
      return r.done ? undefined : r.value;
    };
    for (let index = 0; !exhausted; index++) {
      const file = await this.open(index);
      const textBytes = createEncoder(format.encodingName);
      const encode = (x: string | Uint8Array): Buffer => (typeof x === 'string' ? textBytes(x) : Buffer.from(x.buffer, x.byteOffset, x.byteLength));
      async function* text(): AsyncGenerator<Buffer> {
        if (!cols) {
          pending = await next();
          cols = pending?.columns ?? [];
        }
        const binary = format.binaryEncoder?.(cols);
        const enc: { begin(): string | Uint8Array; rows(r: Row[]): string | Uint8Array; end(): string | Uint8Array } = binary ?? format.encoder(cols);
        const pieces = binary ? undefined : new ChunkedFormatter((r) => enc.rows(r) as string);
        const begin = enc.begin();
        if (begin && cols.length) yield encode(begin);
        let inFile = 0;
        for (;;) {
          const b = await next();
          if (!b) break;
          let rows = b.rows;
          if (max && inFile + rows.length > max) {
            pending = { columns: b.columns, rows: rows.slice(max - inFile) };
            rows = rows.slice(0, max - inFile);
          }
          inFile += rows.length;
          meter.rowsWritten += rows.length;
          if (pieces) for (const t of pieces.pieces(rows)) yield encode(t);
          else if (rows.length) yield encode(enc.rows(rows));
          if (max && inFile >= max) {
            // start another file only if more rows follow
            if (!pending) pending = await next();
            break;
          }
        }
        const end = enc.end();
        if (end) yield encode(end);
      }
      const zip = compressor(this.o.compression);
      await pipeline([Readable.from(text(), { objectMode: false }), ...(zip ? [zip] : []), this.counter(), file.stream], { signal: this.o.signal });
      if (!pending) exhausted = true;
    }
  }

  async abort(): Promise<void> {
    await Promise.all(this.staged.map((s) => s.abort().catch(() => undefined)));
  }
}
