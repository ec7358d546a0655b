/**
 * Folders no pipeline may read or write, whatever file roots a node allows: every gateway home and every service
 * data folder holds a marker file, written when the folder is made or opened. The file system connector refuses
 * any path below a folder with the marker and never lists inside one (agent/connectors/fileRoots.ts).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

export const PROTECTED_MARKER = '.dmgw-protected';

/** Marks `dir` (which exists) as protected; `what` says what the folder is, for whoever finds the file. */
export function markProtected(dir: string, what: string): void {
  const file = join(dir, PROTECTED_MARKER);
  if (existsSync(file)) return;
  writeFileSync(file, `${what}: no pipeline may read or write this folder (Data Management Gateway)\n`, { mode: 0o600 });
}

export const isProtectedFolder = (dir: string): boolean => existsSync(join(dir, PROTECTED_MARKER));

/** The nearest folder holding the marker among `path` and the folders above it, if any. `path` should be a real path. */
export function protectedAncestor(path: string): string | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    if (isProtectedFolder(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether `path` is `dir` or below it (both absolute and normalised). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}
