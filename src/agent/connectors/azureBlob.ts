/**
 * Azure Blob Storage (`AzureBlobStorage` linked service: connection string incl. `UseDevelopmentStorage=true`
 * and account key, or `sasUri` (+ `sasToken`); `AzureBlobStorageLocation` container/folderPath/fileName).
 * Writing stages blocks in parallel (bounded: `BLOCKS_IN_FLIGHT` per blob, `BLOCK_BUFFERS` for the process) and commits the
 * block list only at `commit`: until then the blob does not exist (or keeps its old content), so a blob appears
 * whole or not at all. Blocks of an abandoned attempt are never committed; the service discards them.
 * Every block carries its Content-MD5, which the service checks before it stores the block: a block damaged on
 * the way is refused (400 Md5Mismatch) and the engine retries the partition (retry.ts), instead of a damaged
 * blob being committed. It costs the gateway ~1.5 s of CPU per GB. On Azurite it is also a large speed-up:
 * without it, Azurite computes a CRC64 of every block in JavaScript (~80 MB/s per core), which was the
 * pipeline's limit; with it, an MD5 (native).
 */
import type { BlobServiceClient, BlockBlobClient, StoragePipelineOptions } from '@azure/storage-blob';
import { createHash, randomBytes } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { registerSecret } from '../../common/redact.js';
import { secretText } from '../../common/secrets.js';
import { CHUNK_BYTES } from '../copy/rows.js';
import { storageBlob } from '../libraries.js';
import { blobPipeline, dataProxy } from '../proxy/dataProxy.js';
import { BlockBuffers } from './blockBuffers.js';
import type { FileConnector, FileLocation, FileRef, FileSelection, StagedFile } from './connector.js';
import { joinPath, literalPrefix, selects } from './wildcard.js';

/**
 * 4 MiB blocks, 4 in flight per blob. Measured on Azurite (bench pg-copy, 10M rows): 2 MiB × 4 kept too few
 * bytes in flight (59 MB/s for one stream), 4 MiB × 4 reached 102–114 MB/s and 8 MiB no more, at twice the
 * memory. A blob takes at most MAX_BLOCKS blocks: 195 GiB.
 */
export const BLOCK_SIZE = 4 * 1024 * 1024;
export const MAX_BLOCKS = 50_000;
/** per blob */
export const BLOCKS_IN_FLIGHT = 4;
/**
 * Block buffers of the whole process (blockBuffers.ts), 24 MiB: one blob keeps 4 in flight while it fills a
 * fifth; 4 blobs fill 4 and keep 2 in flight (as fast here: 8 buffers gained nothing with 4 partitions).
 */
export const BLOCK_BUFFERS = new BlockBuffers(BLOCK_SIZE, BLOCKS_IN_FLIGHT + 2);

/**
 * The SDK retries one request a few times itself (a cut connection while staging a block); the engine retries the
 * partition after that. The proxy (or none) is added per client by `blobPipeline` (proxy/dataProxy.ts).
 */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 120_000 } };

export function blobServiceClient(ls: LinkedService): BlobServiceClient {
  const { AnonymousCredential, BlobServiceClient } = storageBlob();
  const tp = ls.properties.typeProperties ?? {};
  const cs = secretText(tp.connectionString);
  const sasUri = secretText(tp.sasUri);
  dataProxy(); // a proxy setting that cannot be used fails here, as itself
  try {
    if (cs) {
      for (const m of cs.matchAll(/(?:AccountKey|SharedAccessSignature)=([^;]+)/gi)) registerSecret(m[1]);
      // the SDK parses the string (URL, key or SAS); the client itself is built on the gateway's proxy choice
      const parsed = BlobServiceClient.fromConnectionString(cs);
      return new BlobServiceClient(parsed.url, blobPipeline(parsed.url, parsed.credential, PIPELINE));
    }
    if (sasUri) {
      const token = secretText(tp.sasToken);
      registerSecret(token);
      const url = token ? `${sasUri}${sasUri.includes('?') ? '&' : '?'}${token.replace(/^\?/, '')}` : sasUri;
      return new BlobServiceClient(url, blobPipeline(url, new AnonymousCredential(), PIPELINE));
    }
    const endpoint = typeof tp.serviceEndpoint === 'string' ? tp.serviceEndpoint : undefined;
    if (endpoint) return new BlobServiceClient(endpoint, blobPipeline(endpoint, new AnonymousCredential(), PIPELINE));
  } catch (e) {
    throw new DmgwError('BLOB_CONNECTION', `linked service ${ls.name}: ${(e as Error).message}`, { file: ls.file, field: 'properties.typeProperties.connectionString' }, 'use DefaultEndpointsProtocol=https;AccountName=...;AccountKey=... or a sasUri');
  }
  throw new DmgwError('BLOB_CONNECTION', `linked service ${ls.name} has no connectionString or sasUri`, { file: ls.file, field: 'properties.typeProperties' }, 'add "connectionString" (or "sasUri")');
}

export class AzureBlobConnector implements FileConnector {
  readonly kind = 'files' as const;
  readonly linkedService: string;
  readonly service: BlobServiceClient;

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    this.service = blobServiceClient(ls);
  }

  async test(signal?: AbortSignal): Promise<void> {
    await this.service.listContainers().byPage({ maxPageSize: 1 }).next();
    void signal;
  }

  async close(): Promise<void> {}

  private container(ref: { container?: string }): string {
    if (!ref.container) throw new DmgwError('BLOB_CONTAINER', 'the blob location names no container', { field: 'typeProperties.location.container' }, 'set location.container');
    return ref.container;
  }

  async list(location: FileLocation, selection: FileSelection): Promise<FileRef[]> {
    const container = this.container(location);
    const folder = joinPath(location.folderPath);
    const wildFolder = selection.wildcardFolderPath;
    const prefix = wildFolder ? literalPrefix(joinPath(wildFolder)) : folder ? `${folder}/` : '';
    const out: FileRef[] = [];
    const c = this.service.getContainerClient(container);
    for await (const b of c.listBlobsFlat({ prefix })) {
      if (selects(b.name, folder, location.fileName, wildFolder, selection.wildcardFileName, !!selection.recursive || !!wildFolder)) {
        out.push({ container, path: b.name, size: b.properties.contentLength });
      }
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async openRead(file: FileRef, signal: AbortSignal): Promise<Readable> {
    const blob = this.service.getContainerClient(this.container(file)).getBlobClient(file.path);
    const r = await blob.download(0, undefined, { abortSignal: signal, maxRetryRequests: 5 });
    return r.readableStreamBody as Readable;
  }

  async stage(file: FileRef, signal: AbortSignal): Promise<StagedFile> {
    const c = this.service.getContainerClient(this.container(file));
    await c.createIfNotExists({ abortSignal: signal });
    const blob = c.getBlockBlobClient(file.path);
    const stream = new BlockStager(blob, signal);
    let state: 'open' | 'committed' | 'aborted' = 'open';
    return {
      ref: file,
      stream,
      commit: async () => {
        if (state !== 'open') throw new Error(`staged blob ${file.path} is ${state}`);
        await blob.commitBlockList(stream.blockIds, { abortSignal: signal });
        state = 'committed';
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        if (!stream.destroyed) stream.destroy();
        await stream.settled();
        if (stream.blockIds.length) await discardUncommittedBlocks(blob);
      },
    };
  }

  async remove(file: FileRef): Promise<void> {
    await this.service.getContainerClient(this.container(file)).getBlobClient(file.path).deleteIfExists();
  }
}

/**
 * A Writable that cuts its input into blocks and stages them, at most BLOCKS_IN_FLIGHT at a time per blob, in
 * buffers of the process-wide BLOCK_BUFFERS. `write` callbacks wait for a buffer and for the window, which is the
 * backpressure for the whole pipeline.
 */
class BlockStager extends Writable {
  readonly blockIds: string[] = [];
  private buf: Buffer | undefined;
  private pos = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  /** same length for every id of a blob (a service rule); unique per attempt */
  private readonly attempt = randomBytes(6).toString('hex');

  constructor(
    private readonly blob: BlockBlobClient,
    private readonly signal: AbortSignal,
    private readonly buffers: BlockBuffers = BLOCK_BUFFERS,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.fill(chunk).then(
      () => cb(),
      (e: Error) => cb(e),
    );
  }

  private async fill(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.failure) throw this.failure;
      if (!this.buf) {
        const b = await this.buffers.take(this.signal);
        if (this.destroyed) {
          this.buffers.give(b);
          throw new Error('the blob writer was closed');
        }
        this.buf = b;
      }
      const n = Math.min(chunk.length - off, BLOCK_SIZE - this.pos);
      chunk.copy(this.buf, this.pos, off, off + n);
      this.pos += n;
      off += n;
      if (this.pos === BLOCK_SIZE) {
        this.stageCurrent();
        while (this.inFlight.size >= BLOCKS_IN_FLIGHT) await Promise.race(this.inFlight);
      }
    }
    if (this.failure) throw this.failure;
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.pos > 0) this.stageCurrent();
    Promise.all(this.inFlight).then(
      () => cb(this.failure),
      (e: Error) => cb(e),
    );
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    // blocks in flight give their buffers back when their request ends
    if (this.buf) this.buffers.give(this.buf);
    this.buf = undefined;
    cb(err);
  }

  /** Resolves when no stage request is in flight any more (whatever their outcome). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private stageCurrent(): void {
    if (this.blockIds.length >= MAX_BLOCKS) {
      this.failure ??= new DmgwError('BLOB_TOO_LARGE', `${this.blob.name} would need more than ${MAX_BLOCKS} blocks of ${BLOCK_SIZE / 1024 / 1024} MiB (the service's limit per blob)`, { field: 'sink.formatSettings.maxRowsPerFile' }, 'split the output: set maxRowsPerFile, or partition the source');
      return;
    }
    const buf = this.buf!;
    const body = buf.subarray(0, this.pos);
    const id = Buffer.from(`${this.attempt}-${String(this.blockIds.length).padStart(6, '0')}`).toString('base64');
    this.blockIds.push(id);
    this.buf = undefined;
    this.pos = 0;
    const p: Promise<void> = this.blob
      .stageBlock(id, body, body.length, { abortSignal: this.signal, transactionalContentMD5: contentMd5(body) })
      .then(
        () => undefined,
        (e: Error) => {
          this.failure ??= e;
        },
      )
      .finally(() => {
        this.inFlight.delete(p);
        this.buffers.give(buf);
      });
    this.inFlight.add(p);
  }
}

/** MD5 is refused by a Node in FIPS mode: blocks then go without it, as the SDK's own uploads do (no check in transit). */
const md5Available = (() => {
  try {
    createHash('md5');
    return true;
  } catch {
    return false;
  }
})();

function contentMd5(body: Buffer): Buffer | undefined {
  return md5Available ? createHash('md5').update(body).digest() : undefined;
}

/**
 * Throws away the blocks a cancelled or failed attempt staged, so that nothing of it stays in the account
 * (the service would otherwise keep uncommitted blocks for a week). Put Block List discards every uncommitted
 * block it does not name: a blob that had no committed version gets an empty commit and is then deleted; an
 * existing block blob gets its current committed list re-committed (with its headers and metadata), so it stays
 * as it was.
 * Best effort on a fresh request (the run's own signal is already aborted); failures are left to the service's
 * garbage collection.
 */
async function discardUncommittedBlocks(blob: BlockBlobClient): Promise<void> {
  try {
    // getProperties sees only a committed blob: staged blocks alone do not make one
    const p = await blob.getProperties().catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
    if (!p) {
      await blob.commitBlockList([]);
      await blob.deleteIfExists();
      return;
    }
    const committed = ((await blob.getBlockList('committed')).committedBlocks ?? []).map((b) => b.name ?? '');
    // A blob written in one Put Blob has no block list to re-commit: it is left exactly as it was, and the
    // staged blocks to the service's garbage collection.
    if (committed.length) {
      await blob.commitBlockList(committed, {
        blobHTTPHeaders: { blobContentType: p.contentType, blobContentEncoding: p.contentEncoding, blobContentLanguage: p.contentLanguage, blobContentDisposition: p.contentDisposition, blobCacheControl: p.cacheControl, blobContentMD5: p.contentMD5 },
        metadata: p.metadata,
      });
    }
  } catch {
    // left to the service: uncommitted blocks expire by themselves
  }
}
