/**
 * A file format turns decoded text into rows and rows into text; it knows nothing about where the bytes live
 * (stores) or how they are compressed (compression.ts). DelimitedText and Json implement it.
 */
import { DmgwError } from '../../common/errors.js';
import type { Column, Row } from '../copy/rows.js';
import { delimitedTextFormat } from './delimitedTextFormat.js';
import { jsonFormat } from './json.js';

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

export interface FileFormat {
  type: 'DelimitedText' | 'Json';
  encodingName: string;
  /** default file extension without compression, e.g. `.csv` */
  extension: string;
  /** `wanted`: the column names the consumer needs (JSON objects are projected onto them). */
  decoder(wanted?: string[]): RowDecoder;
  encoder(columns: Column[]): RowEncoder;
}

/** The format of a file dataset (+ the copy sink's formatSettings when it is a sink). */
export function formatOf(datasetType: string, typeProperties: Record<string, unknown>, formatSettings: Record<string, unknown> = {}): FileFormat {
  if (datasetType === 'DelimitedText') return delimitedTextFormat(typeProperties, formatSettings);
  if (datasetType === 'Json') return jsonFormat(typeProperties, formatSettings);
  throw new DmgwError('FORMAT_UNSUPPORTED', `dataset type ${datasetType} is not a file format the gateway reads or writes`, { field: 'properties.type' }, 'use DelimitedText or Json');
}
