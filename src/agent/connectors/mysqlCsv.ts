/**
 * MySQL / MariaDB rows straight to CSV bytes: the byte path of a MySQL table → DelimitedText (UTF-8) copy, the
 * counterpart of PostgreSQL writing the CSV itself (`readBytes` in postgres.ts). The row path turned every value
 * into a JS string (mysql2), converted it (mysqlTypes.ts), CSV-escaped it and encoded it again: most of its CPU
 * went into those strings and their garbage. Here a value whose text needs no conversion is taken as the bytes
 * the server sent and copied into 64 KiB output buffers, quoted and escaped byte by byte where CsvWriter would have;
 * every other value (floats, booleans, bits, binary, TIMESTAMP, a non-canonical integer, text that is not valid
 * UTF-8) goes through mysql2's own conversion and the column's reader as before. The bytes come straight out of
 * mysql2's packets (`packetParser`, standing in for mysql2's row parser) when every column's read is known, else
 * through mysql2's parser with a `typeCast` handing over `field.buffer()`. The output is byte for byte what the row path writes (test/integration/mysqlCsvBytes.test.ts).
 * Supported when the special characters are ASCII and rows end in \n or \r\n; otherwise undefined (row path).
 */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import type { Connection, FieldPacket } from 'mysql2';
import { CHUNK_BYTES } from '../copy/rows.js';
import { CsvWriter, DELIMITED_TEXT_DEFAULTS, type DelimitedTextOptions } from '../formats/delimitedText.js';
import { isUtf8 as isUtf8Name } from '../formats/encoding.js';
import { pgTextValue } from '../formats/pgText.js';
import type { ByteForm, ByteRead } from './connector.js';
import type { MySqlColumn } from './mysqlTypes.js';

/** how one column's values are written */
const enum Kind {
  /** the server's bytes, as they are */
  Raw,
  /** an integer's text: as it is when canonical (no leading zero), else via its number */
  Int,
  /** DATETIME / TIME: the fraction's trailing zeros dropped (mysqlTypes.ts#trimFraction) */
  Moment,
  /** mysql2's value through the column's reader */
  Value,
}

const INTS = new Set([1, 2, 3, 9, 13]);
const RAW_TEXT = new Set([8, 0, 246, 10, 14, 245]);
const STRINGS = new Set([15, 247, 248, 249, 250, 251, 252, 253, 254]);
const BINARY_CHARSET = 63;

/** The part of mysql2's Packet the packet parser uses. */
interface MySqlPacket {
  buffer: Buffer;
  offset: number;
  readLengthCodedNumber(): number | null;
  readLengthCodedBuffer(): Buffer | null;
  readLengthCodedString(encoding: string): string | null;
  parseLengthCodedIntNoBigCheck(): number | null;
  parseLengthCodedFloat(): number | null;
}
/** mysql2's read of a value by protocol type, where the byte path takes mysql2's value (text_parser.js#readCodeFor) */
const VALUE_READS: Record<number, (p: MySqlPacket) => unknown> = {
  1: (p) => p.parseLengthCodedIntNoBigCheck(),
  2: (p) => p.parseLengthCodedIntNoBigCheck(),
  3: (p) => p.parseLengthCodedIntNoBigCheck(),
  9: (p) => p.parseLengthCodedIntNoBigCheck(),
  13: (p) => p.parseLengthCodedIntNoBigCheck(),
  4: (p) => p.parseLengthCodedFloat(),
  5: (p) => p.parseLengthCodedFloat(),
  7: (p) => p.readLengthCodedString('ascii'),
};
/** types mysql2 reads as a Buffer when their character set is binary (its default branch), BIT among them */
const BYTES_READ = new Set([16, 249, 250, 251, 252, 253, 254, 15]);

function kindOf(f: FieldPacket, col: MySqlColumn): Kind {
  const t = f.columnType ?? -1;
  const ext = (f as { extendedFormat?: string }).extendedFormat;
  const encoding = (f as { encoding?: string }).encoding;
  if (col.type === 'boolean' || col.type === 'binary') return Kind.Value;
  // MariaDB's JSON (a LONGTEXT marked json): mysql2 decodes it in the column's encoding
  if (ext === 'json') return encoding === 'utf8' ? Kind.Raw : Kind.Value;
  if (INTS.has(t) && col.type === 'integer') return Kind.Int;
  if (t === 12 || t === 11) return Kind.Moment;
  // LONGLONG with bigNumberStrings, DECIMAL, DATE with dateStrings, MySQL's JSON: mysql2 hands over the text as sent
  if (RAW_TEXT.has(t)) return Kind.Raw;
  if (STRINGS.has(t) && f.characterSet !== BINARY_CHARSET && encoding === 'utf8') return Kind.Raw;
  return Kind.Value;
}

/** Whether `o` can be written here (else the engine takes the row path). */
export function csvBytesSupported(o: DelimitedTextOptions): boolean {
  const ascii = (s: string) => [...s].every((c) => c.charCodeAt(0) < 128);
  const rd = o.rowDelimiter ?? '\n';
  return isUtf8Name(o.encodingName) && (rd === '\n' || rd === '\r\n') && o.columnDelimiter.length === 1 && ascii(o.columnDelimiter) && ascii(o.quoteChar ?? '') && ascii(o.escapeChar ?? '');
}

/** Writes rows of text-protocol values as CSV (or COPY text) bytes, in CHUNK_BYTES buffers handed to `emit`. */
export class CsvBytesWriter {
  private out = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  rows = 0;
  private readonly csv: CsvWriter | undefined;
  /** a value's text as the row path writes it */
  private readonly valueText: (v: string | null) => string;
  /** COPY text: a special byte is written as a backslash and this letter */
  private readonly pgEscape: Uint8Array | undefined;
  private readonly o: DelimitedTextOptions;
  private readonly kinds: Kind[];
  private readonly readers: Array<(v: unknown) => string | null>;
  /** bytes that make CsvWriter quote a value (quoteChar set) or escape it (escapeChar only) */
  private readonly special = new Uint8Array(256);
  /** bytes preceded by the escape inside quotes */
  private readonly escaped = new Uint8Array(256);
  private readonly quote: number;
  private readonly esc: number;
  private readonly delim: number;
  private readonly rowEnd: Buffer;
  private readonly nullBytes: Buffer;
  private col = 0;

  constructor(
    form: ByteForm,
    fields: FieldPacket[],
    private readonly columns: MySqlColumn[],
    private readonly emit: (chunk: Buffer) => void,
  ) {
    // COPY text (formatPgText) is written like CSV with no quote, a tab between values, `\N` for null and its own escapes
    const o = (this.o = form.kind === 'csv' ? form.options : { ...DELIMITED_TEXT_DEFAULTS, columnDelimiter: '\t', quoteChar: '', escapeChar: '\\', nullValue: '\\N', rowDelimiter: '\n', firstRowAsHeader: false, quoteAllText: false });
    if (form.kind === 'csv') {
      const csv = (this.csv = new CsvWriter(o));
      this.valueText = (v) => csv.value(v);
    } else {
      this.valueText = pgTextValue;
      this.pgEscape = new Uint8Array(256);
      for (const [c, e] of [['\\', '\\'], ['\t', 't'], ['\n', 'n'], ['\r', 'r']]) this.pgEscape[c!.charCodeAt(0)] = e!.charCodeAt(0);
    }
    this.kinds = fields.map((f, i) => kindOf(f, columns[i]!));
    this.readers = columns.map((c) => (c.read ?? ((v: unknown) => (v === null || v === undefined ? null : String(v)))) as (v: unknown) => string | null);
    const rowEnd = o.rowDelimiter ?? '\n';
    this.rowEnd = Buffer.from(rowEnd, 'utf8');
    this.nullBytes = Buffer.from(o.nullValue, 'utf8');
    this.delim = o.columnDelimiter.charCodeAt(0);
    this.quote = o.quoteChar ? o.quoteChar.charCodeAt(0) : -1;
    this.esc = o.escapeChar ? o.escapeChar.charCodeAt(0) : -1;
    const specials = [o.columnDelimiter, '\r', '\n', ...rowEnd, ...(o.quoteChar ? [o.quoteChar] : [])].map((c) => c.charCodeAt(0));
    for (const c of specials) this.special[c] = 1;
    if (o.quoteChar) {
      this.escaped[this.quote] = 1;
      if (o.escapeChar && o.escapeChar !== o.quoteChar) this.escaped[this.esc] = 1;
    } else if (o.escapeChar) this.special[this.esc] = 1;
  }

  /** mysql2's typeCast for this result: the bytes of the columns written as they are, mysql2's value for the rest */
  readonly typeCast = (field: { buffer(): Buffer | null }, next: () => unknown): unknown => {
    const k = this.kinds[this.col];
    this.col = this.col + 1 === this.kinds.length ? 0 : this.col + 1;
    return k === Kind.Value ? next() : field.buffer();
  };

  /**
   * A row parser for mysql2's Query (see `streamCsvBytes`) that writes each row straight from the packet: no Buffer
   * per value, no closure per value. Columns needing mysql2's value are read with the very Packet method mysql2's
   * own parser uses for them (text_parser.js#readCodeFor); undefined when a column needs one not listed here.
   */
  packetParser(fields: FieldPacket[]): { next(packet: MySqlPacket): true } | undefined {
    const reads: Array<((p: MySqlPacket) => unknown) | undefined> = [];
    for (let i = 0; i < fields.length; i++) {
      if (this.kinds[i] !== Kind.Value) {
        reads.push(undefined);
        continue;
      }
      const t = fields[i]!.columnType ?? -1;
      const read = VALUE_READS[t] ?? (BYTES_READ.has(t) && fields[i]!.characterSet === BINARY_CHARSET ? (p: MySqlPacket) => p.readLengthCodedBuffer() : undefined);
      if (!read || (fields[i] as { extendedFormat?: string }).extendedFormat) return undefined;
      reads.push(read);
    }
    const { kinds, readers } = this;
    return {
      next: (packet) => {
        const buf = packet.buffer;
        for (let i = 0; i < kinds.length; i++) {
          if (i) this.byte(this.delim);
          const read = reads[i];
          if (read) {
            const v = read(packet);
            if (v === null) this.bytes(this.nullBytes, 0, this.nullBytes.length);
            else this.value(readers[i]!(v));
            continue;
          }
          const len = packet.readLengthCodedNumber();
          if (len === null) {
            this.bytes(this.nullBytes, 0, this.nullBytes.length);
            continue;
          }
          const start = packet.offset;
          packet.offset += len;
          this.raw(buf, kinds[i]!, start, start + len);
        }
        this.rowEndBytes();
        this.rows++;
        return true;
      },
    };
  }

  header(): void {
    if (this.csv && this.o.firstRowAsHeader && this.columns.length) this.text(this.csv.header(this.columns));
  }

  row(values: unknown[]): void {
    const { kinds } = this;
    for (let i = 0; i < values.length; i++) {
      if (i) this.byte(this.delim);
      const v = values[i];
      const k = kinds[i]!;
      if (v === null || v === undefined) this.bytes(this.nullBytes, 0, this.nullBytes.length);
      else if (k === Kind.Value) this.value(this.readers[i]!(v));
      else this.raw(v as Buffer, k);
    }
    this.rowEndBytes();
    this.rows++;
  }

  /** hands over what is buffered */
  flush(): void {
    if (!this.pos) return;
    this.emit(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
  }

  private raw(b: Buffer, k: Kind, from = 0, end = b.length): void {
    if (k === Kind.Int) {
      // mysql2 parses it to a number (parseIntNoBigCheck): `007` → `7`, `-0` → `0`
      const neg = b[from] === 45 ? 1 : 0;
      if (b[from] === 43 || (b[from + neg] === 48 && (end > from + neg + 1 || neg))) return this.value(String(Number(b.toString('latin1', from, end))));
    } else if (k === Kind.Moment && b.subarray(from, end).includes(46)) {
      const full = end;
      while (end > from && b[end - 1] === 48) end--;
      if (end < full && b[end - 1] === 46) end--;
    }
    // copied while scanned (a native copy costs more than a loop for short values); kept only if nothing is special
    const n = end - from;
    this.ensure(n);
    const out = this.out;
    const at = this.pos - from;
    let special = 0;
    let high = 0;
    const sp = this.special;
    for (let j = from; j < end; j++) {
      const c = b[j]!;
      out[at + j] = c;
      high |= c;
      special |= sp[c]!;
    }
    // not valid UTF-8 (never from a utf8mb4 session, but then exactly what mysql2 decoded)
    if (high & 0x80 && !isUtf8(b.subarray(from, end))) return this.value(b.toString('utf8', from, end));
    if (!special && !this.o.quoteAllText && !(this.quote >= 0 && n === this.nullBytes.length && this.nullBytes.equals(b.subarray(from, end)))) {
      this.pos += n;
      return;
    }
    if (this.quote >= 0) {
      this.ensure(2 * n + 2);
      const out = this.out;
      let p = this.pos;
      const esc = this.esc >= 0 ? this.esc : this.quote;
      const ed = this.escaped;
      out[p++] = this.quote;
      for (let j = from; j < end; j++) {
        const c = b[j]!;
        if (ed[c]) out[p++] = esc;
        out[p++] = c;
      }
      out[p++] = this.quote;
      this.pos = p;
      return;
    }
    if (this.esc >= 0 && special) {
      this.ensure(2 * n);
      const out = this.out;
      let p = this.pos;
      const pg = this.pgEscape;
      for (let j = from; j < end; j++) {
        const c = b[j]!;
        if (sp[c]) {
          out[p++] = this.esc;
          out[p++] = pg ? pg[c]! : c;
        } else out[p++] = c;
      }
      this.pos = p;
      return;
    }
    this.bytes(b, from, end);
  }

  private rowEndBytes(): void {
    const r = this.rowEnd;
    if (this.pos + r.length > this.out.length) this.flush();
    for (let j = 0; j < r.length; j++) this.out[this.pos++] = r[j]!;
  }

  /** a value as CsvWriter writes its text */
  private value(v: string | null): void {
    this.text(this.valueText(v));
  }

  private text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.out.write(s, this.pos, 'utf8');
  }

  private byte(c: number): void {
    if (this.pos >= this.out.length) this.flush();
    this.out[this.pos++] = c;
  }

  private bytes(b: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    b.copy(this.out, this.pos, start, end);
    this.pos += end - start;
  }

  /** room for `n` more bytes: flushes first when they do not fit; a value bigger than a chunk gets a buffer of its own */
  private ensure(n: number): void {
    if (this.pos + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) this.out = Buffer.allocUnsafe(n);
  }
}

/**
 * Streams the result of `sql` on `conn` as CSV bytes. The connection is paused while the stream's buffer is full
 * (TCP holds the server back). `done(broken)` is called once: after the last row, or on an error or abort.
 */
export function streamCsvBytes(conn: Connection, sql: string, form: ByteForm, columnsOf: (f: FieldPacket[]) => MySqlColumn[], signal: AbortSignal, done: (broken: boolean) => void): ByteRead {
  let writer: CsvBytesWriter | undefined;
  let paused = false;
  let finished = false;
  const finish = (broken: boolean) => {
    if (finished) return;
    finished = true;
    // a paused connection would never read the server's goodbye (conn.end) and kept the process alive
    if (paused) conn.resume();
    paused = false;
    signal.removeEventListener('abort', onAbort);
    conn.off('error', lost);
    done(broken);
  };
  const stream = new Readable({
    highWaterMark: 2 * CHUNK_BYTES,
    read() {
      if (paused) {
        paused = false;
        conn.resume();
      }
    },
    destroy(err, cb) {
      finish(!!err || !ended);
      cb(err);
    },
  });
  const emit = (chunk: Buffer) => {
    if (!stream.push(chunk) && !paused) {
      paused = true;
      conn.pause();
    }
  };
  let ended = false;
  const fail = (e: Error) => {
    stream.destroy(e);
  };
  const onAbort = () => fail((signal.reason as Error) ?? new Error('aborted'));
  const lost = (e: Error) => fail(e);
  signal.addEventListener('abort', onAbort, { once: true });
  conn.on('error', lost);
  const q = conn.query({ sql, rowsAsArray: true, typeCast: (field: { buffer(): Buffer | null }, next: () => unknown) => writer!.typeCast(field, next) } as never);
  // mysql2 sets `_rowParser` right after 'fields'; where the packet parser can take every column it stands in
  // for it (when mysql2 renames that field, its own parser and the typeCast above do the same work, slower)
  let direct: { next(packet: MySqlPacket): true } | undefined;
  let parser: unknown;
  const hook = (q as unknown as Record<string, unknown>)._rowParser === null;
  if (hook) {
    Object.defineProperty(q, '_rowParser', {
      configurable: true,
      get: () => direct ?? parser,
      set: (p: unknown) => {
        parser = p;
        direct = writer && fieldsSeen ? writer.packetParser(fieldsSeen) : undefined;
      },
    });
  }
  let fieldsSeen: FieldPacket[] | undefined;
  q.on('fields', (f: FieldPacket[]) => {
    fieldsSeen = f;
    writer = new CsvBytesWriter(form, f, columnsOf(f), emit);
    writer.header();
  });
  q.on('result', (row: unknown) => {
    if (row !== true) writer!.row(row as unknown[]);
  });
  q.on('error', (e: Error) => fail(e));
  q.on('end', () => {
    if (stream.destroyed) return;
    ended = true;
    writer?.flush();
    stream.push(null);
    finish(false);
  });
  if (signal.aborted) onAbort();
  return { stream, rowCount: () => writer?.rows ?? 0 };
}
