/**
 * ARM optimistic concurrency: every stored resource carries an etag that changes on every write; a PUT/PATCH may
 * carry `If-Match` (write only if the current etag is one of these, `*` = only if the resource exists) and
 * `If-None-Match` (`*` = only create, never overwrite; a list = write only if the current etag is none of these);
 * a GET may carry `If-None-Match` (304 with no body when the current etag matches, or `*`).
 *
 * Etags are quoted GUIDs, as ADF's are (`"0a00c4f1-…"`). Comparison is RFC 9110's weak comparison: a `W/` prefix
 * and the quotes are ignored, so a client that strips the quotes still matches, and rows written before etags
 * were quoted (a bare GUID) keep matching their quoted form.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, notFound } from '../http/httpError.js';
import { opaque, type TagCondition, type WriteCondition } from '../store/etags.js';

/** The etag as it leaves the service: always quoted (rows from before quoting hold a bare GUID). */
export function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function parse(value: string | string[] | undefined): TagCondition | undefined {
  const text = (Array.isArray(value) ? value.join(',') : value ?? '').trim();
  if (!text) return undefined;
  if (text === '*') return '*';
  const tags = text.split(',').map(opaque).filter(Boolean);
  return tags.length ? tags : undefined;
}

export function writeConditionOf(req: IncomingMessage): WriteCondition {
  return { ifMatch: parse(req.headers['if-match']), ifNoneMatch: parse(req.headers['if-none-match']) };
}

export function ifNoneMatchOf(req: IncomingMessage): TagCondition | undefined {
  return parse(req.headers['if-none-match']);
}

/** Whether a stored etag satisfies a tag list (`*` matches any existing resource). */
export function tagMatches(cond: TagCondition, etag: string): boolean {
  return cond === '*' || cond.includes(opaque(etag));
}

/** ARM's answer to a failed precondition (or a 404 when an unconditional write lost its resource to a delete). */
export function preconditionFailed(what: string, c: WriteCondition, current: string | undefined): HttpError {
  if (current === undefined && c.ifMatch === undefined) return notFound(`The ${what} was not found.`);
  let why: string;
  if (current === undefined) why = `${what} does not exist, and If-Match requires an existing entity`;
  else if (c.ifNoneMatch === '*') why = `${what} already exists (If-None-Match: *)`;
  else if (c.ifNoneMatch !== undefined && tagMatches(c.ifNoneMatch, current)) why = `the current etag of ${what} is one If-None-Match excludes`;
  else why = `the etag given in If-Match does not match the current etag of ${what}; get it again and retry with its etag`;
  return new HttpError(412, 'PreconditionFailed', `The precondition failed: ${why}.`);
}

/** A single resource's answer: its body, and its etag also as the ETag header (ARM: an etag in the body is also a header). */
export function entity(body: unknown, etag: string): { status: number; body: unknown; headers: Record<string, string> } {
  return { status: 200, body, headers: { etag: quoted(etag) } };
}

/** A GET's answer: 304 with no body when If-None-Match names the current etag (or is `*`), else the resource. */
export function entityForGet(req: IncomingMessage, etag: string, body: () => unknown): { status: number; body?: unknown; headers: Record<string, string> } {
  const inm = ifNoneMatchOf(req);
  if (inm !== undefined && tagMatches(inm, etag)) return { status: 304, headers: { etag: quoted(etag) } };
  return entity(body(), etag);
}
