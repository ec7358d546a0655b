/**
 * Child-process probes the benchmarks time beside the engine (each in its own process, like the engine):
 *   probes.js upload FILE CONNECTION_STRING CONTAINER BLOB          raw upload of a file (8 MiB blocks × 4)
 *   probes.js naive PG_URL SQL CONNECTION_STRING CONTAINER BLOB     the naive pipeline: pg-copy-streams piped
 *                                                                   into uploadStream (8 MiB blocks × 4)
 * Each prints `{"bytes": N}` (the blob's size as stored) on stdout.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const BLOCK = 8 * 1024 * 1024;
const CONCURRENCY = 4;

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
