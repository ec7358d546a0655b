/**
 * EndOfDataGuard (src/agent/copy/csvLoad.ts): a file with a line `\.` — which PostgreSQL's COPY FROM STDIN reads
 * as the end of the data before version 18 — is refused wherever the chunks split it; any other file passes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EndOfDataGuard } from '../../../../src/agent/copy/csvLoad.js';

/** Feeds `text` to a guard in pieces cut at `cuts`; true when the guard refused it. */
function refused(text: string, cuts: number[]): boolean {
  const bytes = Buffer.from(text, 'utf8');
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const g = new EndOfDataGuard('f.csv');
  try {
    let from = 0;
    for (const to of [...at, bytes.length]) {
      g.push(bytes.subarray(from, to));
      from = to;
    }
    g.end();
    return false;
  } catch (e) {
    expect((e as { code?: string }).code).toBe('CSV_END_OF_DATA_LINE');
    return true;
  }
}

const hasMarkerLine = (text: string): boolean => text.split(/\r?\n|\r/).some((l) => l === '\\.');

describe('EndOfDataGuard', () => {
  it('refuses a line \\. at the start, in the middle, before \\r\\n and at the very end; lets look-alikes pass', () => {
    expect(refused('\\.\na,b\n', [])).toBe(true);
    expect(refused('a\n\\.\nb\n', [])).toBe(true);
    expect(refused('a\r\n\\.\r\nb\r\n', [])).toBe(true);
    expect(refused('a\n\\.', [])).toBe(true);
    expect(refused('a\n\\.x\n\\\\.\n"\\."\nx\\.\n', [])).toBe(false);
    expect(refused('', [])).toBe(false);
  });

  it('decides the same however the bytes are split', () => {
    const line = fc.constantFrom('\\.', '\\.x', 'a\\.', '"\\."', '\\', '.', 'a,b', '', 'ü,"x\ny"');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (lines, eol, trailing, cuts) => {
        const text = lines.join(eol) + (trailing && lines.length ? eol : '');
        expect(refused(text, cuts)).toBe(hasMarkerLine(text));
      }),
      { numRuns: 500 },
    );
  });
});
