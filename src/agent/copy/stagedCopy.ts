/**
 * Staged copy (`enableStaging: true`, `stagingSettings`: the original gateway's "staged copy through Blob") as two
 * halves that need not run on one machine (common/stagedCopy.ts):
 * - `stageOut(copy, staging)` runs the copy engine from the source into CSV blobs (gzip with `enableCompression`) in
 *   a folder of its own below `stagingSettings.path`, translator and partitions included (each partition one blob;
 *   PostgreSQL writes the CSV itself on the fast path), and returns the manifest;
 * - `stageIn(manifest, copy, staging)` runs the engine from exactly those blobs into the sink — its sink settings,
 *   preCopyScript, upsert, writer procedure, atomic commit — and deletes the staged folder afterwards, whether the
 *   load succeeded or not.
 * `runStagedCopy` runs both in one worker (a local run, or a job whose source and sink sit behind one gateway) and
 * deletes the staged folder also when the source half failed. With `validateDataConsistency` each half checks its
 * own hop (source → staged blobs, staged blobs → sink), so together they check the whole way.
 * The sink half reads the staged columns as text, as from any CSV: the sink table's types decide the values.
 */
import { randomBytes } from 'node:crypto';
import { DmgwError } from '../../common/errors.js';
import type { ActivityOutput } from '../../common/events.js';
import type { LinkedService } from '../../common/model/types.js';
import { redactError } from '../../common/redact.js';
import { STAGED_FOLDER, STAGED_FORMAT, type StagedCopyManifest } from '../../common/stagedCopy.js';
import { staged } from '../connectors/stagingJournal.js';
import type { FileConnector, NodeContext } from '../connectors/connector.js';
import { connectorFor } from '../connectors/registry.js';
import { joinPath } from '../connectors/wildcard.js';
import type { ResolvedDataset } from './endpoints.js';
import { runCopy, type CopyRequest } from './engine.js';

/** Where to stage, resolved on the gateway that runs the half. */
export interface StagingStore {
  /** `stagingSettings.linkedServiceName` as written, for the manifest */
  reference: StagedCopyManifest['staging']['linkedServiceName'];
  /** that linked service, decrypted */
  linkedService: LinkedService;
  container: string;
  /** `stagingSettings.path` below the container */
  folder: string;
  compress: boolean;
}

function stagedDataset(activity: string, ls: LinkedService, container: string, folder: string, compression: 'gzip' | 'none'): ResolvedDataset {
  return {
    name: `${activity} (staged)`,
    type: 'DelimitedText',
    typeProperties: { location: { type: 'AzureBlobStorageLocation', container, folderPath: folder }, ...STAGED_FORMAT, ...(compression === 'gzip' ? { compressionCodec: 'gzip', compressionLevel: 'Fastest' } : {}) },
    linkedService: ls,
  };
}

function stagingConnector(ls: LinkedService, node: NodeContext): FileConnector {
  const conn = connectorFor(ls, node);
  if (conn.kind !== 'files') throw new DmgwError('STAGING_SETTINGS', `staging linked service ${ls.name} (${String(ls.properties.type)}) cannot hold staged files`, { field: 'typeProperties.stagingSettings.linkedServiceName' }, 'name an AzureBlobStorage linked service');
  return conn;
}

/** The source half: source → staged CSV blobs; the manifest describes them. */
export async function stageOut(req: CopyRequest, staging: StagingStore, keep?: Array<() => void>): Promise<StagedCopyManifest> {
  stagingConnector(staging.linkedService, req.node);
  const tp = req.typeProperties;
  const compression = staging.compress ? 'gzip' : 'none';
  const folder = joinPath(staging.folder, `dmgw-${req.activity.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomBytes(6).toString('hex')}`);
  const manifestBase = { version: 1 as const, activity: req.activity, staging: { linkedServiceName: staging.reference, container: staging.container, folder, compression } as StagedCopyManifest['staging'] };
  // the host hears of the folder before it exists: a worker killed from here on leaves it to the host's cleanup
  const gone = announce(staging.linkedService, manifestBase.staging);
  try {
    const out = await runCopy({
      ...req,
      typeProperties: {
        source: tp.source,
        translator: tp.translator,
        parallelCopies: tp.parallelCopies,
        validateDataConsistency: tp.validateDataConsistency,
        sink: { type: 'DelimitedTextSink', formatSettings: { type: 'DelimitedTextWriteSettings', fileNamePrefix: 'part' } },
      },
      output: stagedDataset(req.activity, staging.linkedService, staging.container, folder, compression),
    });
    req.log('info', `staged ${out.rowsRead} row(s) in ${out.files?.length ?? 0} blob(s) under ${staging.container}/${folder} (${out.dataWritten} bytes${compression === 'gzip' ? ', gzip' : ''})`);
    // from here the folder is the manifest holder's: stageIn announces it again where it runs (runStagedCopy first)
    if (keep) keep.push(gone);
    else gone();
    return { ...manifestBase, files: out.files ?? [], rowsRead: out.rowsRead, dataRead: out.dataRead, dataStaged: out.dataWritten, stagingVerification: out.dataConsistencyVerification };
  } catch (e) {
    await removeStaged(manifestBase.staging, staging.linkedService, req);
    gone();
    throw e;
  }
}

/** Tells the host's staging journal about a staged folder (connectors/stagingJournal.ts); returns "it is gone". */
function announce(ls: LinkedService, m: StagedCopyManifest['staging']): () => void {
  return staged(ls, { kind: 'staged-copy', container: m.container, folder: m.folder });
}

/** The sink half: exactly the manifest's blobs → the sink; the staged folder is deleted afterwards in any case. */
export async function stageIn(manifest: StagedCopyManifest, req: Omit<CopyRequest, 'input'>, stagingLs: LinkedService): Promise<ActivityOutput> {
  const t0 = Date.now();
  const m = manifest.staging;
  if (!STAGED_FOLDER.test(m.folder)) throw new DmgwError('STAGED_MANIFEST', `"${m.folder}" is not the folder of a staged copy`, { field: 'typeProperties.stagingSettings' }, 'pass the manifest stageOut returned');
  const gone = announce(stagingLs, m);
  try {
    const conn = stagingConnector(stagingLs, req.node);
    const there = new Set((await conn.list({ container: m.container, folderPath: m.folder }, { wildcardFileName: '*' })).map((f) => f.path));
    const missing = manifest.files.filter((f) => !there.has(f));
    if (missing.length || there.size !== manifest.files.length) {
      throw new DmgwError('STAGED_FILES_MISSING', `the staged blobs of ${manifest.activity} under ${m.container}/${m.folder} are not the ${manifest.files.length} the source half wrote (${missing.length} missing, ${there.size} found)`, { field: 'typeProperties.stagingSettings' }, 'run the copy again; make sure nothing else writes to or cleans the staging path meanwhile');
    }
    const tp = req.typeProperties;
    const out = await runCopy({
      ...req,
      input: stagedDataset(req.activity, stagingLs, m.container, m.folder, m.compression),
      typeProperties: {
        source: { type: 'DelimitedTextSource', storeSettings: { type: 'AzureBlobStorageReadSettings', wildcardFileName: '*' } },
        sink: tp.sink,
        parallelCopies: tp.parallelCopies,
        validateDataConsistency: tp.validateDataConsistency,
      },
    });
    const ms = Date.now() - t0;
    const verdict = out.dataConsistencyVerification && manifest.stagingVerification ? { ...out.dataConsistencyVerification, ok: out.dataConsistencyVerification.ok && manifest.stagingVerification.ok, sourceRows: manifest.stagingVerification.sourceRows, sourceChecksum: manifest.stagingVerification.sourceChecksum } : out.dataConsistencyVerification;
    return {
      ...out,
      rowsRead: manifest.rowsRead,
      dataRead: manifest.dataRead,
      copyDuration: out.copyDuration,
      throughput: ms > 0 ? Math.round(out.dataWritten / 1024 / (ms / 1000)) : 0,
      dataConsistencyVerification: verdict,
      staging: { container: m.container, folder: m.folder, files: manifest.files.length, dataStaged: manifest.dataStaged, compression: m.compression },
    };
  } finally {
    await removeStaged(m, stagingLs, req);
    gone();
  }
}

/**
 * Only deletes the staged folder (the service's `drop` job: the stage-in job never ran). Announced first, so a worker
 * killed meanwhile leaves it to the host's cleanup; not stopped by a cancel (the run it belongs to is usually one).
 */
export async function dropStaged(manifest: StagedCopyManifest, req: Pick<CopyRequest, 'node' | 'log'>, stagingLs: LinkedService): Promise<{ stagedFolderRemoved: string }> {
  const m = manifest.staging;
  if (!STAGED_FOLDER.test(m.folder)) throw new DmgwError('STAGED_MANIFEST', `"${m.folder}" is not the folder of a staged copy`, { field: 'typeProperties.stagingSettings' }, 'pass the manifest stageOut returned');
  const gone = announce(stagingLs, m);
  try {
    await removeStaged(m, stagingLs, req);
  } finally {
    gone();
  }
  req.log('info', `removed the staged folder ${m.container}/${m.folder} of ${manifest.activity}: its stage-in never ran`);
  return { stagedFolderRemoved: `${m.container}/${m.folder}` };
}

/** Both halves in this worker. */
export async function runStagedCopy(req: CopyRequest, staging: StagingStore): Promise<ActivityOutput> {
  const t0 = Date.now();
  const kept: Array<() => void> = [];
  const manifest = await stageOut(req, staging, kept);
  // stageIn announces the folder before stageOut's announcement ends: a kill in between still leaves it journaled
  const loading = stageIn(manifest, req, staging.linkedService);
  for (const gone of kept) gone();
  const out = await loading;
  return { ...out, copyDuration: (Date.now() - t0) / 1000 };
}

/** Deletes every blob of the staged folder (the manifest's and any other a failed attempt committed). */
async function removeStaged(m: StagedCopyManifest['staging'], ls: LinkedService, req: Pick<CopyRequest, 'node' | 'log'>): Promise<void> {
  let conn: FileConnector | undefined;
  try {
    conn = stagingConnector(ls, req.node);
    const files = await conn.list({ container: m.container, folderPath: m.folder }, { wildcardFileName: '*', recursive: true });
    for (const f of files) await conn.remove(f);
    if (files.length) req.log('verbose', `removed ${files.length} staged blob(s) under ${m.container}/${m.folder}`);
  } catch (e) {
    req.log('warn', `could not remove the staged blobs under ${m.container}/${m.folder}: ${redactError(e)}; delete them by hand`);
  } finally {
    await conn?.close().catch(() => undefined);
  }
}
