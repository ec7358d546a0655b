/**
 * PostgreSQL's COPY text format (tab-separated, `\N` for NULL, backslash escapes): what the row path reads
 * from and writes to PostgreSQL. It has no quoting and no raw newlines inside values, so parsing is a split.
 */
import type { Row } from '../copy/rows.js';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

function unescapeValue(v: string): string {
  return v.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, s: string) => {
    if (s[0] === 'x' && s.length > 1) return String.fromCharCode(parseInt(s.slice(1), 16));
    if (/^[0-7]/.test(s)) return String.fromCharCode(parseInt(s, 8));
    return ESCAPES[s] ?? s;
  });
}

/** Streaming parser: text chunks in, rows out. */
export class PgTextParser {
  private rest = '';

  push(text: string, out: Row[]): void {
    const data = this.rest ? this.rest + text : text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      out.push(parseLine(data.slice(start, nl)));
      start = nl + 1;
    }
    this.rest = data.slice(start);
  }

  end(out: Row[]): void {
    // `\.` is the old end-of-data marker; PostgreSQL does not send it over the protocol but files may have it
    if (this.rest && this.rest !== '\\.') out.push(parseLine(this.rest));
    this.rest = '';
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

/** Rows → COPY text. */
export function formatPgText(rows: Row[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i) out += '\t';
      const v = row[i]!;
      if (v === null) out += '\\N';
      else out += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE_ALL, (c) => ESCAPED[c]!) : v;
    }
    out += '\n';
  }
  return out;
}
