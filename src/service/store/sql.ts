/**
 * The one thing the service asks of a database: run parameterised SQL, optionally inside a transaction.
 * Two implementations speak the same SQL: PGlite in-process (embedded default) and a PostgreSQL server (shared
 * by several service replicas). Rows come back as plain objects; jsonb as parsed values; timestamptz as Date.
 */
export interface Sql {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction; a thrown error rolls it back. */
  tx<T>(fn: (q: Pick<Sql, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** First row or undefined. */
export async function one<T>(q: Pick<Sql, 'query'>, text: string, params?: unknown[]): Promise<T | undefined> {
  return (await q.query<T>(text, params))[0];
}
