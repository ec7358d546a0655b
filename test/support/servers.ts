/**
 * The real servers on this machine. A test that needs one calls `requireServer`: when the server is down
 * the suite is skipped with a printed reason, except under CI=true, where a missing server is a failure.
 */
import { connect, createServer } from 'node:net';

export const PG_URL = process.env.DMGW_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.DMGW_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A loopback port that was free a moment ago (nothing listens on it once this resolves). */
export const freePort = (): Promise<number> => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });

/** Resolves true when the server is up; false (after printing why) when the suite should skip; throws in CI. */
export async function requireServer(name: string, port: number): Promise<boolean> {
  if (await portOpen(port)) return true;
  const msg = `${name} is not reachable on 127.0.0.1:${port}`;
  if (process.env.CI === 'true') throw new Error(`${msg}: CI needs it (scripts/services.sh starts it)`);
  console.warn(`SKIP: ${msg}; these tests need it`);
  return false;
}

/** A unique, SQL-safe name for per-test schemas/tables/containers. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.toLowerCase();
}
