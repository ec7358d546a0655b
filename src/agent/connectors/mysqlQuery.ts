/** Statements on a mysql2 connection as promises, and a query's rows as a stream of batches with backpressure. */
import type { Connection, FieldPacket } from 'mysql2';
import { RowBatcher } from './sqlSession.js';

export interface QueryResult {
  rows: unknown[][];
  fields: FieldPacket[];
  affectedRows: number;
  warningStatus: number;
}

/** One statement on a mysql2 connection, as a promise (rows as arrays). */
export function run(conn: Connection, sql: string, values?: unknown[], options: Record<string, unknown> = {}): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, values, rowsAsArray: true, ...options }, (err, result, fields) => {
      if (err) return reject(err);
      // a CALL answers with its result sets and a closing OK packet: the counts are on that packet
      const last: unknown = Array.isArray(result) ? result[result.length - 1] : result;
      const header = (last && typeof last === 'object' && !Array.isArray(last) ? last : {}) as { affectedRows?: number; warningStatus?: number };
      resolve({ rows: Array.isArray(result) ? (result as unknown as unknown[][]) : [], fields: (fields as FieldPacket[]) ?? [], affectedRows: header.affectedRows ?? 0, warningStatus: header.warningStatus ?? 0 });
    });
  });
}

/**
 * The rows of one query in batches of about BATCH_ROWS. The socket is paused while a full batch waits to be
 * taken, so the server is held back by TCP instead of the agent buffering the table (sqlSession.ts#RowBatcher).
 */
export async function* streamQuery(conn: Connection, sql: string, signal: AbortSignal): AsyncGenerator<{ fields: FieldPacket[]; rows: unknown[][] }> {
  let fields: FieldPacket[] = [];
  const rows = new RowBatcher<unknown[]>({ pause: () => conn.pause(), resume: () => conn.resume(), cancel: () => conn.destroy() });
  const q = conn.query({ sql, rowsAsArray: true });
  q.on('fields', (f: FieldPacket[]) => (fields = f));
  q.on('result', (row: unknown) => rows.push(row as unknown[]));
  q.on('error', (e: Error) => rows.fail(e));
  q.on('end', () => rows.end());
  // a connection lost mid-read ("Connection lost: The server closed the connection") is told to the connection only,
  // not to a streaming query: without this the read waited for rows that never came
  const lost = (e: Error) => rows.fail(e);
  conn.on('error', lost);
  try {
    for await (const batch of rows.batches(signal)) yield { fields, rows: batch };
  } finally {
    conn.off('error', lost);
  }
}
