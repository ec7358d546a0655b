/**
 * "CSV as it is" (copy/csvPass.ts): delimited text into delimited text of the same dialect passes byte for byte —
 * CRLF line ends, quotes the writer would not have put and a last row without a line end survive, which the row
 * path would have rewritten — with rowsCopied the parser's count. Another dialect, validation or a file that
 * ends inside quotes takes the row path or fails as the row path does, leaving no file behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { testFactory, type TestFactory } from '../support/copyFactory.js';

const RFC = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true };
// 4 rows: a quoted value over two lines, a doubled quote, an empty line is a row, no line end after the last
const TEXT = 'id,note\r\n1,"two\r\nlines"\r\n2,"say ""hi"""\r\n\r\n"3",plain é 😀';
const SOURCE = { type: 'DelimitedTextSource', storeSettings: { type: 'FileServerReadSettings' } };

describe('CSV as it is: same dialect on both sides', () => {
  let f: TestFactory;
  beforeAll(() => {
    f = testFactory();
    writeFileSync(join(f.files, 'in.csv'), TEXT);
    writeFileSync(join(f.files, 'in.csv.gz'), gzipSync(TEXT));
    writeFileSync(join(f.files, 'open.csv'), 'id,note\n1,"never closed\n2,x\n');
    f.dataset('In', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', fileName: 'in.csv' }, ...RFC });
    f.dataset('InGz', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', fileName: 'in.csv.gz' }, ...RFC, compressionCodec: 'gzip' });
    f.dataset('Open', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', fileName: 'open.csv' }, ...RFC });
  });

  const out = (name: string, extra: Record<string, unknown> = {}) => f.dataset(name, 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: name, fileName: 'out.csv' }, ...RFC, ...extra });

  it('passes the bytes as they are, rows counted as the parser counts them', async () => {
    const r = await f.copy('Same', 'In', out('Same'), { source: SOURCE, sink: { type: 'DelimitedTextSink' } });
    expect(r.error).toBeUndefined();
    expect(readFileSync(join(f.files, 'Same', 'out.csv'), 'utf8')).toBe(TEXT);
    expect(r.activities[0]!.output).toMatchObject({ rowsRead: 4, rowsCopied: 4, dataRead: Buffer.byteLength(TEXT), dataWritten: Buffer.byteLength(TEXT) });
  });

  it('a gzip source into an uncompressed sink: the text, unzipped; dataRead is what was read', async () => {
    const r = await f.copy('Unzip', 'InGz', out('Unzip'), { source: SOURCE, sink: { type: 'DelimitedTextSink' } });
    expect(r.error).toBeUndefined();
    expect(readFileSync(join(f.files, 'Unzip', 'out.csv'), 'utf8')).toBe(TEXT);
    expect(r.activities[0]!.output).toMatchObject({ rowsCopied: 4, dataRead: gzipSync(TEXT).length });
  });

  it('another dialect (quoteAllText) or validation take the row path: the same 4 rows, written anew', async () => {
    const quoted = await f.copy('Quoted', 'In', out('Quoted', { quoteAllText: true }), { source: SOURCE, sink: { type: 'DelimitedTextSink', formatSettings: { type: 'DelimitedTextWriteSettings', quoteAllText: true } } });
    expect(quoted.error).toBeUndefined();
    expect(quoted.activities[0]!.output!.rowsCopied).toBe(4);
    expect(readFileSync(join(f.files, 'Quoted', 'out.csv'), 'utf8')).toBe('"id","note"\n"1","two\r\nlines"\n"2","say ""hi"""\n\n"3","plain é 😀"\n');
    const checked = await f.copy('Checked', 'In', out('Checked'), { source: SOURCE, sink: { type: 'DelimitedTextSink' }, validateDataConsistency: true });
    expect(checked.error).toBeUndefined();
    expect(checked.activities[0]!.output).toMatchObject({ rowsCopied: 4, dataConsistencyVerification: { ok: true, sourceRows: 4, sinkRows: 4 } });
    expect(readFileSync(join(f.files, 'Checked', 'out.csv'), 'utf8')).not.toBe(TEXT); // rewritten: \n line ends
  });

  it('a file that ends inside quotes fails as the row path does, and leaves no file', async () => {
    const r = await f.copy('Broken', 'Open', out('Broken'), { source: SOURCE, sink: { type: 'DelimitedTextSink' } });
    expect(r.error?.message).toMatch(/open\.csv: the file ends inside a quoted value/);
    expect(existsSync(join(f.files, 'Broken')) ? readdirSync(join(f.files, 'Broken')) : []).toEqual([]);
  });
});
