/**
 * Delimited text copied to delimited text of the same dialect, "CSV as it is": the bytes pass from the source file
 * to the sink (decompressed and compressed again as each side's compression says), counted and their rows tallied
 * exactly (csvTally.ts) on the way, instead of being parsed into values and written out again. It is taken only
 * when the result is what the row path would write, value for value: same delimiter, quote, escape, null value,
 * header and row delimiter on both sides, UTF-8, no column mapping, no quoteAllText or maxRowsPerFile, no
 * validation (its checksum needs the values), and one source file per output (the row path drops the headers of
 * the files it merges). The bytes themselves stay as the source wrote them: quotes the writer would not have put,
 * \r\n line ends, a byte-order mark.
 */
import { Transform, type Readable } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import type { FileRef, StagedFile } from '../connectors/connector.js';
import { decompressor } from '../formats/compression.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import type { DelimitedTextFormat } from '../formats/delimitedTextFormat.js';
import { CsvTally } from './csvTally.js';
import type { SinkEnd, SourceEnd } from './endpoints.js';
import { FileOutput } from './fileOutput.js';
import type { Meter } from './meter.js';
import { CHUNK_BYTES } from './rows.js';

const SAME: Array<keyof DelimitedTextOptions> = ['columnDelimiter', 'rowDelimiter', 'quoteChar', 'escapeChar', 'firstRowAsHeader', 'nullValue', 'encodingName'];

/** The dialect both sides share when this copy may pass the bytes through, else undefined. */
export function csvPassOf(src: SourceEnd, snk: SinkEnd, o: { mapped: boolean; validate: boolean }): DelimitedTextOptions | undefined {
  if (src.kind !== 'files' || snk.kind !== 'files' || o.mapped || o.validate) return undefined;
  if (src.format.type !== 'DelimitedText' || snk.format.type !== 'DelimitedText' || snk.naming.maxRowsPerFile) return undefined;
  const a = (src.format as DelimitedTextFormat).options;
  const b = (snk.format as DelimitedTextFormat).options;
  if (b.quoteAllText || !/^utf-?8$/i.test(a.encodingName) || SAME.some((k) => a[k] !== b[k])) return undefined;
  // an explicit \r\n or \r is a promise about the output's line ends that passing \n-ended bytes would break;
  // none set, the file keeps the line ends it has (the row path would write \n)
  if (a.rowDelimiter === '\r\n' || a.rowDelimiter === '\r') return undefined;
  return a;
}

/** Copies one source file's bytes into the unit's output file(s); its rows are counted exactly. */
export async function passCsvFile(src: Extract<SourceEnd, { kind: 'files' }>, snk: Extract<SinkEnd, { kind: 'files' }>, file: FileRef, options: DelimitedTextOptions, out: { name: (i: number) => FileRef; meter: Meter; signal: AbortSignal; staged: StagedFile[] }): Promise<void> {
  const { meter, signal } = out;
  const raw = await src.conn.openRead(file, signal);
  const unzip = decompressor(src.compression);
  const tally = new CsvTally(options);
  const counted = new Transform({
    highWaterMark: CHUNK_BYTES,
    transform(chunk: Buffer, _e, cb) {
      meter.bytesRead += chunk.length;
      cb(null, chunk);
    },
  });
  const rows = new Transform({
    highWaterMark: CHUNK_BYTES,
    transform(chunk: Buffer, _e, cb) {
      tally.push(chunk);
      meter.rowsRead = meter.rowsWritten = tally.rows;
      cb(null, chunk);
    },
    flush(cb) {
      try {
        meter.rowsRead = meter.rowsWritten = tally.end();
        cb();
      } catch (e) {
        // named as the row path names it (fileRows.ts): which file
        cb(e instanceof DmgwError ? new DmgwError(e.code, `${file.path}: ${e.message}`, e.place, e.hint) : (e as Error));
      }
    },
  });
  const bytes: Readable = unzip ? raw.pipe(counted).pipe(unzip) : raw.pipe(counted);
  // a failed read fails the write through `rows` (FileOutput's pipeline), never a half-written file
  for (const s of [raw, counted, ...(unzip ? [unzip] : [])]) s.on('error', (e) => rows.destroy(e));
  const output = new FileOutput({ store: snk.conn, format: snk.format, compression: snk.compression, name: out.name, meter, signal });
  try {
    await output.writeBytes(bytes, [rows]);
  } finally {
    out.staged.push(...output.staged);
    raw.destroy();
  }
}
