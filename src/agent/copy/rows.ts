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

/** How many rows a producer puts in one batch before yielding. */
export const BATCH_ROWS = 2000;

export const isNumericType = (t: LogicalType): boolean => t === 'integer' || t === 'decimal' || t === 'float';
