/**
 * The one connector interface: every store is a table store (rows, partition bounds, a staged table sink)
 * or a file store (list, read bytes, stage a file that appears only at commit). Formats and compression are
 * not the store's business: the copy engine puts them between a file store and rows.
 * One file per store implements it (postgres.ts, fileServer.ts, azureBlob.ts); registry.ts picks one for a
 * linked service.
 */
import type { Readable, Writable } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import type { StagedThing } from '../../common/staging.js';
import type { GatewayHome } from '../config/home.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import type { Column, LogicalType, Row, RowBatch } from '../copy/rows.js';
import type { WriterProcedure } from '../procedures/writer.js';
import type { Upsert } from './upsert.js';
import type { CommitMark, CommitRecord } from '../copy/commitMark.js';

export interface ConnectorBase {
  /** the linked service it was made from (for messages) */
  readonly linkedService: string;
  /** Connects and does the smallest real operation (SELECT 1, list one blob, stat the root). */
  test(signal?: AbortSignal): Promise<void>;
  /** Releases every connection it opened. */
  close(): Promise<void>;
  /**
   * Removes what a worker that was killed left staged in this store (common/staging.ts: `dmgw worker --cleanup`);
   * says what it removed, or undefined when nothing was left. Touches only what the worker's own journal named.
   */
  removeLeftover?(thing: StagedThing): Promise<string | undefined>;
}

export type Connector = TableConnector | FileConnector;

/**
 * What the node decides for the connectors of a run, read from its own home (DMGW_HOME of the worker, `--home` of
 * a local run) and never from the job: which folders the file system connector may touch (fileRoots.ts).
 */
export interface NodeContext {
  home: GatewayHome;
}

// ---- table stores ------------------------------------------------------------------------------------------

export interface TableName {
  schema?: string;
  table: string;
}

/** What to read: a table or a query (a Copy source's `query`/`sqlReaderQuery`). */
export interface TableSource {
  table?: TableName;
  query?: string;
}

/**
 * One slice of a DynamicRange partitioning, bounds as literals of the column's type. `lower` is inclusive,
 * `upper` exclusive; a missing bound is open; `withNulls` adds the rows where the column IS NULL.
 */
export interface RangePartition {
  column: string;
  type: LogicalType;
  lower?: string;
  upper?: string;
  withNulls: boolean;
  /** how logs name the slice when it is not a range (a physical partition) */
  label?: string;
}

export interface Bounds {
  type: LogicalType;
  min: string | null;
  max: string | null;
}

/**
 * The byte forms of the fast path, bytes a source writes for a sink without the engine's rows in between: `csv` as a DelimitedText sink writes it;
 * `pgtext`: the engine's values (rows.ts: canonical text) as PostgreSQL COPY text, as formatPgText writes them.
 */
export type ByteForm = { kind: 'csv'; options: DelimitedTextOptions } | { kind: 'pgtext' };

export interface ByteRead {
  stream: Readable;
  /** rows the store reported once the stream ended */
  rowCount(): number;
}

/** Browse (the Gateway view, `dmgw browse`): a table or view of a schema. */
export interface TableEntry {
  name: string;
  type: 'Table' | 'View';
}

export interface TableConnector extends ConnectorBase {
  readonly kind: 'table';
  /** Browse: the schemas a dataset of this store can name (MySQL/MariaDB: the connected database), system ones left out. */
  schemas?(): Promise<string[]>;
  /** Browse: the tables and views of `schema`, by name. */
  tables?(schema: string): Promise<TableEntry[]>;
  describe(source: TableSource): Promise<Column[]>;
  bounds(source: TableSource, column: string): Promise<Bounds>;
  /** an estimate for progress (table statistics), undefined when unknown */
  estimateRows(source: TableSource): Promise<number | undefined>;
  readRows(source: TableSource, range: RangePartition | undefined, signal: AbortSignal): AsyncIterable<RowBatch>;
  /** `partitionOption: PhysicalPartitionsOfTable`: one slice per physical partition (SQL Server); undefined = not partitioned. */
  physicalPartitions?(source: TableSource): Promise<RangePartition[] | undefined>;
  /** The fast path: the store writes `form` itself; undefined when the form cannot be expressed. */
  readBytes?(source: TableSource, range: RangePartition | undefined, form: ByteForm, signal: AbortSignal): Promise<ByteRead | undefined>;
  /** Whether its sinks' `loadBytes` takes `form` (the engine then streams a file's bytes to it: copy/csvLoad.ts). */
  loadsBytes?(form: ByteForm): boolean;
  /** Prepares loading `columns` of `target`: nothing is visible in `target` until `commit`. */
  openSink(target: TableName, columns: string[], how?: SinkOptions): Promise<TableSink>;
  /** The commit marker `key` left beside `target` (copy/commitMark.ts): the copy committed before; absent = no markers. */
  committedCopy?(target: TableName, key: string): Promise<CommitRecord | undefined>;
  /** Drops resume parts of `target` (copy/resume.ts) that a failed copy kept for a retry that did not come. */
  dropParts?(target: TableName, names: string[]): Promise<void>;
}

export interface SinkOptions {
  /**
   * The copy loads one partition, once, with no consistency check, writer, upsert or preCopyScript: a connector may
   * load it straight into the target in one transaction instead of through a stage (postgresDirect.ts); the others
   * ignore it.
   */
  direct?: boolean;
}

export interface TableSink {
  /** the target's columns being loaded, in load order, with their types */
  readonly columns: Column[];
  /** Loads one partition's rows; atomic per call (one COPY statement): a failure leaves nothing behind. */
  loadRows(rows: AsyncIterable<Row[]>, signal: AbortSignal): Promise<number>;
  /** Fast path: loads bytes the store understands natively; undefined = not supported for `form`. */
  loadBytes?(bytes: Readable, form: ByteForm, signal: AbortSignal): Promise<number> | undefined;
  /** Rows loaded so far (for the consistency check), in no particular order. */
  readBack(signal: AbortSignal): AsyncIterable<RowBatch>;
  /**
   * Moves everything loaded into the target in one transaction (after `preCopyScript`); returns rows moved. With a
   * `writer`, the same transaction calls that procedure once over the staging table instead of `INSERT … SELECT`;
   * with `upsert`, it merges the staging table into the target by the upsert's keys (upsert.ts). With `mark`, the
   * same transaction writes the copy's commit marker (copy/commitMark.ts) where `committedCopy` finds it.
   */
  commit(preCopyScript?: string, writer?: WriterProcedure, upsert?: Upsert, mark?: CommitMark): Promise<number>;
  /** Drops what was loaded. Safe to call twice and after commit. */
  abort(): Promise<void>;
  /** It loads straight into the target in one transaction (SinkOptions.direct taken). */
  readonly direct?: boolean;
  /** What opening it removed of the target's earlier, interrupted loads (for the log). */
  readonly removedStale?: string[];
  /** Resume (copy/resume.ts): partitions loaded into tables of their own that outlive the worker; absent = not resumable. */
  readonly parts?: PartStore;
}

/** A sink's partition tables for a resumable copy (copy/resume.ts), beside the target. */
export interface PartStore {
  /** names this sink's target in part names (and lets the next copy into it find old ones) */
  readonly tag: string;
  /** An empty part `name` (an earlier one is dropped first), loaded as the stage is: one atomic statement. */
  open(name: string): Promise<Pick<TableSink, 'loadRows' | 'loadBytes'>>;
  /** Rows in part `name`; undefined when there is none. */
  rows(name: string): Promise<number | undefined>;
  /** Copies the parts' rows into the stage (before the consistency check and the commit). */
  adopt(names: string[]): Promise<void>;
  drop(names: string[]): Promise<void>;
}

// ---- file stores -------------------------------------------------------------------------------------------

/** A dataset's location (`AzureBlobStorageLocation`, `FileServerLocation`). */
export interface FileLocation {
  container?: string;
  folderPath?: string;
  fileName?: string;
}

/** `storeSettings` of a Copy source that select files. */
export interface FileSelection {
  wildcardFolderPath?: string;
  wildcardFileName?: string;
  recursive?: boolean;
}

export interface FileRef {
  /** path within the store: `folder/name` (for blob: within the container) */
  path: string;
  container?: string;
  size?: number;
}

/** A file being written: invisible under its name until `commit`. */
export interface StagedFile {
  readonly ref: FileRef;
  readonly stream: Writable;
  /** Reads the staged bytes before commit, when the store can (file system); undefined otherwise. */
  readStaged?(): Readable;
  commit(): Promise<void>;
  /** Throws away the staged bytes. Safe to call twice. */
  abort(): Promise<void>;
  /** What staging it removed of earlier, interrupted writes to its folder (for the log). */
  readonly removedStale?: string[];
  /**
   * Resume (copy/resume.ts): the file is written whole and is kept for a later attempt of the copy — it outlives this
   * process (the host's cleanup forgets it, the next run's sweep of dead writers' temp files spares it for a day) and
   * `abort` leaves it from now on; `discard` removes it. Returns what `FileConnector.resumeStaged` finds it again by.
   */
  keep?(): Promise<KeptFile>;
  /** Removes the staged bytes, kept or not. Safe to call twice. */
  discard?(): Promise<void>;
}

/** A staged file kept for resume, as the journal holds it: no data, no credential. */
export interface KeptFile {
  ref: FileRef;
  /** the connector's own: the kept temp file's name, or the blob's block id prefix and count */
  token: string;
  /** bytes staged: what is found again must be exactly that */
  bytes: number;
}

/**
 * What `stage`/`commit` throw when the store refused what was staged for a reason outside this writer — another writer
 * of the same blob left blocks with ids of another length (Azure `InvalidBlobOrBlock`), or committed the blob and so
 * threw away the blocks staged for it (`InvalidBlockList`). The engine stages that partition again once, from a clean
 * start (the abort clears the blob's uncommitted blocks); `final()` is the error when it happens again.
 */
export class StagingRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`the store refused what was staged for ${file} (${reason})`);
  }

  final(): DmgwError {
    return new DmgwError(
      'STAGING_REFUSED',
      `${this.file}: the store refused what was staged for it again after it was staged a second time (${this.reason}): another writer is writing the same file`,
      { field: 'outputs' },
      'make sure no other process or pipeline writes this file at the same time, then run the pipeline again',
    );
  }
}

/** GetMetadata: a file or folder of a file store. */
export interface ItemInfo {
  itemType: 'File' | 'Folder';
  itemName: string;
  size?: number;
  /** ISO 8601, seconds, UTC */
  lastModified?: string;
  created?: string;
  /** base64, as the store keeps it (blob) */
  contentMD5?: string;
}

export interface ChildItem {
  name: string;
  type: 'File' | 'Folder';
}

export interface FileConnector extends ConnectorBase {
  readonly kind: 'files';
  /** Browse: the store's containers (blob); absent for a store that is one tree of folders (file system). */
  containers?(): Promise<string[]>;
  /** Refuses a location the store must not address, as the dataset wrote it (file system: absolute names, `..`). */
  checkLocation?(location: FileLocation): void;
  /** Files to read: the location's file, or every file matching the wildcards, sorted by path. */
  list(location: FileLocation, selection: FileSelection): Promise<FileRef[]>;
  openRead(file: FileRef, signal: AbortSignal): Promise<Readable>;
  stage(file: FileRef, signal: AbortSignal): Promise<StagedFile>;
  /** Resume (copy/resume.ts): a file an earlier attempt kept (`StagedFile.keep`), kept still; undefined when it is not all there. */
  resumeStaged?(kept: KeptFile, signal: AbortSignal): Promise<StagedFile | undefined>;
  /** Removes a committed file (used when the consistency check fails after commit; the Delete activity). */
  remove(file: FileRef): Promise<void>;
  /** GetMetadata: the file (a location with fileName) or folder at `location`; undefined when there is none. */
  stat(location: FileLocation): Promise<ItemInfo | undefined>;
  /** GetMetadata childItems: the files and folders directly in the folder at `location`, by name. */
  children(location: FileLocation): Promise<ChildItem[]>;
  /** Delete (recursive, a folder): removes the folders left empty below `location` and it too; never a file. */
  removeEmptyFolders?(location: FileLocation): Promise<number>;
}
