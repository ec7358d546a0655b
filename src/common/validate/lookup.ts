/** Finding resources by name (case-insensitive, as in ADF) and describing a reference that does not resolve. */
import { KIND_NOUNS, nameKey, resourcesOf, type Factory } from '../model/factory.js';
import type { Resource, ResourceKind } from '../model/types.js';
import { closest } from './suggest.js';

export function find<K extends ResourceKind>(f: Factory, kind: K, name: unknown): Resource<K> | undefined {
  return typeof name === 'string' ? resourcesOf(f, kind).get(nameKey(name)) : undefined;
}

export function typeOf(r: Resource | undefined): string | undefined {
  const t = (r?.properties as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : undefined;
}

/** How to fix a reference to a `kind` named `name` that does not exist: a close name, the other kind it is, or what to create. */
export function missingHint(f: Factory, kind: ResourceKind, name: string, createHint: string): string {
  const names = [...resourcesOf(f, kind).values()].map((r) => r.name);
  const suggestion = closest(name, names);
  if (suggestion) return `did you mean "${suggestion}"?`;
  for (const other of ['dataset', 'linkedService', 'integrationRuntime', 'pipeline'] as ResourceKind[]) {
    if (other !== kind && find(f, other, name)) return `"${name}" is a ${KIND_NOUNS[other]}, not a ${KIND_NOUNS[kind]}; ${createHint}`;
  }
  const existing = names.length ? ` (${names.length <= 5 ? `existing: ${names.join(', ')}` : `${names.length} exist`})` : '';
  return `${createHint}${existing}`;
}

/**
 * Whether a resource of this name has a file that failed to load (bad JSON, no "properties"): references to it
 * are not reported again, the file's own problem is the one to fix.
 */
export function isUnloaded(f: Factory, kind: ResourceKind, name: string): boolean {
  const key = nameKey(name);
  const loaded = resourcesOf(f, kind);
  return f.files.some((file) => {
    if (file.kind !== kind) return false;
    const n = (file.doc.value as { name?: unknown } | undefined)?.name;
    const names = [file.stem, ...(typeof n === 'string' ? [n] : [])].map(nameKey);
    return names.includes(key) && !loaded.has(key);
  });
}
