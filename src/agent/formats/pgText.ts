/**
 * PostgreSQL's COPY text format (tab-separated, `\N` for NULL, backslash escapes): what the row path reads
 * from and writes to PostgreSQL. It has no quoting and no raw newlines inside values, so parsing is a split.
 */
import type { Row } from '../copy/rows.js';

/** `\b \f \n \r \t \v` by the code of the letter */
const ESCAPES: Record<number, number> = { 98: 8, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };

/** the value of a hex digit's code, or -1 */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
const isOctal = (c: number): boolean => c >= 48 && c <= 55;
/** a backslash before a line end stays as it is (what the earlier regular expression's `.` did not match) */
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** Values longer than this are unescaped through a code-unit buffer (see `unescapeLong`). */
const LONG_VALUE = 4096;
const BLOCK = 32 * 1024;
const block = new Uint16Array(BLOCK + 4);

/**
 * Undoes COPY text's backslash escapes in one field, in one pass: `\b \f \n \r \t \v`, `\xH[H]`, `\O[O[O]]`,
 * and `\c` → `c` for any other character.
 */
export function unescapeValue(v: string): string {
  if (v.length > LONG_VALUE) return unescapeLong(v);
  let out = '';
  let from = 0;
  const n = v.length;
  for (let i = v.indexOf('\\'); i >= 0 && i < n - 1; i = v.indexOf('\\', i)) {
    const c = v.charCodeAt(i + 1);
    if (isLineEnd(c)) {
      i++;
      continue;
    }
    if (i > from) out += v.slice(from, i);
    const [code, end] = escapeAt(v, i);
    out += String.fromCharCode(code);
    from = i = end;
  }
  return from ? out + v.slice(from) : v;
}

/** The code unit the escape at `v[i]` (a backslash, not the last character) stands for, and where it ends. */
function escapeAt(v: string, i: number): [number, number] {
  const c = v.charCodeAt(i + 1);
  let end = i + 2;
  let h: number;
  if (c === 120 && (h = hexDigit(v.charCodeAt(end))) >= 0) {
    const h2 = hexDigit(v.charCodeAt(end + 1));
    return h2 >= 0 ? [h * 16 + h2, end + 2] : [h, end + 1];
  }
  if (isOctal(c)) {
    let o = c - 48;
    for (; end < i + 4 && isOctal(v.charCodeAt(end)); end++) o = o * 8 + v.charCodeAt(end) - 48;
    return [o, end];
  }
  return [ESCAPES[c] ?? c, end];
}

/**
 * A long value (a text or bytea of megabytes, maybe one escape every other character) is decoded code unit by
 * code unit into a small buffer, turned into a string every BLOCK units: time linear in its size, and no rope
 * of millions of small strings for the garbage collector.
 */
function unescapeLong(v: string): string {
  const parts: string[] = [];
  const n = v.length;
  let k = 0;
  const flush = () => {
    if (k) parts.push(String.fromCharCode.apply(null, block.subarray(0, k) as unknown as number[]));
    k = 0;
  };
  for (let i = 0; i < n; ) {
    // the run up to the next backslash: copied as a slice when long, code by code when short
    let j = v.indexOf('\\', i);
    if (j < 0 || j === n - 1) j = n;
    if (j - i > 64) {
      flush();
      parts.push(v.slice(i, j));
      i = j;
    } else {
      while (i < j) {
        block[k++] = v.charCodeAt(i++);
        if (k >= BLOCK) flush();
      }
    }
    if (i >= n) break;
    if (isLineEnd(v.charCodeAt(i + 1))) {
      block[k++] = 92;
      i++;
    } else {
      const [code, end] = escapeAt(v, i);
      block[k++] = code;
      i = end;
    }
    if (k >= BLOCK) flush();
  }
  flush();
  return parts.join('');
}

/**
 * Streaming parser: text chunks in, rows out. Only each new chunk is searched for the end of a line, and the
 * pieces of a line that spans chunks are joined once, when its end comes: a single 100 MB value costs time
 * linear in its size (searching a growing remainder on every chunk was quadratic).
 */
export class PgTextParser {
  private pending: string[] = [];

  push(text: string, out: Row[]): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      if (this.pending.length) {
        this.pending.push(piece);
        out.push(parseLine(this.pending.join('')));
        this.pending = [];
      } else out.push(parseLine(piece));
      start = nl + 1;
    }
    if (start < text.length) this.pending.push(start ? text.slice(start) : text);
  }

  end(out: Row[]): void {
    const rest = this.pending.join('');
    this.pending = [];
    // `\.` is the old end-of-data marker; PostgreSQL does not send it over the protocol but files may have it
    if (rest && rest !== '\\.') out.push(parseLine(rest));
  }
}

function parseLine(line: string): Row {
  const parts = line.split('\t');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '\\N') (parts as Row)[i] = null;
    else if (p.includes('\\')) parts[i] = unescapeValue(p);
  }
  return parts;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPE_ALL = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value as COPY text. */
export const pgTextValue = (v: string | null): string => (v === null ? '\\N' : NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE_ALL, (c) => ESCAPED[c]!) : v);

/** Rows → COPY text. */
export function formatPgText(rows: Row[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i) out += '\t';
      out += pgTextValue(row[i]!);
    }
    out += '\n';
  }
  return out;
}
