/**
 * Etags as the store keeps and checks them (the ARM side, headers and answers, is arm/etag.ts): a fresh etag for
 * every write, the preconditions of a write, and those preconditions as SQL evaluated by the write itself.
 */
import { randomUUID } from 'node:crypto';

/** A fresh etag for a write: a quoted GUID. */
export function newEtag(): string {
  return `"${randomUUID()}"`;
}

/** `*`, or the listed entity tags with `W/` and quotes removed. */
export type TagCondition = '*' | string[];

export function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** The preconditions of a write. */
export interface WriteCondition {
  ifMatch?: TagCondition;
  ifNoneMatch?: TagCondition;
}

/**
 * The SQL condition that a row's current etag (column `col`) satisfies `c`, given that the row exists; `params`
 * receives the tag lists. Evaluated inside the UPDATE (or ON CONFLICT DO UPDATE) itself, so it is checked against
 * the row the write locks: of two writers holding the same etag, the second re-checks after the first commits and
 * finds a new etag.
 */
export function etagSql(c: WriteCondition, col: string, params: unknown[]): string {
  const parts: string[] = [];
  const bare = `trim(both '"' from regexp_replace(${col}, '^W/', ''))`;
  if (c.ifMatch !== undefined && c.ifMatch !== '*') {
    params.push(c.ifMatch);
    parts.push(`${bare} = any($${params.length}::text[])`);
  }
  if (c.ifNoneMatch === '*') parts.push('false');
  else if (c.ifNoneMatch !== undefined) {
    params.push(c.ifNoneMatch);
    parts.push(`${bare} <> all($${params.length}::text[])`);
  }
  return parts.length ? parts.join(' and ') : 'true';
}
