/**
 * Which factory a file belongs to, from ADF's Git layout alone: `<factory>/<kind folder>/<name>.json`. Lets an
 * editor find every factory in a workspace from a file search, without reading any file.
 */
import { basename, dirname } from 'node:path';
import { RESOURCE_FOLDERS, type ResourceKind } from './types.js';

export interface ResourceFile {
  factoryDir: string;
  kind: ResourceKind;
  /** the file name without `.json` (ADF names the file after the resource) */
  stem: string;
}

const BY_FOLDER = new Map(Object.entries(RESOURCE_FOLDERS).map(([kind, folder]) => [folder.toLowerCase(), kind as ResourceKind]));

export function resourceFileOf(file: string): ResourceFile | undefined {
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  const folder = dirname(file);
  const kind = BY_FOLDER.get(basename(folder).toLowerCase());
  if (!kind) return undefined;
  return { factoryDir: dirname(folder), kind, stem: basename(file).replace(/\.json$/i, '') };
}

/** The distinct factory folders among files, sorted. */
export function factoryDirsOf(files: string[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const r = resourceFileOf(f);
    if (r) dirs.add(r.factoryDir);
  }
  return [...dirs].sort();
}
