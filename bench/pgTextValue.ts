/**
 * `node dist/bench/pgTextValue.js [MB...]` (after `npm run build`): one huge value through the COPY text
 * parser (formats/pgText.ts) the way PostgreSQL's COPY output reaches it, as UTF-8 bytes decoded in 32 KiB
 * pieces. Three kinds of value: plain text, text with an escape every other character, and a bytea (`\\x` +
 * hex). Target: time linear in the size, i.e. ms per MB at 100 MB within 1.5× of that at 25 MB. A micro
 * benchmark of its own (not in `npm run bench`): it needs no server.
 */
import { StringDecoder } from 'node:string_decoder';
import { decodeInPieces } from '../src/agent/formats/encoding.js';
import { PgTextParser } from '../src/agent/formats/pgText.js';
import type { Row } from '../src/agent/copy/rows.js';

const MB = 1024 * 1024;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const kinds: Record<string, (size: number) => string> = {
  plain: (n) => 'a'.repeat(n),
  escaped: (n) => 'ab\\n\\t\\\\'.repeat(Math.ceil(n / 9)).slice(0, n).replace(/\\+$/, ''),
  bytea: (n) => `\\\\x${'0f'.repeat(Math.floor(n / 2))}`,
};

function run(value: string): { seconds: number; chars: number } {
  const bytes = Buffer.from(`1\t${value}\t\\N\n`, 'utf8');
  const t0 = process.hrtime.bigint();
  const p = new PgTextParser();
  const d = new StringDecoder('utf8');
  const out: Row[] = [];
  for (let off = 0; off < bytes.length; off += 64 * 1024) decodeInPieces(d, bytes.subarray(off, off + 64 * 1024), (t) => p.push(t, out));
  p.push(d.end(), out);
  p.end(out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (out.length !== 1 || out[0]![2] !== null) throw new Error('parsed the wrong rows');
  return { seconds, chars: out[0]![1]!.length };
}

for (const [kind, make] of Object.entries(kinds)) {
  const perMb: number[] = [];
  for (const size of sizes.length ? sizes : [25, 50, 100]) {
    const value = make(size * MB);
    const best = Math.min(...[0, 1, 2].map(() => run(value).seconds));
    perMb.push((best * 1000) / size);
    process.stdout.write(`${kind.padEnd(8)} ${String(size).padStart(4)} MB  ${best.toFixed(2).padStart(6)} s  ${((best * 1000) / size).toFixed(1).padStart(6)} ms/MB\n`);
  }
  const ratio = perMb[perMb.length - 1]! / perMb[0]!;
  process.stdout.write(`${kind.padEnd(8)} ms/MB largest ÷ smallest: ${ratio.toFixed(2)} (target ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT MET'})\n\n`);
}
