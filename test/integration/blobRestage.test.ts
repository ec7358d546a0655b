/**
 * Blob blocks the service will not take — the built `dmgw run`, a real PostgreSQL source and Azurite:
 * - another writer left uncommitted blocks with ids of another length on the target blob: Azurite refuses our first
 *   Put Block with `InvalidBlobOrBlock`;
 * - another writer commits the blob between our staging and our Put Block List (an empty block list, put by a second
 *   client from the HTTP proxy the gateway's blob traffic goes through), which throws away every block we staged:
 *   Azurite refuses our Put Block List (`InvalidBlockList`).
 * Either way the partition is staged again once, from a clean start, and the blob ends whole; a second refusal fails
 * the copy saying another writer writes the same blob. Both used to fail the copy at once (a 400 is not transient).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createServer, request, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';
import { ensureBuilt, runCli } from '../support/builtCli.js';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import type pg from 'pg';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('restage');
const ROWS = 120_000;
const EXPECTED = `id,t\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},${createHash('md5').update(String(i + 1)).digest('hex')}`).join('\n')}\n`;

let az: AzuriteServer;
let client: pg.Client;
let f: TestFactory;
let blobs: BlobServiceClient;
let proxy: Server;
let proxyPort = 0;
/** blob path → how many of its Put Block Lists the "other writer" still beats to it */
const interfere = new Map<string, number>();
const blockListPuts = new Map<string, number>();

/** A forward HTTP proxy (absolute-URI requests, as the gateway's blob client sends for http://) that can play the other writer. */
function startProxy(): Promise<void> {
  proxy = createServer((req, res) => {
    const url = new URL(req.url!);
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', async () => {
      const path = decodeURIComponent(url.pathname).replace(/^\/devstoreaccount1\/restage\//, '');
      if (req.method === 'PUT' && url.searchParams.get('comp') === 'blocklist') {
        blockListPuts.set(path, (blockListPuts.get(path) ?? 0) + 1);
        const left = interfere.get(path) ?? 0;
        if (left > 0) {
          interfere.set(path, left - 1);
          // the other writer commits first: the service drops every uncommitted block of the blob
          await blobs.getContainerClient('restage').getBlockBlobClient(path).commitBlockList([]);
        }
      }
      const up = request({ host: url.hostname, port: url.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(body));
    });
  });
  return new Promise((r) =>
    proxy.listen(0, '127.0.0.1', () => {
      proxyPort = (proxy.address() as { port: number }).port;
      r();
    }),
  );
}

const quietEnv = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '', no_proxy: '' };

/** `dmgw run` of a copy of the table to blob `restage/<name>.csv`, through the proxy */
async function copyTo(name: string) {
  const ds = f.dataset(`Out_${name}`, 'DelimitedText', 'Blob', { location: { type: 'AzureBlobStorageLocation', container: 'restage', fileName: `${name}.csv` }, firstRowAsHeader: true, rowDelimiter: '\n' });
  f.write('pipeline', name, { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: ds, type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${schema}.src ORDER BY id` }, sink: { type: 'DelimitedTextSink' } } }] });
  const r = await runCli(['run', '--factory', f.dir, '--pipeline', name, '--events', 'ndjson', '--json'], { env: { ...process.env, ...quietEnv, DMGW_HOME: f.home, DMGW_PROXY: `http://127.0.0.1:${proxyPort}` } });
  return { ...r, log: r.stdout + r.stderr };
}
const blob = (name: string) => blobs.getContainerClient('restage').getBlockBlobClient(`${name}.csv`);
const uncommitted = async (name: string) => ((await blob(name).getBlockList('uncommitted').catch(() => undefined))?.uncommittedBlocks ?? []).map((b) => b.name);

describe.skipIf(!up)('blob blocks the service refuses are staged again once (dmgw run, Azurite, PostgreSQL)', () => {
  beforeAll(async () => {
    ensureBuilt();
    az = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    await blobs.getContainerClient('restage').createIfNotExists();
    await startProxy();
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, ${ROWS}) g`);
    f = testFactory({ blobConnectionString: az.connectionString });
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  }, 120_000);

  afterAll(async () => {
    await dropSchema(client, schema);
    await az?.stop();
    await new Promise((r) => proxy?.close(r));
  });

  it("another writer's blocks with ids of another length (Put Block: InvalidBlobOrBlock): cleared, staged again, whole blob", async () => {
    await blob('foreign').stageBlock(Buffer.from('abc').toString('base64'), Buffer.from('other writer'), 12);
    expect(await uncommitted('foreign')).toHaveLength(1);
    const r = await copyTo('foreign');
    expect(r.code, r.log).toBe(0);
    expect((await blob('foreign').downloadToBuffer()).toString('utf8')).toBe(EXPECTED);
    expect(r.log).toMatch(/the store refused what was staged for blob restage\/foreign\.csv \(InvalidBlobOrBlock\); staging it again \(once\)/);
    expect(await uncommitted('foreign')).toEqual([]);
  });

  it('the blocks gone before the commit (Put Block List: InvalidBlockList): staged again once, whole blob', async () => {
    interfere.set('lost.csv', 1);
    const r = await copyTo('lost');
    expect(r.code, r.log).toBe(0);
    expect(blockListPuts.get('lost.csv')).toBe(2);
    expect((await blob('lost').downloadToBuffer()).toString('utf8')).toBe(EXPECTED);
    expect(r.log).toMatch(/the store refused what was staged for blob restage\/lost\.csv \(InvalidBlockList\); staging it again \(once\)/);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { activities: Array<{ output: { rowsCopied: number; rowsRead: number } }> };
    expect(result.activities[0]!.output).toMatchObject({ rowsRead: ROWS, rowsCopied: ROWS });
    expect(await uncommitted('lost')).toEqual([]);
  });

  it('refused again after the second staging: the copy fails saying another writer writes the blob', async () => {
    interfere.set('twice.csv', 2);
    const r = await copyTo('twice');
    expect(r.code).toBe(1);
    expect(blockListPuts.get('twice.csv')).toBe(2);
    expect(r.log).toContain('blob restage/twice.csv: the store refused what was staged for it again after it was staged a second time (InvalidBlockList): another writer is writing the same file');
    expect(r.log).not.toMatch(/\n\s+at /);
    // what is there is the other writer's (an empty blob), nothing of ours half-written, no blocks left behind
    expect((await blob('twice').downloadToBuffer()).length).toBe(0);
    expect(await uncommitted('twice')).toEqual([]);
  });
});
