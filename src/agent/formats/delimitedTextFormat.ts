/** DelimitedText as a FileFormat: header handling on top of CsvParser/CsvWriter. */
import type { Column, Row } from '../copy/rows.js';
import { CsvParser, CsvWriter, delimitedTextOptions, headerColumns, ordinalName, type DelimitedTextOptions } from './delimitedText.js';
import type { FileFormat, RowDecoder, RowEncoder } from './format.js';

export interface DelimitedTextFormat extends FileFormat {
  type: 'DelimitedText';
  options: DelimitedTextOptions;
}

export function delimitedTextFormat(tp: Record<string, unknown>, formatSettings: Record<string, unknown> = {}): DelimitedTextFormat {
  const options = delimitedTextOptions(tp, formatSettings);
  return {
    type: 'DelimitedText',
    options,
    encodingName: options.encodingName,
    extension: '.csv',
    decoder: () => csvDecoder(options),
    encoder: (columns) => csvEncoder(options, columns),
  };
}

export function csvDecoder(options: DelimitedTextOptions): RowDecoder {
  const parser = new CsvParser(options);
  let columns: Column[] | undefined;
  const take = (rows: Row[], out: Row[]) => {
    let from = 0;
    if (!columns && rows.length) {
      if (options.firstRowAsHeader) {
        columns = headerColumns(rows[0]!);
        from = 1;
      } else columns = rows[0]!.map((_v, i) => ({ name: ordinalName(i), type: 'string' as const }));
    }
    for (let i = from; i < rows.length; i++) out.push(rows[i]!);
  };
  const tmp: Row[] = [];
  return {
    push(text, out) {
      parser.push(text, tmp);
      take(tmp, out);
      tmp.length = 0;
    },
    end(out) {
      parser.end(tmp);
      take(tmp, out);
      tmp.length = 0;
    },
    columns: () => columns,
  };
}

export function csvEncoder(options: DelimitedTextOptions, columns: Column[]): RowEncoder {
  const w = new CsvWriter(options);
  return {
    begin: () => (options.firstRowAsHeader ? w.header(columns) : ''),
    rows: (rows) => w.rows(rows),
    end: () => '',
  };
}
