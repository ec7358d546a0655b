/**
 * The demo's on-premises database: PGlite (PostgreSQL compiled to WASM, in this process) served on a free
 * loopback port by pglite-socket, so the gateway reaches it with the real `pg` driver over the wire protocol,
 * exactly as it would reach a PostgreSQL server. PGlite runs one query at a time; pglite-socket queues queries
 * from several connections, which is enough for parallel COPY ... TO STDOUT reads. It accepts any user,
 * database name and password. (COPY ... FROM STDIN breaks the connection, so it serves as a source only.)
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  host: string;
  port: number;
  /** e.g. `PostgreSQL 18.6 (PGlite 0.5.14)` */
  version: string;
  exec(sql: string): Promise<void>;
  query<T>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** Connections the socket server accepts at once: the engine's parallel copies plus a probe or two. */
const MAX_CONNECTIONS = 16;

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (e) {
    await db.close();
    throw e;
  }
  const [host, port] = splitHostPort(server.getServerConn());
  const v = await db.query<{ v: string }>('SELECT version() AS v');
  const version = /^(PostgreSQL [\d.]+ \([^)]*\))/.exec(v.rows[0]?.v ?? '')?.[1] ?? 'PostgreSQL (PGlite)';
  return {
    host,
    port,
    version,
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

function splitHostPort(conn: string): [string, number] {
  const i = conn.lastIndexOf(':');
  return [conn.slice(0, i), Number(conn.slice(i + 1))];
}
