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
import { PassThrough, Writable, type Readable } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import { describeThing, type StagedThing } from '../../common/staging.js';
import { STAGED_FOLDER } from '../../common/stagedCopy.js';
import type { LinkedService } from '../../common/model/types.js';
import { blobConnection } from '../../common/stores/blobSettings.js';
import { CHUNK_BYTES } from '../copy/rows.js';
import { storageBlob } from '../libraries.js';
import { blobPipeline, dataProxy } from '../proxy/dataProxy.js';
import { BlockBuffers } from './blockBuffers.js';
import { staged } from './stagingJournal.js';
import { StagingRefused, type ChildItem, type FileConnector, type FileLocation, type FileRef, type FileSelection, type ItemInfo, type KeptFile, type StagedFile } from './connector.js';
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

/**
 * The client for a linked service, made from the URL and key that blobConnection (common/stores/blobSettings.ts)
 * reads — the same reading a credential's target comes from — on the gateway's proxy choice.
 */
export function blobServiceClient(ls: LinkedService): BlobServiceClient {
  const { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } = storageBlob();
  const c = blobConnection(ls);
  dataProxy(); // a proxy setting that cannot be used fails here, as itself
  try {
    const credential = c.sharedKey ? new StorageSharedKeyCredential(c.sharedKey.accountName, c.sharedKey.accountKey) : new AnonymousCredential();
    return new BlobServiceClient(c.url, blobPipeline(c.url, credential, PIPELINE));
  } catch (e) {
    throw new DmgwError('BLOB_CONNECTION', `linked service ${ls.name}: ${(e as Error).message}`, { file: ls.file, field: 'properties.typeProperties.connectionString' }, 'use DefaultEndpointsProtocol=https;AccountName=...;AccountKey=... or a sasUri');
  }
}

export class AzureBlobConnector implements FileConnector {
  readonly kind = 'files' as const;
  readonly linkedService: string;
  readonly service: BlobServiceClient;

  constructor(private readonly ls: LinkedService) {
    this.linkedService = ls.name;
    this.service = blobServiceClient(ls);
  }

  async test(signal?: AbortSignal): Promise<void> {
    await this.service.listContainers().byPage({ maxPageSize: 1 }).next();
    void signal;
  }

  async close(): Promise<void> {}

  async containers(): Promise<string[]> {
    const out: string[] = [];
    for await (const c of this.service.listContainers()) out.push(c.name);
    return out.sort();
  }

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
    const gone = staged(this.ls, { kind: 'blob-blocks', container: c.containerName, path: file.path, blockPrefix: stream.attempt });
    let state: 'open' | 'committed' | 'aborted' | 'kept' = 'open';
    return {
      ref: file,
      stream,
      commit: async () => {
        if (state !== 'open' && state !== 'kept') throw new Error(`staged blob ${file.path} is ${state}`);
        await blob.commitBlockList(stream.blockIds, { abortSignal: signal }).catch((e: unknown) => {
          throw refusal(e, c.containerName, file.path) ?? e;
        });
        state = 'committed';
        gone();
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        if (!stream.destroyed) stream.destroy();
        await stream.settled();
        // blocks it could not throw away stay in the journal: the host's cleanup tries again if the worker dies
        if (!stream.blockIds.length || (await discardUncommittedBlocks(blob).then(() => true, () => false))) gone();
      },
      keep: async () => {
        if (state !== 'open') throw new Error(`staged blob ${file.path} is ${state}`);
        await stream.settled();
        // the uncommitted blocks stay for a later attempt (the service keeps them a week): the host forgets them
        state = 'kept';
        gone();
        return { ref: file, token: `${stream.attempt}:${stream.blockIds.length}`, bytes: stream.bytes };
      },
      discard: async () => {
        if (state === 'committed' || state === 'aborted') return;
        state = 'aborted';
        if (!stream.destroyed) stream.destroy();
        await stream.settled();
        await discardUncommittedBlocks(blob).catch(() => undefined);
        gone();
      },
    };
  }

  /** Blocks an earlier attempt staged and kept (`keep`): every one of them still uncommitted, of the bytes it had. */
  async resumeStaged(kept: KeptFile, signal: AbortSignal): Promise<StagedFile | undefined> {
    const m = /^([0-9a-f]{12}):(\d{1,6})$/.exec(kept.token);
    if (!m) return undefined;
    const ids = Array.from({ length: Number(m[2]) }, (_, i) => Buffer.from(`${m[1]}-${String(i).padStart(6, '0')}`).toString('base64'));
    const c = this.service.getContainerClient(this.container(kept.ref));
    const blob = c.getBlockBlobClient(kept.ref.path);
    const list = await blob.getBlockList('uncommitted', { abortSignal: signal }).catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
    const sizes = new Map((list?.uncommittedBlocks ?? []).map((b) => [b.name ?? '', b.size]));
    if (!ids.every((id) => sizes.has(id)) || ids.reduce((n, id) => n + (sizes.get(id) ?? 0), 0) !== kept.bytes) return undefined;
    let state: 'kept' | 'committed' | 'aborted' = 'kept';
    return {
      ref: kept.ref,
      stream: new PassThrough().end(),
      commit: async () => {
        if (state !== 'kept') throw new Error(`staged blob ${kept.ref.path} is ${state}`);
        await blob.commitBlockList(ids, { abortSignal: signal }).catch((e: unknown) => {
          throw refusal(e, c.containerName, kept.ref.path) ?? e;
        });
        state = 'committed';
      },
      abort: async () => undefined,
      discard: async () => {
        if (state !== 'kept') return;
        state = 'aborted';
        await discardUncommittedBlocks(blob).catch(() => undefined);
      },
    };
  }

  /** Blocks a killed worker staged for a blob and never committed: thrown away when any of them is still there. */
  async removeLeftover(thing: StagedThing): Promise<string | undefined> {
    if (thing.kind === 'staged-copy') return this.removeStagedCopy(thing.container, thing.folder);
    if (thing.kind !== 'blob-blocks') return undefined;
    const blob = this.service.getContainerClient(thing.container).getBlockBlobClient(thing.path);
    const list = await blob.getBlockList('uncommitted').catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
    const ours = (list?.uncommittedBlocks ?? []).filter((b) => Buffer.from(b.name ?? '', 'base64').toString('latin1').startsWith(`${thing.blockPrefix}-`));
    if (!ours.length) return undefined;
    await discardUncommittedBlocks(blob);
    return `${ours.length} ${describeThing(thing)}`;
  }

  /** A staged copy's folder a killed worker left (copy/stagedCopy.ts): its blobs, only in a folder of that naming. */
  private async removeStagedCopy(container: string, folder: string): Promise<string | undefined> {
    if (!STAGED_FOLDER.test(folder)) throw new Error(`"${folder}" is not the folder of a dmgw staged copy`);
    const c = this.service.getContainerClient(container);
    let n = 0;
    for await (const b of c.listBlobsFlat({ prefix: `${folder}/` })) {
      await c.getBlobClient(b.name).deleteIfExists();
      n++;
    }
    return n ? `${n} ${describeThing({ kind: 'staged-copy', container, folder })}` : undefined;
  }

  async remove(file: FileRef): Promise<void> {
    await this.service.getContainerClient(this.container(file)).getBlobClient(file.path).deleteIfExists();
  }

  /**
   * A blob (location with fileName), a virtual folder (a prefix some blob has: no times, as in ADF) or the
   * container itself (no folderPath).
   */
  async stat(location: FileLocation): Promise<ItemInfo | undefined> {
    const container = this.container(location);
    const c = this.service.getContainerClient(container);
    const iso = (d: Date | undefined) => d && d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const notFound = (e: unknown) => {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    };
    if (location.fileName) {
      const path = joinPath(location.folderPath, location.fileName);
      const p = await c.getBlobClient(path).getProperties().catch(notFound);
      if (!p) return undefined;
      return { itemType: 'File', itemName: location.fileName.split('/').pop()!, size: p.contentLength ?? 0, lastModified: iso(p.lastModified), ...(p.contentMD5 ? { contentMD5: Buffer.from(p.contentMD5).toString('base64') } : {}) };
    }
    const folder = joinPath(location.folderPath);
    if (!folder) {
      const p = await c.getProperties().catch(notFound);
      return p && { itemType: 'Folder', itemName: container, lastModified: iso(p.lastModified) };
    }
    const first = await c.listBlobsFlat({ prefix: `${folder}/` }).byPage({ maxPageSize: 1 }).next().catch(notFound);
    const any = first && !first.done && first.value.segment.blobItems.length > 0;
    return any ? { itemType: 'Folder', itemName: folder.split('/').pop()! } : undefined;
  }

  async children(location: FileLocation): Promise<ChildItem[]> {
    const c = this.service.getContainerClient(this.container(location));
    const folder = joinPath(location.folderPath, location.fileName);
    const out: ChildItem[] = [];
    for await (const item of c.listBlobsByHierarchy('/', { prefix: folder ? `${folder}/` : '' })) {
      const name = item.name.replace(/\/$/, '').split('/').pop()!;
      out.push({ name, type: item.kind === 'prefix' ? 'Folder' : 'File' });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/**
 * A Writable that cuts its input into blocks and stages them, at most BLOCKS_IN_FLIGHT at a time per blob, in
 * buffers of the process-wide BLOCK_BUFFERS. `write` callbacks wait for a buffer and for the window, which is the
 * backpressure for the whole pipeline.
 */
class BlockStager extends Writable {
  readonly blockIds: string[] = [];
  /** bytes of the blocks staged so far */
  bytes = 0;
  private buf: Buffer | undefined;
  private pos = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  /** starts every block id of this writer; same length for every id of a blob (a service rule); unique per attempt */
  readonly attempt = randomBytes(6).toString('hex');

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
    this.bytes += body.length;
    this.buf = undefined;
    this.pos = 0;
    const p: Promise<void> = this.blob
      .stageBlock(id, body, body.length, { abortSignal: this.signal, transactionalContentMD5: contentMd5(body) })
      .then(
        () => undefined,
        (e: Error) => {
          this.failure ??= refusal(e, this.blob.containerName, this.blob.name) ?? e;
        },
      )
      .finally(() => {
        this.inFlight.delete(p);
        this.buffers.give(buf);
      });
    this.inFlight.add(p);
  }
}

/**
 * The two refusals a new staging fixes (rclone's checkForInvalidBlockOrBlob does the same): Put Block refused with
 * `InvalidBlobOrBlock` — the blob has uncommitted blocks of another writer whose ids have another length, which the
 * service does not mix — and Put Block List refused with `InvalidBlockList` (or `InvalidBlobOrBlock`) — blocks it
 * names are gone, because another writer committed the blob, which discards every uncommitted block.
 */
function refusal(e: unknown, container: string, path: string): StagingRefused | undefined {
  const code = (e as { code?: unknown; statusCode?: unknown }).code;
  if ((e as { statusCode?: unknown }).statusCode !== 400 || (code !== 'InvalidBlobOrBlock' && code !== 'InvalidBlockList')) return undefined;
  return new StagingRefused(`blob ${container}/${path}`, code);
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
 * Throws away the blocks a cancelled, failed or killed attempt staged, so that nothing of it stays in the account
 * (the service would otherwise keep uncommitted blocks for a week). Put Block List discards every uncommitted
 * block it does not name: a blob that had no committed version gets an empty commit and is then deleted; an
 * existing block blob gets its current committed list re-committed (with its headers, metadata and access tier),
 * so it stays as it was. On fresh requests (the run's own signal is already aborted); a failure is thrown — left
 * alone, uncommitted blocks expire by themselves after a week.
 */
async function discardUncommittedBlocks(blob: BlockBlobClient): Promise<void> {
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
      ...(p.accessTier && !p.accessTierInferred ? { tier: p.accessTier } : {}),
    });
  }
}
