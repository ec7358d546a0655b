/**
 * COPY text bytes → Json bytes: the byte path of a table (PostgreSQL, or MySQL/MariaDB writing COPY text:
 * connectors/mysqlCsv.ts) into Json files. The row path decoded every value into a JS string, JSON.stringify'd it
 * and encoded it again; here a line is split at its tabs in the bytes and each value is written from them:
 * a number as it is when it is a JSON number, `t`/`f` of a boolean as true/false, any other value escaped for JSON
 * byte by byte (COPY's `\\ \b \f \n \r \t \v` become JSON's, `"` and control bytes escaped as JSON.stringify does,
 * UTF-8 copied). A value with anything else (another escape, a json column, a number that is not a JSON number,
 * bytes that are not UTF-8) is decoded and written by the row encoder's own writer (jsonWrite.ts). The output is
 * byte for byte what the row path writes (test/unit/agent/formats/pgTextJson.test.ts, and through the real stores
 * test/integration/jsonBytes.test.ts).
 */
import { isUtf8 } from 'node:buffer';
import { DmgwError } from '../../common/errors.js';
import { CHUNK_BYTES, type Column } from '../copy/rows.js';
import { jsonKeys, jsonValueWriter, type JsonFilePattern } from './jsonWrite.js';
import { unescapeValue } from './pgText.js';
import { PgTextLines } from './pgTextLines.js';

const enum Kind {
  Number,
  Boolean,
  Text,
  /** decoded and written by the row writer */
  Other,
}

/** what a COPY escape letter becomes inside a JSON string; 0 = not taken here */
const JSON_ESCAPE = new Uint16Array(128);
for (const [c, e] of [['\\', '\\\\'], ['b', '\\b'], ['f', '\\f'], ['n', '\\n'], ['r', '\\r'], ['t', '\\t']] as const) JSON_ESCAPE[c.charCodeAt(0)] = e.charCodeAt(1);
/** how JSON.stringify writes a control byte: its short escape letter, else 0 (then \u00XX) */
const SHORT = new Uint8Array(32);
for (const [c, e] of [[8, 'b'], [9, 't'], [10, 'n'], [12, 'f'], [13, 'r']] as const) SHORT[c] = e.charCodeAt(0);
const HEX = '0123456789abcdef';
const bytesOf = (t: string): Uint8Array => new Uint8Array(Buffer.from(t, 'utf8'));
const [NULL, TRUE, FALSE, ROW_SEP, CLOSE, CLOSE_LINE] = ['null', 'true', 'false', ',\n', '}', '}\n'].map(bytesOf) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
/** input bytes written per room check inside a long value (an escaped byte takes at most 6 output bytes) */
const STEP = 4096;

export class PgTextJson extends PgTextLines {
  private out = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private readonly keys: Uint8Array[];
  private readonly kinds: Kind[];
  private readonly writers: Array<(v: string) => string>;
  private readonly array: boolean;
  private rows = 0;

  constructor(
    private readonly columns: Column[],
    pattern: JsonFilePattern,
  ) {
    super();
    this.keys = jsonKeys(columns).map((k, i) => bytesOf(`${i ? ',' : '{'}${k}`));
    this.kinds = columns.map((c) =>
      c.type === 'integer' || c.type === 'decimal' || c.type === 'float' ? Kind.Number : c.type === 'boolean' ? Kind.Boolean : c.type === 'json' ? Kind.Other : Kind.Text,
    );
    this.writers = columns.map((c) => jsonValueWriter(c.type));
    this.array = pattern === 'arrayOfObjects';
    if (this.array && columns.length) this.text('[');
  }

  protected override chunkDone(): void {
    this.flushOut();
  }

  protected override finish(): void {
    if (this.array && this.columns.length) this.text(']\n');
    this.flushOut();
  }

  protected override line(b: Buffer, from: number, end: number): void {
    if (this.array && this.rows) this.put(ROW_SEP);
    this.rows++;
    const { keys, kinds } = this;
    let s = from;
    for (let i = 0; ; i++) {
      // the value's end, and whether it holds a backslash: one pass (a native search per value costs more)
      let e = s;
      let escaped = false;
      for (; e < end; e++) {
        const c = b[e]!;
        if (c === 9) break;
        if (c === 92) escaped = true;
      }
      const key = keys[i];
      if (!key) throw new DmgwError('DATA_INCONSISTENT', `a row of the source has more than its ${keys.length} columns`, {}, 'report this as a bug');
      this.put(key);
      if (e - s === 2 && b[s] === 92 && b[s + 1] === 78) this.put(NULL);
      else {
        const k = kinds[i]!;
        if (!((k === Kind.Number && !escaped && this.number(b, s, e)) || (k === Kind.Boolean && this.boolean(b, s, e)) || (k === Kind.Text && this.string(b, s, e, escaped)))) {
          this.text(this.writers[i]!(unescapeValue(b.toString('utf8', s, e))));
        }
      }
      if (e >= end) break;
      s = e + 1;
    }
    this.put(this.array ? CLOSE : CLOSE_LINE);
  }

  /** a JSON number (jsonWrite.ts#JSON_NUMBER) is written as it is; false when the value is not one */
  private number(b: Buffer, s: number, e: number): boolean {
    let i = s;
    if (i < e && b[i] === 45) i++;
    if (i < e && b[i] === 48) i++;
    else if (i < e && b[i]! >= 49 && b[i]! <= 57) while (i < e && b[i]! >= 48 && b[i]! <= 57) i++;
    else return false;
    if (i < e && b[i] === 46) {
      const d = ++i;
      while (i < e && b[i]! >= 48 && b[i]! <= 57) i++;
      if (i === d) return false;
    }
    if (i < e && (b[i] === 101 || b[i] === 69)) {
      i++;
      if (b[i] === 43 || b[i] === 45) i++;
      const d = i;
      while (i < e && b[i]! >= 48 && b[i]! <= 57) i++;
      if (i === d) return false;
    }
    if (i !== e) return false;
    this.room(e - s);
    const out = this.out;
    let p = this.pos;
    for (let j = s; j < e; j++) out[p++] = b[j]!;
    this.pos = p;
    return true;
  }

  private boolean(b: Buffer, s: number, e: number): boolean {
    if (e - s !== 1 || (b[s] !== 116 && b[s] !== 102)) return false;
    this.put(b[s] === 116 ? TRUE : FALSE);
    return true;
  }

  /** the value as a JSON string; false (nothing written) when it holds what only the decoder takes */
  private string(b: Buffer, s: number, e: number, escaped: boolean): boolean {
    // decided before writing: an escape not listed, a backslash ending the value, bytes that are not UTF-8
    if (escaped) {
      for (let j = s; j < e; j++) {
        if (b[j] !== 92) continue;
        const c = b[++j]!;
        if (j >= e || c >= 128 || (!JSON_ESCAPE[c] && c !== 118)) return false;
      }
    }
    if (this.checkUtf8 && !isUtf8(b.subarray(s, e))) return false;
    this.byte(34);
    for (let from = s; from < e; ) {
      const to = Math.min(e, from + STEP);
      this.room(6 * (to - from) + 8);
      const out = this.out;
      let p = this.pos;
      let j = from;
      for (; j < to; j++) {
        const c = b[j]!;
        if (c >= 32 && c !== 34 && c !== 92) out[p++] = c;
        else if (c === 92) {
          const l = b[++j]!;
          out[p++] = 92;
          if (l === 118) {
            // \v: JSON has no short form
            out[p++] = 117;
            out[p++] = 48;
            out[p++] = 48;
            out[p++] = 48;
            out[p++] = 98;
          } else out[p++] = JSON_ESCAPE[l]!;
        } else if (c === 34) {
          out[p++] = 92;
          out[p++] = 34;
        } else {
          out[p++] = 92;
          const short = SHORT[c]!;
          if (short) out[p++] = short;
          else {
            out[p++] = 117;
            out[p++] = 48;
            out[p++] = 48;
            out[p++] = HEX.charCodeAt(c >> 4);
            out[p++] = HEX.charCodeAt(c & 15);
          }
        }
      }
      this.pos = p;
      from = j;
    }
    this.byte(34);
    return true;
  }

  /** a short constant, copied in a loop (cheaper than a native copy for a few bytes) */
  private put(a: Uint8Array): void {
    this.room(a.length);
    const out = this.out;
    let p = this.pos;
    for (let j = 0; j < a.length; j++) out[p++] = a[j]!;
    this.pos = p;
  }

  private text(t: string): void {
    this.room(t.length * 3);
    this.pos += this.out.write(t, this.pos, 'utf8');
  }

  private byte(c: number): void {
    this.room(1);
    this.out[this.pos++] = c;
  }

  /** room for `n` more bytes: what is buffered goes out first when they do not fit; a bigger value gets a buffer of its own */
  private room(n: number): void {
    if (this.pos + n <= this.out.length) return;
    this.flushOut();
    if (n > this.out.length) this.out = Buffer.allocUnsafe(n);
  }

  private flushOut(): void {
    if (!this.pos) return;
    this.push(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
  }
}
