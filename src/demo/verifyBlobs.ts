/**
 * Reads back what the copy wrote — every blob under the sink folder — and checksums it without the engine:
 * download, gunzip (by the gzip magic bytes, so a wrong file extension cannot fool it), decode UTF-8, parse CSV,
 * map header names to the table's columns, and feed `RowChecksum`.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { CsvReader } from './csvReader.js';
import { RowChecksum, type ColumnKind, type TableChecksum } from './rowChecksum.js';

export interface BlobCsvLocation {
  connectionString: string;
  container: string;
  /** folder inside the container; every blob below it is part of the result */
  folder: string;
  firstRowAsHeader: boolean;
  delimiter?: string;
  quote?: string;
}

export interface BlobFile {
  name: string;
  /** bytes as stored (compressed when gzip) */
  bytes: number;
  /** bytes after decompression */
  textBytes: number;
  gzip: boolean;
  rows: number;
}

export interface BlobVerification extends TableChecksum {
  files: BlobFile[];
}

export async function checksumBlobCsv(loc: BlobCsvLocation, columns: Array<{ name: string; kind: ColumnKind }>): Promise<BlobVerification> {
  const container = BlobServiceClient.fromConnectionString(loc.connectionString).getContainerClient(loc.container);
  const prefix = loc.folder ? `${loc.folder.replace(/\/+$/, '')}/` : '';
  const sum = new RowChecksum(columns.map((c) => c.kind));
  const files: BlobFile[] = [];
  for await (const item of container.listBlobsFlat({ prefix })) {
    const download = await container.getBlobClient(item.name).download();
    const file = await checksumStream(download.readableStreamBody!, item.name, loc, columns, sum);
    files.push({ ...file, bytes: item.properties.contentLength ?? file.bytes });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { ...sum.result(), files };
}

/** Feeds one CSV stream (gzip or plain) into `sum`; the header, when present, decides the column order. */
export async function checksumStream(
  body: NodeJS.ReadableStream,
  name: string,
  loc: Pick<BlobCsvLocation, 'firstRowAsHeader' | 'delimiter' | 'quote'>,
  columns: Array<{ name: string; kind: ColumnKind }>,
  sum: RowChecksum,
): Promise<BlobFile> {
  let order: number[] | undefined = loc.firstRowAsHeader ? undefined : columns.map((_, i) => i);
  let rows = 0;
  const reader = new CsvReader(
    (fields) => {
      if (!order) {
        order = headerOrder(fields, columns, name);
        return;
      }
      rows++;
      if (fields.length !== columns.length) throw new Error(`${name}: row ${rows} has ${fields.length} fields, expected ${columns.length}`);
      sum.add(order.map((i) => fields[i]!));
    },
    { delimiter: loc.delimiter, quote: loc.quote },
  );
  let bytes = 0;
  let textBytes = 0;
  const decoder = new StringDecoder('utf8');
  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  async function* stored() {
    for (let r = first; !r.done; r = await iterator.next()) {
      bytes += r.value.length;
      yield r.value;
    }
  }
  async function consume(text: AsyncIterable<Buffer>) {
    for await (const chunk of text) {
      textBytes += chunk.length;
      reader.write(decoder.write(chunk));
    }
  }
  if (gzip) await pipeline(Readable.from(stored()), createGunzip(), consume);
  else await consume(stored());
  reader.write(decoder.end());
  reader.end();
  if (!order && loc.firstRowAsHeader) throw new Error(`${name}: empty file, expected a header row`);
  return { name, bytes, textBytes, gzip, rows };
}

function headerOrder(header: string[], columns: Array<{ name: string }>, file: string): number[] {
  const at = new Map(header.map((h, i) => [h.trim().replace(/^\uFEFF/, '').toLowerCase(), i]));
  return columns.map((c) => {
    const i = at.get(c.name.toLowerCase());
    if (i === undefined) throw new Error(`${file}: the header has no column "${c.name}" (header: ${header.join(', ')})`);
    return i;
  });
}
