/**
 * A cancelled or failed blob write leaves nothing in the account: not the blob, and not its staged
 * (uncommitted) blocks; an existing blob of the same name keeps its content.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobConnector, BLOCK_SIZE } from '../../src/agent/connectors/azureBlob.js';
import type { LinkedService } from '../../src/common/model/types.js';
import { startAzurite, type AzuriteServer } from '../support/azurite.js';

let az: AzuriteServer;
beforeAll(async () => {
  az = await startAzurite();
});
afterAll(() => az?.stop());

function connector(): AzureBlobConnector {
  const ls = { kind: 'linkedService', name: 'Blob', file: '', properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: az.connectionString } } } as LinkedService;
  return new AzureBlobConnector(ls);
}

async function blobsIncludingUncommitted(container: string): Promise<string[]> {
  const c = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container);
  const names: string[] = [];
  for await (const b of c.listBlobsFlat({ includeUncommitedBlobs: true })) names.push(b.name);
  return names;
}

async function writeBlocks(stream: NodeJS.WritableStream, blocks: number): Promise<void> {
  for (let i = 0; i < blocks; i++) {
    const ok = stream.write(randomBytes(BLOCK_SIZE));
    if (!ok) await new Promise((r) => stream.once('drain', r));
  }
}

describe('Azure Blob: abort of a staged write', () => {
  it('removes the staged blocks of a new blob', async () => {
    const ac = new AbortController();
    const staged = await connector().stage({ container: 'abort1', path: 'out/new.csv' }, ac.signal);
    await writeBlocks(staged.stream, 3);
    // let the stage requests reach the service before the cancel
    await new Promise((r) => setTimeout(r, 500));
    expect(await blobsIncludingUncommitted('abort1')).toEqual(['out/new.csv']);
    ac.abort();
    await staged.abort();
    expect(await blobsIncludingUncommitted('abort1')).toEqual([]);
  });

  it('keeps an existing blob of the same name as it was', async () => {
    const svc = BlobServiceClient.fromConnectionString(az.connectionString);
    const c = svc.getContainerClient('abort2');
    await c.createIfNotExists();
    const before = Buffer.from('id,name\n1,kept\n');
    // written as blocks, as the gateway itself writes blobs
    const earlier = c.getBlockBlobClient('out/existing.csv');
    await earlier.stageBlock(Buffer.from('b1').toString('base64'), before.subarray(0, 8), 8);
    await earlier.stageBlock(Buffer.from('b2').toString('base64'), before.subarray(8), before.length - 8);
    await earlier.commitBlockList([Buffer.from('b1').toString('base64'), Buffer.from('b2').toString('base64')], { blobHTTPHeaders: { blobContentType: 'text/csv' }, metadata: { origin: 'earlier' } });
    expect((await earlier.getBlockList('uncommitted')).uncommittedBlocks ?? []).toEqual([]);
    const ac = new AbortController();
    const staged = await connector().stage({ container: 'abort2', path: 'out/existing.csv' }, ac.signal);
    await writeBlocks(staged.stream, 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(((await earlier.getBlockList('uncommitted')).uncommittedBlocks ?? []).length).toBeGreaterThan(0);
    ac.abort();
    await staged.abort();
    const blob = c.getBlockBlobClient('out/existing.csv');
    expect((await blob.downloadToBuffer()).equals(before)).toBe(true);
    const list = await blob.getBlockList('uncommitted');
    expect(list.uncommittedBlocks ?? []).toEqual([]);
    const p = await blob.getProperties();
    expect(p.contentType).toBe('text/csv');
    expect(p.metadata).toEqual({ origin: 'earlier' });
  });
});

describe('Azure Blob: abort of a write over a blob made by a single Put Blob', () => {
  it('leaves that blob untouched', async () => {
    const c = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('abort3');
    await c.createIfNotExists();
    const before = Buffer.from('one put\n');
    await c.getBlockBlobClient('single.csv').upload(before, before.length);
    const ac = new AbortController();
    const staged = await connector().stage({ container: 'abort3', path: 'single.csv' }, ac.signal);
    await writeBlocks(staged.stream, 2);
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    await staged.abort();
    expect((await c.getBlockBlobClient('single.csv').downloadToBuffer()).equals(before)).toBe(true);
  });
});
