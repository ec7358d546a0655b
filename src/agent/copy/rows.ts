/**
 * The row model every part of the copy engine shares. A value is its canonical text or null: sources hand
 * over text (PostgreSQL's own output, a CSV field, a JSON scalar's source text) and sinks parse it, so no
 * value ever passes through a lossy JavaScript number or Date on the way (big numerics, microseconds, -0).
 */

/** What the engine needs to know about a column's type: how to write it in JSON and how to canonicalise it. */
export type LogicalType =
  | 'boolean'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'binary'
  | 'json'
  | 'uuid'
  | 'string';

export interface Column {
  name: string;
  type: LogicalType;
  /** The store's own type name (`numeric(38,9)`, `timestamptz`), for messages and docs. */
  nativeType?: string;
  /** decimal digits in all / after the point, when the store says (Parquet's DECIMAL needs them) */
  precision?: number;
  scale?: number;
}

export type Value = string | null;
export type Row = Value[];

/** Rows travel in batches: one async step per batch, not per row. `columns` is the same array on every batch of a stream. */
export interface RowBatch {
  columns: Column[];
  rows: Row[];
}

/**
 * A producer yields a batch at BATCH_ROWS rows or, when it parses text, at BATCH_CHARS characters of it,
 * whichever comes first. A batch must be done with (parsed, mapped, formatted, hashed) within about one V8
 * scavenge (8 MiB semi-spaces, youngGeneration.ts): rows that survive two scavenges move to old space, which
 * then grows to ~4× its live size before V8 collects it. 2000 rows of the benchmark table as JSON did that
 * (heap 42 → 150 MB, RSS 265 MB); 500 rows kept the heap flat (RSS 140 MB) and ran faster (5.3 s vs 8.9 s).
 */
export const BATCH_ROWS = 500;
export const BATCH_CHARS = 64 * 1024;

/**
 * The size of byte chunks the engine reads, queues and (de)compresses. Small enough that a chunk is done with
 * before V8's next scavenge: a Buffer that survives two scavenges moves to old space, and its memory is only
 * given back at the next full GC, which V8 starts only after ~64 MB of such memory piled up. With 256 KiB
 * chunks a gunzip input or a gzip output buffer lived that long and the process grew by that much.
 */
export const CHUNK_BYTES = 64 * 1024;

export const isNumericType = (t: LogicalType): boolean => t === 'integer' || t === 'decimal' || t === 'float';
