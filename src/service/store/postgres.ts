/** A PostgreSQL server as the store: several service replicas can share it (leases use row locks). */
import pg from 'pg';
import type { Sql } from './sql.js';

/**
 * `schema` keeps the service's tables apart from everything else in the database (tests use one per run).
 * `password`, when given, is used instead of PGPASSWORD (pg reads that itself); the URL carries none
 * (`dmgw service start` refuses one: a command line is visible to every user of the machine).
 */
export async function openPostgres(url: string, schema = 'dmgw', password?: string): Promise<Sql> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({ connectionString: password === undefined ? url : withPassword(url, password), max: 10, options: `-c search_path=${schema}` });
  // An idle client that loses its server must not take the service down; the next query reconnects.
  pool.on('error', () => undefined);
  await pool.query(`create schema if not exists ${schema}`);
  return {
    kind: 'postgres',
    async query<T>(text: string, params: unknown[] = []) {
      return (await pool.query(text, params)).rows as T[];
    },
    async tx(fn) {
      const c = await pool.connect();
      try {
        await c.query('begin');
        const out = await fn({ query: async <T>(text: string, params: unknown[] = []) => (await c.query(text, params)).rows as T[] });
        await c.query('commit');
        return out;
      } catch (e) {
        await c.query('rollback').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * pg lets a connection string override its `password` option (with '' when the URL has none), so the password goes
 * into the string it parses, as its `password` parameter; the string stays in this process.
 */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.searchParams.set('password', password);
  return u.toString();
}
