/**
 * Feeds `bytes` to a Transform cut into pieces of the given sizes (the rest in one piece) and collects what it
 * writes: how the transcoder tests (pgTextJson, pgTextParquet) hand input cut anywhere — inside a UTF-8 sequence, an
 * escape, a line end. Rejects with the stream's error.
 */
import type { Transform } from 'node:stream';

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
