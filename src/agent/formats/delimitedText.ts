/**
 * DelimitedText (CSV) in ADF's terms: columnDelimiter, rowDelimiter, quoteChar, escapeChar, firstRowAsHeader,
 * nullValue, encodingName. Quoting follows PostgreSQL's CSV rules, so what `COPY ... WITH (FORMAT csv)` writes
 * (the fast path) and what this file writes (the row path) read back the same:
 * - a field is quoted when it holds the delimiter, the quote, CR/LF or the row delimiter, or equals nullValue;
 * - inside quotes the escape char escapes the quote and itself (with escape = quote, a doubled quote);
 * - an unquoted field equal to nullValue is NULL, a quoted one is the string (so `""` is an empty string).
 * Without a quoteChar the escapeChar escapes delimiters outside quotes (ADF's behaviour).
 */
import { DmgwError } from '../../common/errors.js';
import { BATCH_ROWS, type Column, type Row } from '../copy/rows.js';

export interface DelimitedTextOptions {
  columnDelimiter: string;
  /** undefined on read = any of \r\n, \r, \n; on write we use \n (ADF's copy writes \r\n; set it explicitly for that). */
  rowDelimiter?: string;
  /** '' = no quoting */
  quoteChar: string;
  /** '' = no escaping */
  escapeChar: string;
  firstRowAsHeader: boolean;
  nullValue: string;
  encodingName: string;
  /** DelimitedTextWriteSettings.quoteAllText: quote every non-null value */
  quoteAllText?: boolean;
}

export const DELIMITED_TEXT_DEFAULTS: DelimitedTextOptions = {
  columnDelimiter: ',',
  quoteChar: '"',
  escapeChar: '\\',
  firstRowAsHeader: false,
  nullValue: '',
  encodingName: 'UTF-8',
};

const unescapeSetting = (s: string): string => s.replace(/\\([rnt\\])/g, (_m, c: string) => ({ r: '\r', n: '\n', t: '\t', '\\': '\\' })[c]!);

/** Reads the options from a DelimitedText dataset's typeProperties (+ the sink's formatSettings). */
export function delimitedTextOptions(tp: Record<string, unknown>, formatSettings: Record<string, unknown> = {}): DelimitedTextOptions {
  const str = (k: string, d: string): string => (typeof tp[k] === 'string' ? (tp[k] as string) : d);
  const o: DelimitedTextOptions = {
    columnDelimiter: str('columnDelimiter', DELIMITED_TEXT_DEFAULTS.columnDelimiter),
    rowDelimiter: typeof tp.rowDelimiter === 'string' && tp.rowDelimiter !== '' ? unescapeSetting(tp.rowDelimiter) : undefined,
    quoteChar: str('quoteChar', DELIMITED_TEXT_DEFAULTS.quoteChar),
    escapeChar: str('escapeChar', DELIMITED_TEXT_DEFAULTS.escapeChar),
    firstRowAsHeader: tp.firstRowAsHeader === true || tp.firstRowAsHeader === 'true',
    nullValue: str('nullValue', DELIMITED_TEXT_DEFAULTS.nullValue),
    encodingName: str('encodingName', DELIMITED_TEXT_DEFAULTS.encodingName),
    quoteAllText: formatSettings.quoteAllText === true,
  };
  if (o.columnDelimiter === '\\t') o.columnDelimiter = '\t';
  checkOptions(o);
  return o;
}

export function checkOptions(o: DelimitedTextOptions): void {
  const bad = (field: string, msg: string, hint: string): never => {
    throw new DmgwError('FORMAT_SETTINGS', msg, { field: `typeProperties.${field}` }, hint);
  };
  if (o.columnDelimiter.length !== 1) bad('columnDelimiter', `columnDelimiter must be one character, got ${JSON.stringify(o.columnDelimiter)}`, 'use ",", ";", "|" or "\\t"');
  if (o.quoteChar.length > 1) bad('quoteChar', 'quoteChar must be one character or empty', 'use "\\"" or "\'"');
  if (o.escapeChar.length > 1) bad('escapeChar', 'escapeChar must be one character or empty', 'use "\\\\" or "\\""');
  if (o.rowDelimiter !== undefined && o.rowDelimiter.length !== 1 && o.rowDelimiter !== '\r\n') bad('rowDelimiter', 'rowDelimiter must be one character or "\\r\\n"', 'use "\\n" or "\\r\\n"');
  if (o.quoteChar && o.quoteChar === o.columnDelimiter) bad('quoteChar', 'quoteChar and columnDelimiter must differ', 'pick another quoteChar');
}

// parser states
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // saw the quote char inside quotes: end of field, or a doubled quote
const ESCAPE_IN_QUOTED = 4;
const ESCAPE_UNQUOTED = 5;
const AFTER_CR = 6; // saw \r in auto mode: a following \n belongs to the same row end

/**
 * A streaming CSV parser over decoded text. `push` may be called with any split of the input (inside a quote,
 * between \r and \n); complete rows come back in batches.
 */
export class CsvParser {
  private state = FIELD_START;
  private field = '';
  private quoted = false;
  private row: Row = [];
  private readonly d: number;
  private readonly q: number;
  private readonly e: number;
  /** -1 = auto (\r\n, \r, \n) */
  private readonly rd: number;
  private readonly rdCrLf: boolean;

  constructor(private readonly o: DelimitedTextOptions) {
    this.d = o.columnDelimiter.charCodeAt(0);
    this.q = o.quoteChar ? o.quoteChar.charCodeAt(0) : -1;
    // with quotes but no escape char, a doubled quote is the escape (RFC 4180)
    this.e = o.escapeChar ? o.escapeChar.charCodeAt(0) : this.q;
    const auto = o.rowDelimiter === undefined || o.rowDelimiter === '\n' || o.rowDelimiter === '\r\n' || o.rowDelimiter === '\r';
    this.rd = auto ? -1 : o.rowDelimiter!.charCodeAt(0);
    this.rdCrLf = auto;
  }

  push(text: string, out: Row[]): void {
    const { d, q, e, rd } = this;
    const n = text.length;
    let i = 0;
    let start = 0; // start of the pending slice of `text` that belongs to `field`
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case AFTER_CR:
          // a \n right after \r belongs to the same row end; anything else starts the next row
          this.state = FIELD_START;
          if (c === 10) i++;
          start = i;
          continue;
        case FIELD_START:
          if (c === q) {
            this.quoted = true;
            this.state = QUOTED;
            i++;
            start = i;
            continue;
          }
          this.quoted = false;
          this.state = UNQUOTED;
          start = i;
          continue;
        case UNQUOTED: {
          // scan to the next special character in one tight loop
          while (i < n) {
            const ch = text.charCodeAt(i);
            if (ch === d || ch === e || (rd < 0 ? ch === 10 || ch === 13 : ch === rd)) break;
            i++;
          }
          this.field += text.slice(start, i);
          if (i >= n) continue;
          const ch = text.charCodeAt(i);
          if (ch === d) {
            this.endField();
            this.state = FIELD_START;
            i++;
          } else if (ch === e && q < 0) {
            this.state = ESCAPE_UNQUOTED;
            i++;
          } else if (ch === e) {
            // with quoting on, an escape outside quotes is literal (PostgreSQL)
            this.field += text[i];
            i++;
          } else {
            this.endRow(out);
            this.state = ch === 13 && this.rdCrLf ? AFTER_CR : FIELD_START;
            i++;
          }
          start = i;
          continue;
        }
        case ESCAPE_UNQUOTED:
          this.field += text[i];
          this.state = UNQUOTED;
          i++;
          start = i;
          continue;
        case QUOTED: {
          while (i < n) {
            const ch = text.charCodeAt(i);
            if (ch === q || ch === e) break;
            i++;
          }
          this.field += text.slice(start, i);
          if (i >= n) continue;
          const ch = text.charCodeAt(i);
          this.state = ch === e && e !== q ? ESCAPE_IN_QUOTED : QUOTE_IN_QUOTED;
          i++;
          start = i;
          continue;
        }
        case ESCAPE_IN_QUOTED:
          // the escape char escapes the quote and itself; before anything else it is literal
          if (c === q || c === e) {
            this.field += text[i];
            i++;
          } else this.field += this.o.escapeChar;
          this.state = QUOTED;
          start = i;
          continue;
        case QUOTE_IN_QUOTED:
          if (c === q && e === q) {
            this.field += text[i];
            this.state = QUOTED;
            i++;
            start = i;
            continue;
          }
          if (c === d) {
            this.endField();
            this.state = FIELD_START;
          } else if (rd < 0 ? c === 10 || c === 13 : c === rd) {
            this.endRow(out);
            this.state = c === 13 && this.rdCrLf ? AFTER_CR : FIELD_START;
          } else {
            // text after a closing quote (`"ab"c`): keep it, as PostgreSQL does
            this.field += text[i];
            this.state = UNQUOTED;
          }
          i++;
          start = i;
          continue;
      }
    }
  }

  /** Flushes a last row that had no row delimiter after it. */
  end(out: Row[]): void {
    if (this.state === QUOTED || this.state === ESCAPE_IN_QUOTED) {
      throw new DmgwError('CSV_UNTERMINATED_QUOTE', 'the file ends inside a quoted value', {}, 'check quoteChar/escapeChar against the file');
    }
    if (this.state === ESCAPE_UNQUOTED) this.field += this.o.escapeChar;
    if (this.state !== FIELD_START && this.state !== AFTER_CR) this.endRow(out);
    else if (this.row.length) this.endRow(out);
    this.state = FIELD_START;
  }

  private endField(): void {
    this.row.push(!this.quoted && this.field === this.o.nullValue ? null : this.field);
    this.field = '';
    this.quoted = false;
  }

  private endRow(out: Row[]): void {
    this.endField();
    out.push(this.row);
    this.row = [];
  }
}

/** Column names for a header-less file, as ADF names them. */
export const ordinalName = (i: number): string => `Prop_${i}`;

/** Column names from a header row (NULL header cells get ordinal names). */
export function headerColumns(header: Row): Column[] {
  return header.map((h, i) => ({ name: h ?? ordinalName(i), type: 'string' as const }));
}

/** Formats rows as CSV text (PostgreSQL's quoting rules, see the top of this file). */
export class CsvWriter {
  private readonly needsQuote: RegExp;
  private readonly escapeRe: RegExp | undefined;
  private readonly escapeUnquotedRe: RegExp | undefined;
  readonly rowDelimiter: string;

  constructor(private readonly o: DelimitedTextOptions) {
    this.rowDelimiter = o.rowDelimiter ?? '\n';
    const specials = new Set([o.columnDelimiter, '\r', '\n', ...this.rowDelimiter]);
    if (o.quoteChar) specials.add(o.quoteChar);
    const cls = [...specials].map(reEscape).join('');
    this.needsQuote = new RegExp(`[${cls}]`);
    if (o.quoteChar) {
      const targets = o.escapeChar && o.escapeChar !== o.quoteChar ? [o.quoteChar, o.escapeChar] : [o.quoteChar];
      this.escapeRe = new RegExp(`[${targets.map(reEscape).join('')}]`, 'g');
    } else if (o.escapeChar) {
      this.escapeUnquotedRe = new RegExp(`[${[...specials, o.escapeChar].map(reEscape).join('')}]`, 'g');
    }
  }

  header(columns: Column[]): string {
    return this.rows([columns.map((c) => c.name)]);
  }

  rows(rows: Row[]): string {
    const { o } = this;
    const delim = o.columnDelimiter;
    let out = '';
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) {
        if (i) out += delim;
        out += this.value(row[i]!);
      }
      out += this.rowDelimiter;
    }
    return out;
  }

  /** One value as it is written (quoted, escaped, or the nullValue). */
  value(v: string | null): string {
    const o = this.o;
    if (v === null) return o.nullValue;
    if (o.quoteChar) {
      if (!o.quoteAllText && v !== o.nullValue && !this.needsQuote.test(v)) return v;
      const esc = o.escapeChar || o.quoteChar;
      return o.quoteChar + v.replace(this.escapeRe!, (m) => esc + m) + o.quoteChar;
    }
    if (this.escapeUnquotedRe) return v.replace(this.escapeUnquotedRe, (m) => o.escapeChar + m);
    return v;
  }
}

function reEscape(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Splits parsed rows into batches. */
export function* batches(rows: Row[]): Generator<Row[]> {
  for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
}
