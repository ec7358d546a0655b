/**
 * The fast paths' tap on the bytes going to the sink: counts them (and their rows, for live progress: see
 * csvRowCounter) and, for validateDataConsistency, parses them for the checksum as they pass.
 */
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { decodeInPieces } from '../formats/encoding.js';
import type { RowDecoder } from '../formats/format.js';
import { PgTextParser } from '../formats/pgText.js';
import type { Checksum } from './checksum.js';
import type { ByteForm } from '../connectors/connector.js';
import { countNewlines, csvRowCounter, type Meter } from './meter.js';
import { CHUNK_BYTES, type Row } from './rows.js';

export function pgTextDecoder(): RowDecoder {
  const p = new PgTextParser();
  return { push: (t, out) => p.push(t, out), end: (out) => p.end(out), columns: () => [] };
}

/** Counts the rows of one byte stream in `form`, chunk by chunk. */
export function rowCounter(form: ByteForm): (chunk: Buffer) => number {
  return form.kind === 'csv' ? csvRowCounter(form.options.quoteChar, form.options.escapeChar, form.options.firstRowAsHeader) : countNewlines;
}

/** `countBytes`: add the bytes to meter.bytesRead (false when the caller counts what it read itself, e.g. compressed). */
export function byteTee(meter: Meter, form: ByteForm, decoder: RowDecoder | undefined, sum: Checksum | undefined, countBytes = true): Transform {
  const text = new StringDecoder('utf8');
  const countRows = rowCounter(form);
  const rows: Row[] = [];
  return new Transform({
    highWaterMark: CHUNK_BYTES,
    transform(chunk: Buffer, _e, cb) {
      if (countBytes) meter.bytesRead += chunk.length;
      const n = countRows(chunk);
      meter.rowsRead += n;
      meter.rowsWritten += n;
      try {
        if (decoder && sum) {
          decodeInPieces(text, chunk, (t) => decoder.push(t, rows));
          sum.addRows(rows);
          rows.length = 0;
        }
      } catch (e) {
        return cb(e as Error);
      }
      cb(null, chunk);
    },
    flush(cb) {
      try {
        if (decoder && sum) {
          decoder.push(text.end(), rows);
          decoder.end(rows);
          sum.addRows(rows);
        }
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}
