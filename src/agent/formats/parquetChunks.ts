/**
 * Parquet column chunks built from bytes (the byte path, pgTextParquet.ts): each column of a row group is held as
 * the PLAIN bytes it will be written as (4 or 8 little-endian bytes per number, a length and the UTF-8 bytes per
 * string), its definition levels and its statistics, so a value costs no JS object. A column of byte arrays is
 * dictionary-encoded as it fills — an open-addressed table over the bytes, each value kept as its index — until the
 * dictionary stops paying (then its values are written out plainly and the column goes on without it). At the end of the group each column becomes a dictionary page (when it won) and one data page
 * (v2), compressed with the file's codec, and the chunk's metadata for the footer (written by hyparquet-writer's
 * ParquetWriter: parquetFile.ts). What a reader gets back is what the row path writes (test/unit/agent/formats/
 * pgTextParquet.test.ts compares the rows and the statistics).
 */
import type { ColumnChunk, Encoding, SchemaElement } from 'hyparquet';
import type { ByteWriter } from 'hyparquet-writer';
import { hyparquetPages } from '../libraries.js';
import type { ParquetValue } from './parquetTypes.js';

export const enum Phys {
  Boolean,
  Int32,
  Int64,
  Double,
  Bytes,
  Fixed,
}

const PHYS: Record<string, Phys> = { BOOLEAN: Phys.Boolean, INT32: Phys.Int32, INT64: Phys.Int64, DOUBLE: Phys.Double, BYTE_ARRAY: Phys.Bytes, FIXED_LEN_BYTE_ARRAY: Phys.Fixed };
const TWO32 = 4294967296;
let pages: ReturnType<typeof hyparquetPages> | undefined;
/** a dictionary bigger than this (its PLAIN bytes) is not kept: parquet-mr's default page limit for it */
const DICTIONARY_BYTES = 1 << 20;
/** after this many values a dictionary that holds nearly all the bytes it saw is given up (hyparquet-writer samples as many) */
const DICTIONARY_SAMPLE = 1000;

/** a growable byte buffer */
class Bytes {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  /** empty again; a buffer a big value grew past 8 MiB is let go */
  shrink(): void {
    this.pos = 0;
    if (this.buf.length > 8 << 20) this.buf = Buffer.allocUnsafe(1 << 16);
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

export class ColumnChunkBuilder {
  readonly phys: Phys;
  private defs = new Uint8Array(1 << 14);
  private count = 0;
  private nulls = 0;
  private readonly values = new Bytes();
  /** the least and greatest value taken as a Number (a boolean as 0/1), and as a BigInt (kept apart: a comparison of the two kinds is slow) */
  private lo = Infinity;
  private hi = -Infinity;
  private bigLo: bigint | undefined;
  private bigHi: bigint | undefined;
  private nans = 0;
  /** Bytes: where the min and max values' lengths are in `values` */
  private minAt = -1;
  private maxAt = -1;
  private readonly dict: Dictionary | undefined;

  constructor(private readonly element: SchemaElement) {
    this.phys = PHYS[element.type!]!;
    if (this.phys === Phys.Bytes) this.dict = new Dictionary();
  }

  null(): void {
    this.def(0);
    this.nulls++;
  }

  bool(v: boolean): void {
    this.def(1);
    const n = this.count - this.nulls - 1;
    const v8 = this.values;
    if ((n & 7) === 0) {
      v8.room(1);
      v8.buf[v8.pos++] = 0;
    }
    if (v) v8.buf[v8.pos - 1]! |= 1 << (n & 7);
    this.num(v ? 1 : 0);
  }

  int32(v: number): void {
    this.def(1);
    const b = this.values;
    b.room(4);
    put32(b.buf, b.pos, v);
    b.pos += 4;
    this.num(v);
  }

  /** a Number here is a safe integer */
  int64(v: number | bigint): void {
    this.def(1);
    const b = this.values;
    b.room(8);
    if (typeof v === 'bigint') {
      b.pos = b.buf.writeBigInt64LE(v, b.pos);
      this.big(v);
    } else {
      const hi = Math.floor(v / TWO32);
      put32(b.buf, b.pos, v - hi * TWO32);
      put32(b.buf, b.pos + 4, hi);
      b.pos += 8;
      this.num(v);
    }
  }

  double(v: number): void {
    this.def(1);
    this.values.room(8);
    this.values.pos = this.values.buf.writeDoubleLE(v, this.values.pos);
    if (Number.isNaN(v)) this.nans++;
    else this.num(v);
  }

  /** a byte array: `src[s, e)` (`hash`: its fnv1a, when the caller had it); while the column's dictionary pays, only its index is kept */
  bytes(src: Uint8Array, s: number, e: number, hash?: number): void {
    this.def(1);
    const dict = this.dict;
    if (dict?.on) {
      if (dict.add(src, s, e, hash ?? fnv1a(src, s, e))) return;
      this.unfold();
    }
    this.plain(src, s, e);
  }

  private plain(src: Uint8Array, s: number, e: number): void {
    const b = this.values;
    const n = e - s;
    const at = b.pos;
    b.room(4 + n);
    const buf = b.buf;
    put32(buf, at, n);
    // a short value copied in a loop: cheaper than a native copy and the view it needs
    if (n <= 64) for (let i = 0; i < n; i++) buf[at + 4 + i] = src[s + i]!;
    else buf.set(src.subarray(s, e), at + 4);
    b.pos = at + 4 + n;
    this.byteStat(at);
  }

  /** the dictionary stopped paying: the values it held are written out plainly, and the column goes on without it */
  private unfold(): void {
    const dict = this.dict!;
    const d = dict.bytes.buf;
    for (let i = 0; i < dict.values; i++) {
      const at = dict.at[dict.indexes[i]!]!;
      this.plain(d, at + 4, at + 4 + lengthAt(d, at));
    }
    dict.off();
  }

  /** a byte array from the hex digits `src[s, e)` (a trailing odd digit is dropped, as Buffer.from(hex) does); false when one is not a hex digit */
  hex(src: Uint8Array, s: number, e: number): boolean {
    for (let i = s; i < e; i++) if (HEX[src[i]!] === 255) return false;
    const n = (e - s) >> 1;
    // the shared scratch grows to 1 MiB at most; a bigger value gets a buffer of its own, dropped after it
    if (hexOut.length < n && n <= SCRATCH_MAX) hexOut = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(n, hexOut.length * 2)));
    const out = hexOut.length < n ? Buffer.allocUnsafe(n) : hexOut;
    for (let i = 0, j = s; i < n; i++, j += 2) out[i] = (HEX[src[j]!]! << 4) | HEX[src[j + 1]!]!;
    this.bytes(out, 0, n);
    return true;
  }

  /** a value of the row path's converter (parquetTypes.ts#parquetColumn): the exact path of a value the byte path does not read itself */
  value(v: ParquetValue): void {
    if (v === null) return this.null();
    switch (this.phys) {
      case Phys.Boolean:
        return this.bool(v as boolean);
      case Phys.Int32:
        return this.int32(Number(v));
      case Phys.Int64:
        return this.int64(v as bigint);
      case Phys.Double:
        return this.double(v as number);
      case Phys.Bytes: {
        const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array);
        return this.bytes(bytes, 0, bytes.length);
      }
      case Phys.Fixed:
        return this.fixed(v as bigint);
    }
  }

  /** a DECIMAL's unscaled integer in `type_length` big-endian two's-complement bytes */
  private fixed(v: bigint): void {
    this.def(1);
    const len = this.element.type_length!;
    const b = this.values;
    b.room(len);
    let x = BigInt.asUintN(len * 8, v);
    for (let i = len - 1; i >= 0; i--, x >>= 8n) b.buf[b.pos + i] = Number(x & 255n);
    b.pos += len;
    this.big(v);
  }

  private def(level: number): void {
    if (this.count === this.defs.length) {
      const next = new Uint8Array(this.defs.length * 2);
      next.set(this.defs);
      this.defs = next;
    }
    this.defs[this.count++] = level;
  }

  private num(v: number): void {
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  private big(v: bigint): void {
    if (this.bigLo === undefined || v < this.bigLo) this.bigLo = v;
    if (this.bigHi === undefined || v > this.bigHi) this.bigHi = v;
  }

  private byteStat(at: number): void {
    const buf = this.values.buf;
    if (this.minAt < 0 || compareAt(buf, at, buf, this.minAt) < 0) this.minAt = at;
    if (this.maxAt < 0 || compareAt(buf, at, buf, this.maxAt) > 0) this.maxAt = at;
  }

  /** Writes the chunk's pages to `out` and returns its metadata; the builder is empty again after it. */
  write(out: ByteWriter, codec: string, compress: ((b: Uint8Array) => Uint8Array) | undefined): ColumnChunk {
    pages ??= hyparquetPages();
    const { writePageHeader, writeRleBitPackedHybrid, ByteWriter: Writer } = pages;
    const squeeze = (b: Uint8Array) => compress?.(b) ?? b;
    const start = out.offset;
    let uncompressed = 0;
    let dictionaryOffset: bigint | undefined;
    const encodings: Encoding[] = [];
    let encoding: Encoding = 'PLAIN';
    const dict = this.dict;
    if (dict?.on && !dict.wins()) this.unfold();
    let body: Uint8Array = this.values.buf.subarray(0, this.values.pos);
    // with a dictionary, the values' least and greatest are among its entries
    const bounds = dict?.on ? dict.bounds() : this.bounds();
    if (dict?.on) {
      dictionaryOffset = BigInt(out.offset);
      const page = dict.bytes.buf.subarray(0, dict.bytes.pos);
      const packed = squeeze(page);
      const headerAt = out.offset;
      writePageHeader(out, { type: 'DICTIONARY_PAGE', uncompressed_page_size: page.length, compressed_page_size: packed.length, dictionary_page_header: { num_values: dict.size, encoding: 'PLAIN' } });
      uncompressed += out.offset - headerAt + page.length;
      out.appendBytes(packed);
      encodings.push('PLAIN');
      const indexes = new Writer(dict.values + 16);
      const width = Math.max(1, Math.ceil(Math.log2(dict.size)));
      indexes.appendUint8(width);
      writeRleBitPackedHybrid(indexes, dict.indexes.subarray(0, dict.values), width);
      body = indexes.getBytes();
      encoding = 'RLE_DICTIONARY';
    }
    encodings.push(encoding);
    const levels = new Writer(64 + (this.nulls ? this.count >> 3 : 0));
    writeRleBitPackedHybrid(levels, this.defs.subarray(0, this.count), 1);
    const packed = squeeze(body);
    const dataOffset = BigInt(out.offset);
    const headerAt = out.offset;
    writePageHeader(out, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levels.offset + body.length,
      compressed_page_size: levels.offset + packed.length,
      data_page_header_v2: { num_values: this.count, num_nulls: this.nulls, num_rows: this.count, encoding, definition_levels_byte_length: levels.offset, repetition_levels_byte_length: 0, is_compressed: true },
    });
    uncompressed += out.offset - headerAt + levels.offset + body.length;
    out.appendBytes(levels.getBytes());
    out.appendBytes(packed);
    const chunk: ColumnChunk = {
      meta_data: {
        type: this.element.type!,
        encodings,
        path_in_schema: [this.element.name],
        codec: codec as never,
        num_values: BigInt(this.count),
        total_compressed_size: BigInt(out.offset - start),
        total_uncompressed_size: BigInt(uncompressed),
        data_page_offset: dataOffset,
        dictionary_page_offset: dictionaryOffset,
        statistics: { ...bounds, null_count: BigInt(this.nulls), ...(this.phys === Phys.Double ? { nan_count: BigInt(this.nans) } : {}) },
        encoding_stats: [...(dictionaryOffset !== undefined ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []), { page_type: 'DATA_PAGE_V2', encoding, count: 1 }],
      },
      file_offset: BigInt(start),
    };
    this.reset();
    return chunk;
  }

  /** min and max as hyparquet-writer's metadata writer takes them (it encodes and truncates them: unconvertMinMax) */
  private bounds(): Pick<NonNullable<NonNullable<ColumnChunk['meta_data']>['statistics']>, 'min_value' | 'max_value'> {
    if (this.phys === Phys.Bytes) {
      if (this.minAt < 0) return {};
      return { min_value: valueAt(this.values.buf, this.minAt), max_value: valueAt(this.values.buf, this.maxAt) };
    }
    const { lo, hi, bigLo, bigHi } = this;
    const numbers = lo <= hi;
    if (!numbers && bigLo === undefined) return {};
    if (this.phys === Phys.Boolean) return { min_value: lo === 1, max_value: hi === 1 };
    if (this.phys === Phys.Int64 || this.phys === Phys.Fixed || this.element.converted_type === 'DECIMAL') {
      const least = numbers && (bigLo === undefined || BigInt(lo) < bigLo) ? BigInt(lo) : bigLo!;
      const greatest = numbers && (bigHi === undefined || BigInt(hi) > bigHi) ? BigInt(hi) : bigHi!;
      return { min_value: least, max_value: greatest };
    }
    // as the Parquet spec (and hyparquet-writer) has it: a zero min is -0, a zero max +0
    if (this.phys === Phys.Double) return { min_value: lo === 0 ? -0 : lo, max_value: hi === 0 ? 0 : hi };
    return { min_value: lo, max_value: hi };
  }

  private reset(): void {
    this.count = this.nulls = this.nans = 0;
    this.values.shrink();
    this.lo = Infinity;
    this.hi = -Infinity;
    this.bigLo = this.bigHi = undefined;
    this.minAt = this.maxAt = -1;
    this.dict?.reset();
  }
}

const SCRATCH_MAX = 1 << 20;
let hexOut = Buffer.allocUnsafe(1 << 12);
const HEX = new Uint8Array(256).fill(255);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = HEX[65 + c] = 10 + c;

/** the byte arrays (each after its 4-byte length) at `x[a]` and `y[b]`, in unsigned byte order (UTF-8's code point order) */
function compareAt(x: Uint8Array, a: number, y: Uint8Array, b: number): number {
  const la = lengthAt(x, a);
  const lb = lengthAt(y, b);
  const n = Math.min(la, lb);
  for (let i = 4; i < n + 4; i++) {
    const d = x[a + i]! - y[b + i]!;
    if (d) return d;
  }
  return la - lb;
}

/** FNV-1a of `src[s, e)`, as a signed 32-bit integer (what the dictionary hashes; pgTextParquet.ts computes it while it looks for a value's end) */
export const FNV_START = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;
export function fnv1a(src: Uint8Array, s: number, e: number): number {
  let h = FNV_START;
  for (let i = s; i < e; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
  return h;
}

/** a copy of the byte array (after its 4-byte length) at `buf[p]` */
const valueAt = (buf: Uint8Array, p: number): Uint8Array => buf.slice(p + 4, p + 4 + lengthAt(buf, p));

/** the low 32 bits of the integer `v` at `buf[p]`, little-endian (a typed array keeps each byte's low 8 bits) */
function put32(buf: Uint8Array, p: number, v: number): void {
  buf[p] = v;
  buf[p + 1] = v >>> 8;
  buf[p + 2] = v >>> 16;
  buf[p + 3] = v >>> 24;
}

const lengthAt = (buf: Uint8Array, p: number): number => (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16)) + buf[p + 3]! * 0x1000000;

/** whether `len` bytes at `a[p]` and `b[q]` are the same */
function sameAt(a: Uint8Array, p: number, b: Uint8Array, q: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[p + i] !== b[q + i]) return false;
  return true;
}

/**
 * The distinct byte arrays of a column chunk, in PLAIN bytes (as its dictionary page holds them), and each value's
 * index; `on` until it stops paying (then the column's values are written out plainly: ColumnChunkBuilder.unfold).
 */
class Dictionary {
  readonly bytes = new Bytes();
  on = true;
  size = 0;
  /** values taken */
  values = 0;
  indexes = new Int32Array(1 << 14);
  /** where each entry starts in `bytes`, and its hash */
  at = new Int32Array(1 << 11);
  private hashes = new Int32Array(1 << 11);
  /** the PLAIN bytes of the values taken */
  private valueBytes = 0;
  private slots = new Int32Array(1 << 12);

  /** takes the value `src[s, e)` (`h`: its fnv1a); false (and nothing taken) when the dictionary stops paying */
  add(src: Uint8Array, s: number, e: number, h: number): boolean {
    if (this.values === DICTIONARY_SAMPLE && this.bytes.pos > 0.9 * this.valueBytes) return false;
    const n = e - s;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    let index = -1;
    const d = this.bytes.buf;
    for (let k = this.slots[slot]!; k; k = this.slots[slot]!) {
      const at = this.at[k - 1]!;
      if (this.hashes[k - 1] === h && lengthAt(d, at) === n && sameAt(src, s, d, at + 4, n)) {
        index = k - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (index < 0) {
      if (this.bytes.pos + 4 + n > DICTIONARY_BYTES) return false;
      index = this.size++;
      if (index === this.at.length) {
        this.at = grow(this.at);
        this.hashes = grow(this.hashes);
      }
      const b = this.bytes;
      this.at[index] = b.pos;
      this.hashes[index] = h;
      b.room(4 + n);
      put32(b.buf, b.pos, n);
      b.buf.set(src.subarray(s, e), b.pos + 4);
      b.pos += 4 + n;
      this.slots[slot] = index + 1;
      if (this.size * 2 > this.slots.length) this.rehash();
    }
    if (this.values === this.indexes.length) this.indexes = grow(this.indexes);
    this.indexes[this.values++] = index;
    this.valueBytes += 4 + n;
    return true;
  }

  /** as hyparquet-writer decides: the distinct values' bytes at most half of all the values' */
  wins(): boolean {
    return this.size > 0 && this.bytes.pos <= this.valueBytes / 2;
  }

  /** the least and greatest entry: those of the values */
  bounds(): { min_value?: Uint8Array; max_value?: Uint8Array } {
    if (!this.size) return {};
    const d = this.bytes.buf;
    let min = this.at[0]!;
    let max = min;
    for (let i = 1; i < this.size; i++) {
      const at = this.at[i]!;
      if (compareAt(d, at, d, min) < 0) min = at;
      if (compareAt(d, at, d, max) > 0) max = at;
    }
    return { min_value: valueAt(d, min), max_value: valueAt(d, max) };
  }

  off(): void {
    this.on = false;
  }

  reset(): void {
    this.on = true;
    this.size = this.values = this.valueBytes = 0;
    this.bytes.shrink();
    this.slots.fill(0);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      let slot = this.hashes[i]! & mask;
      while (this.slots[slot]) slot = (slot + 1) & mask;
      this.slots[slot] = i + 1;
    }
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
