/**
 * Child-process probes the benchmarks time beside the engine (each in its own process, like the engine):
 *   probes.js upload FILE CONNECTION_STRING CONTAINER BLOB          raw upload of a file (8 MiB blocks × 4)
 *   probes.js upload-md5 FILE CONNECTION_STRING CONTAINER BLOB      raw upload in the engine's request shape: Put
 *                                                                   Block with a Content-MD5 each (4 MiB × 4), then
 *                                                                   Put Block List
 *   probes.js naive PG_URL SQL CONNECTION_STRING CONTAINER BLOB     the naive pipeline: pg-copy-streams piped
 *                                                                   into uploadStream (8 MiB blocks × 4)
 * Each prints `{"bytes": N}` (the blob's size as stored) on stdout.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const BLOCK = 8 * 1024 * 1024;
const CONCURRENCY = 4;
/** the engine's block size (src/agent/connectors/azureBlob.ts) */
const MD5_BLOCK = 4 * 1024 * 1024;

async function blob(connectionString: string, container: string, name: string) {
  const c = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  await c.createIfNotExists();
  return c.getBlockBlobClient(name);
}

async function main([what, ...args]: string[]): Promise<void> {
  if (what === 'upload') {
    const [file, conn, container, name] = args as [string, string, string, string];
    const b = await blob(conn, container, name);
    await b.uploadFile(file, { blockSize: BLOCK, concurrency: CONCURRENCY });
    process.stdout.write(`${JSON.stringify({ bytes: (await b.getProperties()).contentLength })}\n`);
    return;
  }
  if (what === 'upload-md5') {
    const [file, conn, container, name] = args as [string, string, string, string];
    const b = await blob(conn, container, name);
    const fh = await open(file, 'r');
    const ids: string[] = [];
    const inFlight = new Set<Promise<unknown>>();
    for (let pos = 0; ; ) {
      const buf = Buffer.allocUnsafe(MD5_BLOCK);
      const { bytesRead } = await fh.read(buf, 0, MD5_BLOCK, pos);
      if (!bytesRead) break;
      pos += bytesRead;
      const body = buf.subarray(0, bytesRead);
      const id = Buffer.from(String(ids.length).padStart(8, '0')).toString('base64');
      ids.push(id);
      const p = b.stageBlock(id, body, body.length, { transactionalContentMD5: createHash('md5').update(body).digest() }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await fh.close();
    await b.commitBlockList(ids);
    process.stdout.write(`${JSON.stringify({ bytes: (await b.getProperties()).contentLength })}\n`);
    return;
  }
  if (what === 'naive') {
    const [url, sql, conn, container, name] = args as [string, string, string, string, string];
    const b = await blob(conn, container, name);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const stream = client.query(copyTo(sql));
    await b.uploadStream(stream, BLOCK, CONCURRENCY);
    await client.end();
    process.stdout.write(`${JSON.stringify({ bytes: (await b.getProperties()).contentLength })}\n`);
    return;
  }
  throw new Error(`unknown probe "${what}"`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`probe failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
