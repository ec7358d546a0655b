/**
 * Our Snappy compressor (formats/snappy.ts) against an independent decompressor (hyparquet's, which reads every
 * Parquet file the gateway reads): random, repetitive and mixed inputs of every size around the 64 KiB block and the
 * literal-length forms round-trip exactly, and data that repeats comes out smaller.
 */
import fc from 'fast-check';
import { snappyUncompress } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { snappyCompress } from '../../../../src/agent/formats/snappy.js';

const roundTrip = (input: Uint8Array): Uint8Array => {
  const out = new Uint8Array(input.length);
  snappyUncompress(snappyCompress(input), out);
  return out;
};

const piece = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3000 })).map(([p, k]) => new Uint8Array(Array.from({ length: k }, (_, i) => p[i % p.length]!))),
  fc.integer({ min: 0, max: 70_000 }).map((k) => new Uint8Array(k)),
);

describe('snappyCompress', () => {
  it('round-trips through hyparquet’s decompressor: random, repetitive and mixed inputs', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const input = Buffer.concat(pieces);
        expect(Buffer.from(roundTrip(input)).equals(input)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('sizes at the edges: empty, under the margin, literal lengths 60/61/256/257, one and several blocks', () => {
    for (const n of [0, 1, 14, 15, 16, 60, 61, 62, 256, 257, 65_535, 65_536, 65_537, 200_000]) {
      const random = new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
      expect(Buffer.from(roundTrip(random)).equals(Buffer.from(random)), `random ${n}`).toBe(true);
      const text = Buffer.from('order 1234, pending; '.repeat(Math.ceil(n / 21)).slice(0, n));
      expect(Buffer.from(roundTrip(text)).equals(text), `text ${n}`).toBe(true);
    }
    const repetitive = Buffer.from('DE\tFR\tUS\t'.repeat(100_000));
    expect(snappyCompress(repetitive).length).toBeLessThan(repetitive.length / 10);
  });
});
