/** Rows from files of a file store: bytes → decompression → text decoding → format → batches. */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DmgwError } from '../../common/errors.js';
import type { FileConnector, FileRef } from '../connectors/connector.js';
import { decompressor, type Compression } from '../formats/compression.js';
import { createDecoder, decodeInPieces } from '../formats/encoding.js';
import type { FileFormat } from '../formats/format.js';
import type { Meter } from './meter.js';
import { BATCH_CHARS, BATCH_ROWS, CHUNK_BYTES, type Column, type Row, type RowBatch } from './rows.js';

export interface FileRowsOptions {
  format: FileFormat;
  compression: Compression;
  /** column names the consumer wants (JSON objects are projected onto them) */
  wanted?: string[];
  meter?: Meter;
  signal: AbortSignal;
}

/** The rows of one file's bytes. The last batch may be empty: it still carries the columns (a header-only file). */
export async function* rowsOfStream(raw: Readable, o: FileRowsOptions, name: string): AsyncGenerator<RowBatch> {
  if (o.format.readRows) return yield* o.format.readRows(raw, o.wanted, o.signal, (n) => o.meter && (o.meter.bytesRead += n));
  const decoder = o.format.decoder(o.wanted);
  const text = createDecoder(o.format.encodingName);
  const meter = o.meter;
  const out = new PassThrough({ highWaterMark: CHUNK_BYTES });
  const unzip = decompressor(o.compression);
  // No counting stage in front of the decompressor: a compressed chunk queued there waits while ~6× its size
  // is parsed, long enough to outlive two scavenges (rows.ts: CHUNK_BYTES). zlib counts its input itself.
  let counted = 0;
  const count = (chunk: Buffer) => {
    if (!meter) return;
    const n = unzip ? unzip.bytesWritten : counted + chunk.length;
    meter.bytesRead += n - counted;
    counted = n;
  };
  const done = pipeline([raw, ...(unzip ? [unzip] : []), out], { signal: o.signal });
  done.catch(() => undefined);
  let rows: Row[] = [];
  let chars = 0;
  const take = (): RowBatch | undefined => {
    const columns = decoder.columns();
    if (!columns) return undefined;
    const b = { columns, rows };
    rows = [];
    return b;
  };
  try {
    for await (const chunk of out) {
      count(chunk as Buffer);
      decodeInPieces(text, chunk as Buffer, (t) => {
        chars += t.length;
        decoder.push(t, rows);
      });
      if ((rows.length >= BATCH_ROWS || chars >= BATCH_CHARS) && decoder.columns()) {
        chars = 0;
        yield take()!;
      }
    }
    await done;
    count(Buffer.alloc(0));
    decoder.push(text.end(), rows);
    decoder.end(rows);
  } catch (e) {
    if (e instanceof DmgwError) throw new DmgwError(e.code, `${name}: ${e.message}`, e.place, e.hint);
    throw e;
  } finally {
    out.destroy();
    raw.destroy();
  }
  const last = take();
  if (last) yield last;
}

/** Reads one file after another; every file must have as many columns as the first. */
export async function* readFileRows(store: FileConnector, files: FileRef[], o: FileRowsOptions): AsyncGenerator<RowBatch> {
  let columns: Column[] | undefined;
  for (const file of files) {
    const raw = await store.openRead(file, o.signal);
    for await (const b of rowsOfStream(raw, o, file.path)) {
      if (!columns) columns = b.columns;
      else if (b.columns.length !== columns.length) {
        throw new DmgwError('FILES_DIFFER', `${file.path} has ${b.columns.length} columns, ${files[0]!.path} has ${columns.length}`, { field: 'source.storeSettings' }, 'select files of one layout');
      }
      yield { columns, rows: b.rows };
    }
  }
}
