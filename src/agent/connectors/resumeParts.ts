/**
 * Names of a resumable copy's partition tables ("parts", copy/resume.ts), alike in every SQL store:
 * `dmgw_part_<target>_<created>_<key>_<n>` — <target> 8 hex digits of the SHA-256 of `schema.table` (so the next copy
 * into the table finds them), <created> the journal's creation time in ms, base 36 (so a day-old one is known as
 * abandoned), <key> 6 hex digits of the journal's key, <n> the partition.
 */
import { createHash } from 'node:crypto';

/** Parts nobody came back for are dropped by a copy into their table after a day. */
export const PART_MAX_AGE_MS = 24 * 3600 * 1000;

export const partTag = (schema: string, table: string): string => createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 8);

const PART = /^dmgw_part_([0-9a-f]{8})_([0-9a-z]+)_[0-9a-f]{6}_\d+$/;

export const isPartName = (name: string): boolean => PART.test(name);

/** When part `name` of target `tag` was made (ms), or undefined when it is not one. */
export function partCreated(name: string, tag: string): number | undefined {
  const m = PART.exec(name);
  return m && m[1] === tag ? parseInt(m[2]!, 36) : undefined;
}
