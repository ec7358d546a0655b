/**
 * Snappy compression (the format of google/snappy's format_description.txt) for Parquet pages, both writers: the
 * default codec of an ADF Parquet dataset. hyparquet-writer's own compressor (a port of snappyjs) cuts a view and
 * grows a writer for every literal, which made it a third of the byte path's time on numeric columns; this is the
 * same algorithm as snappy's CompressFragment (64 KiB blocks, a hash table of 4-byte sequences, skipping faster
 * through data that does not match), written into one output buffer of the format's worst-case size. Its output is
 * checked by decompressing it with hyparquet's reader (test/unit/agent/formats/snappy.test.ts).
 */

const BLOCK = 1 << 16;
const HASH_BITS = 14;
/** bytes at the end of a block no match search starts in (as snappy's kInputMarginBytes) */
const MARGIN = 15;

const load32 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
const hash = (v: number): number => Math.imul(v, 0x1e35a7bd) >>> (32 - HASH_BITS);
const table = new Uint16Array(1 << HASH_BITS);

export function snappyCompress(input: Uint8Array): Uint8Array {
  const n = input.length;
  const out = Buffer.allocUnsafe(32 + n + Math.floor(n / 6));
  let o = 0;
  // the uncompressed length as a varint
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out[o++] = v;
      break;
    }
    out[o++] = (v & 127) | 128;
  }
  for (let start = 0; start < n; start += BLOCK) o = block(input, start, Math.min(n, start + BLOCK), out, o);
  return out.subarray(0, o);
}

function block(src: Uint8Array, start: number, end: number, out: Uint8Array, o: number): number {
  let next = start;
  if (end - start >= MARGIN) {
    table.fill(0);
    const limit = end - MARGIN;
    let ip = start + 1;
    let nextHash = hash(load32(src, ip));
    search: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip++ >> 5);
        if (nextIp > limit) break search;
        nextHash = hash(load32(src, nextIp));
        candidate = start + table[h]!;
        table[h] = ip - start;
      } while (load32(src, ip) !== load32(src, candidate));
      o = literal(src, next, ip, out, o);
      do {
        const base = ip;
        let m = 4;
        while (ip + m < end && src[candidate + m] === src[ip + m]) m++;
        ip += m;
        o = copy(base - candidate, m, out, o);
        next = ip;
        if (ip >= limit) break search;
        table[hash(load32(src, ip - 1))] = ip - 1 - start;
        const h = hash(load32(src, ip));
        candidate = start + table[h]!;
        table[h] = ip - start;
      } while (load32(src, ip) === load32(src, candidate));
      ip++;
      nextHash = hash(load32(src, ip));
    }
  }
  return next < end ? literal(src, next, end, out, o) : o;
}

function literal(src: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
  const len = to - from;
  const n = len - 1;
  if (n < 60) out[o++] = n << 2;
  else if (n < 256) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else {
    out[o++] = 61 << 2;
    out[o++] = n & 255;
    out[o++] = n >>> 8;
  }
  if (len <= 32) for (let i = 0; i < len; i++) out[o + i] = src[from + i]!;
  else out.set(src.subarray(from, to), o);
  return o + len;
}

function copy(offset: number, len: number, out: Uint8Array, o: number): number {
  while (len >= 68) {
    o = copyUpTo64(offset, 64, out, o);
    len -= 64;
  }
  if (len > 64) {
    o = copyUpTo64(offset, 60, out, o);
    len -= 60;
  }
  return copyUpTo64(offset, len, out, o);
}

function copyUpTo64(offset: number, len: number, out: Uint8Array, o: number): number {
  if (len < 12 && offset < 2048) {
    out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[o++] = offset & 255;
  } else {
    out[o++] = 2 | ((len - 1) << 2);
    out[o++] = offset & 255;
    out[o++] = offset >>> 8;
  }
  return o;
}
