/**
 * Temp files of the file-system sink, and the ones a killed worker leaves behind.
 * - A file is written as `.<name>.<owner>.<random>.dmgw-tmp` in its target folder and renamed at commit;
 *   <owner> is `<host>-<pid>` of the writing process (<host>: 6 hex digits of the SHA-256 of the host name).
 * - The first time a run stages a file in a folder, it removes the temp files there last written before the
 *   run started whose writer is gone: on this host, a pid that no longer exists; from another host (a share
 *   several nodes write to) that cannot be checked, so only after STALE_FOREIGN_MS without a write. A temp
 *   file of a live writer is never touched, whatever its age.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const TEMP_SUFFIX = '.dmgw-tmp';
/** a temp file of another host untouched this long is a leftover */
export const STALE_FOREIGN_MS = 24 * 3600 * 1000;

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);
const OWNED = /\.([0-9a-f]{6})-(\d+)\.[0-9a-f]+\.dmgw-tmp$/;

export function tempName(base: string): string {
  return `.${base}.${HOST}-${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
}

/**
 * A resumable copy's finished partition file (copy/resume.ts), kept for a later attempt: `.<name>.kept-<random>.dmgw-tmp`.
 * Of no live writer's form, so the sweep below removes it only once nobody came back for it in STALE_FOREIGN_MS.
 */
export function keptName(base: string): string {
  return `.${base}.kept-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

export const isKeptName = (name: string): boolean => name.startsWith('.') && !/[\\/]/.test(name) && /\.kept-[0-9a-f]{12}\.dmgw-tmp$/.test(name);

/** Whether `name` is a temp file name this module makes (`tempName`). */
export const isTempName = (name: string): boolean => name.startsWith('.') && !/[\\/]/.test(name) && OWNED.test(name);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the writer of temp file `name`, last written at `mtimeMs`, is gone (as of `now`). */
export function writerGone(name: string, mtimeMs: number, now = Date.now()): boolean {
  const m = OWNED.exec(name);
  if (m && m[1] === HOST) return !alive(Number(m[2]));
  return now - mtimeMs > STALE_FOREIGN_MS;
}

/** Removes the leftovers in `dir` last written before `before` (ms); returns the paths removed. */
export async function removeStaleTemps(dir: string, before: number): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.startsWith('.') && n.endsWith(TEMP_SUFFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const p = join(dir, n);
    const s = await lstat(p).catch(() => undefined);
    if (!s?.isFile() || s.mtimeMs >= before || !writerGone(n, s.mtimeMs)) continue;
    await rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}
