/**
 * A file format turns decoded text into rows and rows into text; it knows nothing about where the bytes live
 * (stores) or how they are compressed (compression.ts). DelimitedText and Json implement it.
 */
import { DmgwError } from '../../common/errors.js';
import type { Readable, Transform } from 'node:stream';
import type { Column, Row, RowBatch } from '../copy/rows.js';
import { delimitedTextFormat } from './delimitedTextFormat.js';
import { jsonFormat } from './json.js';
import { parquetFormat } from './parquet.js';

export interface RowDecoder {
  /** Parses a chunk of text; complete data rows are appended to `out`. */
  push(text: string, out: Row[]): void;
  end(out: Row[]): void;
  /** The columns, once the header (or first object) has been read; undefined before. */
  columns(): Column[] | undefined;
}

export interface RowEncoder {
  begin(): string;
  rows(rows: Row[]): string;
  end(): string;
}

/** A binary format's encoder (Parquet): bytes instead of text, no text encoding. */
export interface BinaryRowEncoder {
  begin(): Uint8Array;
  rows(rows: Row[]): Uint8Array;
  end(): Uint8Array;
}

export interface FileFormat {
  type: 'DelimitedText' | 'Json' | 'Parquet';
  encodingName: string;
  /** default file extension without compression, e.g. `.csv` */
  extension: string;
  /** `wanted`: the column names the consumer needs (JSON objects are projected onto them). */
  decoder(wanted?: string[]): RowDecoder;
  encoder(columns: Column[]): RowEncoder;
  /** binary formats write bytes themselves (FileOutput prefers this over `encoder`) */
  binaryEncoder?(columns: Column[]): BinaryRowEncoder;
  /** writes the format straight from a table's COPY text bytes (the byte path: copy/engine.ts), the bytes `encoder` would */
  fromPgText?(columns: Column[]): Transform;
  /** the format compresses inside the file (Parquet): the dataset's compressionCodec is its business, not a stream's */
  ownsCompression?: boolean;
  /** binary formats read whole files themselves (Parquet needs its footer first) instead of a text decoder */
  readRows?(raw: Readable, wanted: string[] | undefined, signal: AbortSignal, countBytes?: (n: number) => void): AsyncIterable<RowBatch>;
}

/** The format of a file dataset (+ the copy sink's formatSettings when it is a sink). */
export function formatOf(datasetType: string, typeProperties: Record<string, unknown>, formatSettings: Record<string, unknown> = {}): FileFormat {
  if (datasetType === 'DelimitedText') return delimitedTextFormat(typeProperties, formatSettings);
  if (datasetType === 'Json') return jsonFormat(typeProperties, formatSettings);
  if (datasetType === 'Parquet') return parquetFormat(typeProperties);
  throw new DmgwError('FORMAT_UNSUPPORTED', `dataset type ${datasetType} is not a file format the gateway reads or writes`, { field: 'properties.type' }, 'use DelimitedText, Json or Parquet');
}
