/**
 * The request target, decoded once, before any route or store sees it. One resource has one path: a segment that
 * decodes to `/` or `\`, a dot segment (`.`, `..`, also encoded), a control character or bad percent-encoding is
 * refused (400 InvalidPath) — otherwise two URLs could name one row (a factory's key joins its segments with `/`) or
 * `..` walk to another. Empty segments (`//`, a trailing `/`) are skipped. Names stay case-insensitive where ADF's
 * are: that is the router's and the stores' business, and intended.
 */
import { HttpError } from './httpError.js';

export interface RequestTarget {
  /** the path as sent, for messages */
  path: string;
  /** each segment decoded */
  segments: string[];
  query: URLSearchParams;
}

const invalid = (message: string) => new HttpError(400, 'InvalidPath', message);
const shown = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

export function parseTarget(raw: string): RequestTarget {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (!path.startsWith('/')) throw invalid('the request target must be a path that starts with "/"');
  const segments: string[] = [];
  for (const part of path.split('/')) {
    if (!part) continue;
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      throw invalid(`path segment ${shown(part)} is not valid percent-encoded UTF-8`);
    }
    if (s === '.' || s === '..') throw invalid(`path segment ${shown(part)} is a dot segment: name the resource by its own path`);
    if (/[/\\]/.test(s)) throw invalid(`path segment ${shown(part)} decodes to a "/" or "\\": a name cannot contain them, and a path names one resource`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(s)) throw invalid(`path segment ${shown(part)} holds a control character`);
    segments.push(s);
  }
  return { path, segments, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}
