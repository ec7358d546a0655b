/**
 * The one connector interface: every store is a table store (rows, partition bounds, a staged table sink)
 * or a file store (list, read bytes, stage a file that appears only at commit). Formats and compression are
 * not the store's business: the copy engine puts them between a file store and rows.
 * One file per store implements it (postgres.ts, fileServer.ts, azureBlob.ts); registry.ts picks one for a
 * linked service.
 */
import type { Readable, Writable } from 'node:stream';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';
import type { Column, LogicalType, Row, RowBatch } from '../copy/rows.js';
import type { WriterProcedure } from '../procedures/writer.js';

export interface ConnectorBase {
  /** the linked service it was made from (for messages) */
  readonly linkedService: string;
  /** Connects and does the smallest real operation (SELECT 1, list one blob, stat the root). */
  test(signal?: AbortSignal): Promise<void>;
  /** Releases every connection it opened. */
  close(): Promise<void>;
}

export type Connector = TableConnector | FileConnector;

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

/** The byte forms a table store can produce and load natively (the fast path). */
export type ByteForm = { kind: 'csv'; options: DelimitedTextOptions } | { kind: 'pgtext' };

export interface ByteRead {
  stream: Readable;
  /** rows the store reported once the stream ended */
  rowCount(): number;
}

export interface TableConnector extends ConnectorBase {
  readonly kind: 'table';
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
  openSink(target: TableName, columns: string[]): Promise<TableSink>;
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
   * `writer`, the same transaction calls that procedure once over the staging table instead of `INSERT … SELECT`.
   */
  commit(preCopyScript?: string, writer?: WriterProcedure): Promise<number>;
  /** Drops what was loaded. Safe to call twice and after commit. */
  abort(): Promise<void>;
  /** What opening it removed of the target's earlier, interrupted loads (for the log). */
  readonly removedStale?: string[];
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
}

export interface FileConnector extends ConnectorBase {
  readonly kind: 'files';
  /** Files to read: the location's file, or every file matching the wildcards, sorted by path. */
  list(location: FileLocation, selection: FileSelection): Promise<FileRef[]>;
  openRead(file: FileRef, signal: AbortSignal): Promise<Readable>;
  stage(file: FileRef, signal: AbortSignal): Promise<StagedFile>;
  /** Removes a committed file (used when the consistency check fails after commit). */
  remove(file: FileRef): Promise<void>;
}
