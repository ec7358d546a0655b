/**
 * PostgreSQL COPY text with huge values (formats/pgText.ts): a value of many megabytes fed in chunks comes out
 * whole and exact wherever the chunks are cut, in particular inside an escape sequence (`\` | `n`, `\x4` | `1`,
 * `\10` | `1`, `\\` | `N`) and next to a tab or a newline. The expected rows are computed independently: by the
 * earlier regular-expression decoder over whole lines (`reference`), which the streaming parser must equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPgText, PgTextParser } from '../../../../src/agent/formats/pgText.js';
import type { Row } from '../../../../src/agent/copy/rows.js';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
/** The decoder before the streaming rewrite: whole text, split at newlines and tabs, one regular expression. */
function reference(text: string): Row[] {
  const lines = text.split('\n');
  // the last line: dropped when empty, or when it is the end-of-data marker `\.` with no newline after it
  if (lines[lines.length - 1] === '' || lines[lines.length - 1] === '\\.') lines.pop();
  return lines
    .map((l) =>
      l.split('\t').map((p) =>
        p === '\\N'
          ? null
          : p.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, s: string) => {
              if (s[0] === 'x' && s.length > 1) return String.fromCharCode(parseInt(s.slice(1), 16));
              if (/^[0-7]/.test(s)) return String.fromCharCode(parseInt(s, 8));
              return ESCAPES[s] ?? s;
            }),
      ),
    );
}

function parseChunks(text: string, cuts: number[]): Row[] {
  const p = new PgTextParser();
  const out: Row[] = [];
  let at = 0;
  for (const c of cuts) {
    p.push(text.slice(at, c), out);
    at = c;
  }
  p.push(text.slice(at), out);
  p.end(out);
  return out;
}

/** Every escape form, a tab and a NULL-looking text, repeated to `size` characters. */
function escapeHeavy(size: number): string {
  const unit = 'ab\\n\\t\\r\\\\\\x41\\x4g\\101\\18\\7\\N\\q\\b\\f\\v😀é';
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size).replace(/\\+$/, '');
}

describe('PostgreSQL COPY text: huge values', () => {
  it('decodes an escape-heavy line cut at every position, also in three pieces', () => {
    const text = `1\t${escapeHeavy(120)}\t\\N\n2\t\\\\N\t\\x\n`;
    const want = reference(text);
    expect(want[0]![1]).toContain('\n');
    for (let a = 0; a <= text.length; a++) {
      expect(parseChunks(text, [a])).toEqual(want);
      for (let b = a; b <= Math.min(text.length, a + 7); b++) expect(parseChunks(text, [a, b])).toEqual(want);
    }
  });

  it('copies a 16 MB escaped text value and a 16 MB bytea value whole, in 64 KiB chunks and in odd ones', () => {
    const text = escapeHeavy(16 * 1024 * 1024);
    const bytes = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
    const bytea = `\\\\x${bytes.toString('hex')}`;
    const data = `1\t${text}\t${bytea}\n2\tsmall\t\\N\n`;
    const want = reference(data);
    for (const size of [64 * 1024, 65_537, 1_000_003]) {
      const cuts: number[] = [];
      for (let c = size; c < data.length; c += size) cuts.push(c);
      const got = parseChunks(data, cuts);
      expect(got.length).toBe(2);
      expect(got[0]![1]!.length).toBe(want[0]![1]!.length);
      expect(got[0]![1] === want[0]![1]).toBe(true);
      expect(Buffer.from(got[0]![2]!.slice(2), 'hex').equals(bytes)).toBe(true);
      expect(got[1]).toEqual(['2', 'small', null]);
    }
  });

  it('round-trips a huge value through formatPgText with a chunk boundary inside every escape', () => {
    const value = 'x\\y\tz\n\r'.repeat(200_000);
    const text = formatPgText([[value, null]]);
    // cut right after every backslash the formatter wrote, so each escape is split in two
    const cuts: number[] = [];
    for (let i = text.indexOf('\\'); i >= 0 && cuts.length < 50_000; i = text.indexOf('\\', i + 2)) cuts.push(i + 1);
    const got = parseChunks(text, cuts);
    expect(got.length).toBe(1);
    expect(got[0]![0] === value).toBe(true);
    expect(got[0]![1]).toBe(null);
  });

  it('equals the reference decoder on any escapes, cut anywhere', () => {
    const unit = fc.constantFrom('a', '\\', 't', 'n', 'x', '4', 'F', 'g', '0', '7', '8', 'N', '.', '\t', '\n', '\r', '\u2028', '😀');
    // short values, and long ones (over 4096 characters a value is decoded another way: pgText.ts#unescapeLong)
    const pad = fc.constantFrom('', 'p'.repeat(4100), 'q\\n'.repeat(1500));
    fc.assert(
      fc.property(pad, fc.string({ unit, maxLength: 60 }), fc.array(fc.nat(4200), { maxLength: 4 }), (p, s, cs) => {
        const text = s.endsWith('\n') ? p + s : `${p}${s}\n`;
        const cuts = [...new Set(cs.filter((c) => c < text.length))].sort((a, b) => a - b);
        expect(parseChunks(text, cuts)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });
});
