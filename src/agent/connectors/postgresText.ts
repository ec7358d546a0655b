/**
 * PostgreSQL's SQL text the connector and its sinks share (postgres.ts, postgresDirect.ts): quoting, the COPY options
 * of a CSV dialect, and the COPY stream guard.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Row } from '../copy/rows.js';
import { ChunkedFormatter } from '../copy/textChunks.js';
import { isUtf8 } from '../formats/encoding.js';
import { formatPgText } from '../formats/pgText.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import type { TableName } from './connector.js';
import { qualifiedName } from './sqlText.js';

export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** A string literal PostgreSQL reads the same whatever standard_conforming_strings says. */
export function quoteLiteral(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

export const qualified = (t: TableName): string => qualifiedName(t, quoteIdent);

/** The COPY options that make PostgreSQL write exactly this CSV dialect; undefined when it cannot. */
export function copyCsvOptions(o: DelimitedTextOptions): string | undefined {
  const oneByte = (c: string) => c.length === 1 && c.charCodeAt(0) < 128 && c !== '\r' && c !== '\n';
  if (!isUtf8(o.encodingName)) return undefined;
  if (o.rowDelimiter !== undefined && o.rowDelimiter !== '\n') return undefined;
  if (!oneByte(o.columnDelimiter) || !oneByte(o.quoteChar)) return undefined;
  const escape = o.escapeChar || o.quoteChar;
  if (!oneByte(escape)) return undefined;
  if (/[\r\n]/.test(o.nullValue) || o.nullValue.includes(o.columnDelimiter) || o.nullValue.includes(o.quoteChar)) return undefined;
  const opts = [`FORMAT csv`, `DELIMITER ${quoteLiteral(o.columnDelimiter)}`, `QUOTE ${quoteLiteral(o.quoteChar)}`, `ESCAPE ${quoteLiteral(escape)}`, `NULL ${quoteLiteral(o.nullValue)}`];
  if (o.firstRowAsHeader) opts.push('HEADER');
  if (o.quoteAllText) opts.push('FORCE_QUOTE *');
  return opts.join(', ');
}

/**
 * pg-copy-streams emits 'error' on a COPY stream when its connection dies, even after the stream was
 * destroyed or its consumer (pipeline, for await) has already seen the failure; without a listener that
 * second emit would crash the process. Consumers still see the first error through their own listeners.
 */
export function quiet<T extends NodeJS.EventEmitter>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

/** Feeds `rows` as COPY text into a `COPY … FROM STDIN` stream (the staged and the direct sinks' loadRows). */
export const copyRows =
  (rows: AsyncIterable<Row[]>) =>
  (stream: Writable): Promise<void> =>
    pipeline(async function* () {
      const text = new ChunkedFormatter(formatPgText);
      for await (const batch of rows) for (const t of text.pieces(batch)) yield Buffer.from(t, 'utf8');
    }, stream);
