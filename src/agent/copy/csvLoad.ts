/**
 * The fast path for loading delimited-text files into a table store that parses CSV itself (PostgreSQL:
 * `COPY … FROM STDIN WITH (FORMAT csv, …)`, when the dataset's dialect is expressible in COPY and no translator
 * is asked): each file's bytes, decompressed and without a UTF-8 byte order mark, go to the server as they are.
 * The engine parses only the first row (the header's names, or how many columns there are) and, with
 * validateDataConsistency, every row as it passes (byteTee) for the checksum.
 * Where PostgreSQL reads a file differently from the row path, the load fails instead of loading it wrong:
 * - a mix of \n and \r\n row ends in one file ("literal carriage return found in data");
 * - before PostgreSQL 18 a line `\.` ends COPY's data and the rest of the file would be dropped without a word:
 *   EndOfDataGuard refuses such a file (even when the line is inside a quoted value; the row path loads it).
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { DmgwError } from '../../common/errors.js';
import type { FileConnector, FileRef, TableSink } from '../connectors/connector.js';
import { decompressor, type Compression } from '../formats/compression.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import { csvDecoder } from '../formats/delimitedTextFormat.js';
import { decodeInPieces } from '../formats/encoding.js';
import { byteTee } from './byteTee.js';
import { Checksum } from './checksum.js';
import type { Meter } from './meter.js';
import { CHUNK_BYTES, type Column, type LogicalType, type Row } from './rows.js';

export interface CsvLoad {
  store: FileConnector;
  compression: Compression;
  options: DelimitedTextOptions;
  meter: Meter;
  signal: AbortSignal;
  validate: boolean;
  /** the sink for a file's columns (header names, or ordinals), and the types the checksum uses */
  sinkFor(columns: Column[]): Promise<{ sink: TableSink; checkTypes: LogicalType[] }>;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Loads `files` one after another, one COPY each; returns the checksum of the rows read (with validate). */
export async function loadCsvFiles(files: FileRef[], c: CsvLoad): Promise<Checksum | undefined> {
  let sum: Checksum | undefined;
  for (const file of files) {
    const raw = await c.store.openRead(file, c.signal);
    const unzip = decompressor(c.compression);
    const out = new PassThrough({ highWaterMark: CHUNK_BYTES });
    const done = pipeline([raw, ...(unzip ? [unzip] : []), out], { signal: c.signal });
    done.catch(() => undefined);
    const chunks = out[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

    // the first row, for the columns; what was read for it is sent again below
    const head = csvDecoder(c.options);
    const text = new StringDecoder('utf8');
    const scratch: Row[] = [];
    const seen: Buffer[] = [];
    while (!head.columns()) {
      const r = await chunks.next();
      if (r.done) break;
      const chunk = seen.length === 0 && r.value.subarray(0, 3).equals(BOM) ? r.value.subarray(3) : r.value;
      seen.push(chunk);
      decodeInPieces(text, chunk, (t) => head.push(t, scratch));
      scratch.length = 0;
    }
    if (!head.columns()) {
      head.push(text.end(), scratch);
      head.end(scratch);
    }
    const columns = head.columns();
    if (!columns) {
      await done;
      continue; // an empty file: nothing to load
    }
    const { sink, checkTypes } = await c.sinkFor(columns);
    if (c.validate) sum ??= new Checksum(checkTypes);

    const meter = c.meter;
    let counted = 0;
    const countRead = (n: number) => {
      const total = unzip ? unzip.bytesWritten : counted + n;
      meter.bytesRead += total - counted;
      counted = total;
    };
    const guard = new EndOfDataGuard(file.path);
    async function* bytes(): AsyncGenerator<Buffer> {
      for (const b of seen) {
        countRead(b.length);
        guard.push(b);
        yield b;
      }
      seen.length = 0;
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) {
        countRead(r.value.length);
        guard.push(r.value);
        yield r.value;
      }
      guard.end();
      await done;
      countRead(0);
    }
    const tee = byteTee(meter, { kind: 'csv', options: c.options }, sum ? csvDecoder(c.options) : undefined, sum, false);
    // the reading half of the pipe: its failure destroys `tee`, which fails the load
    tee.on('error', () => undefined);
    pipeline(Readable.from(bytes(), { objectMode: false }), tee).catch(() => undefined);
    const { rowsRead, rowsWritten } = meter;
    const load = sink.loadBytes?.(tee, { kind: 'csv', options: c.options }, c.signal);
    if (!load) throw new Error('the table sink does not take the CSV it said it takes (loadsBytes)');
    const n = await load;
    // exact counts replace the live count made for progress
    meter.rowsRead = rowsRead + n;
    meter.rowsWritten = rowsWritten + n;
  }
  return sum;
}

const MARK = Buffer.from('\n\\.');

/** Fails a file with a line `\.` (the bytes `\n\.` then a line end or the end of the file), across chunk boundaries. */
export class EndOfDataGuard {
  /** the last bytes of the previous chunk; a line end as if one came before the file */
  private tail: Buffer = Buffer.from('\n');

  constructor(private readonly path: string) {}

  private check(buf: Buffer, until: number): void {
    for (let i = buf.indexOf(MARK); i >= 0 && i < until; i = buf.indexOf(MARK, i + 1)) {
      const next = buf[i + 3];
      if (next === 10 || next === 13) {
        throw new DmgwError('CSV_END_OF_DATA_LINE', `${this.path} has a line "\\." , which PostgreSQL's COPY reads as the end of the data`, { field: 'source' }, 'map the columns with a TabularTranslator: the row path loads such a file as it is');
      }
    }
  }

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    // a mark that began in the previous chunk's last bytes, decided by this chunk's first ones
    this.check(Buffer.concat([this.tail, chunk.subarray(0, 3)]), this.tail.length);
    // marks inside this chunk; one in its last 3 bytes is decided with the next chunk
    this.check(chunk, chunk.length);
    this.tail = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : Buffer.concat([this.tail, chunk]).subarray(-3);
  }

  end(): void {
    this.check(Buffer.concat([this.tail, Buffer.from('\n')]), this.tail.length);
  }
}
