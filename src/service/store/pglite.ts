/** The embedded store: PostgreSQL in-process (PGlite, WASM), data in a folder under the service's --data. */
import { mkdirSync } from 'node:fs';
import type { Sql } from './sql.js';

export async function openPglite(dir: string): Promise<Sql> {
  mkdirSync(dir, { recursive: true });
  // Loaded lazily: a service on --postgres never pays for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir);
  return {
    kind: 'pglite',
    async query<T>(text: string, params: unknown[] = []) {
      return (await db.query<T>(text, params)).rows;
    },
    async tx(fn) {
      return db.transaction(async (t) => fn({ query: async <T>(text: string, params: unknown[] = []) => (await t.query<T>(text, params)).rows }));
    },
    async close() {
      await db.close();
    },
  };
}
