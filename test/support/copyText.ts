/**
 * What the COPY-text transcoder tests (pgTextJson, pgTextParquet) share: `rowsOfCopyText`, the row path's reading
 * of COPY text, and `feedInCuts`, which hands a transcoder its input cut anywhere — inside a UTF-8 sequence, an
 * escape, a line end.
 */
import type { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Row } from '../../src/agent/copy/rows.js';
import { PgTextParser } from '../../src/agent/formats/pgText.js';

/** COPY text bytes → rows, as the row path reads them (decoded as UTF-8, a sequence cut anywhere joined) */
export function rowsOfCopyText(bytes: Buffer): Row[] {
  const parser = new PgTextParser();
  const rows: Row[] = [];
  const d = new StringDecoder('utf8');
  parser.push(d.write(bytes), rows);
  parser.push(d.end(), rows);
  parser.end(rows);
  return rows;
}


/** Feeds `bytes` to `t` cut into pieces of the given sizes (the rest in one piece) and collects what it writes; rejects with its error. */
export async function feedInCuts(t: Transform, bytes: Buffer, cuts: number[]): Promise<Buffer> {
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve, reject) => t.on('end', resolve).on('error', reject));
  let at = 0;
  for (const c of cuts) {
    if (at >= bytes.length) break;
    t.write(bytes.subarray(at, at + c));
    at += c;
  }
  if (at < bytes.length) t.write(bytes.subarray(at));
  t.end();
  await done;
  return Buffer.concat(out);
}
