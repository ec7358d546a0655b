/**
 * A small streaming RFC 4180 reader for the demo's verification. It is deliberately not the engine's CSV code:
 * the demo checks the engine's output with an independent reader. Quoted fields may hold delimiters, doubled
 * quotes and line breaks; rows end with LF or CRLF; text arrives in chunks that may split anywhere.
 */
export interface CsvOptions {
  delimiter?: string;
  quote?: string;
}

export class CsvReader {
  private rest = '';
  private readonly delim: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  rows = 0;

  constructor(
    private readonly onRow: (fields: string[]) => void,
    opts: CsvOptions = {},
  ) {
    this.delim = (opts.delimiter ?? ',').charCodeAt(0);
    this.quoteChar = opts.quote ?? '"';
    this.quote = this.quoteChar.charCodeAt(0);
  }

  write(text: string): void {
    const buf = this.rest + text;
    const consumed = this.parse(buf, false);
    this.rest = buf.slice(consumed);
  }

  end(): void {
    if (this.rest.length) this.parse(this.rest, true);
    this.rest = '';
  }

  /** Parses whole rows from `buf`; returns how many characters were consumed. */
  private parse(buf: string, final: boolean): number {
    const n = buf.length;
    let rowStart = 0;
    let pos = 0;
    let fields: string[] = [];
    while (pos < n) {
      let value: string;
      if (buf.charCodeAt(pos) === this.quote) {
        value = '';
        let j = pos + 1;
        for (;;) {
          const k = buf.indexOf(this.quoteChar, j);
          if (k < 0 || (k + 1 === n && !final)) {
            if (final) throw new Error(`CSV row ${this.rows + 1}: a quoted field is not closed`);
            return rowStart;
          }
          value += buf.slice(j, k);
          if (buf.charCodeAt(k + 1) === this.quote) {
            value += this.quoteChar;
            j = k + 2;
            continue;
          }
          pos = k + 1;
          break;
        }
      } else {
        let k = pos;
        while (k < n) {
          const c = buf.charCodeAt(k);
          if (c === this.delim || c === 10 || c === 13) break;
          k++;
        }
        value = buf.slice(pos, k);
        pos = k;
      }
      fields.push(value);
      if (pos >= n) {
        if (!final) return rowStart;
        this.emit(fields);
        return n;
      }
      const c = buf.charCodeAt(pos);
      if (c === this.delim) {
        pos++;
        if (pos === n) {
          if (!final) return rowStart;
          fields.push('');
          this.emit(fields);
          return n;
        }
        continue;
      }
      if (c === 13) {
        if (pos + 1 === n && !final) return rowStart;
        if (buf.charCodeAt(pos + 1) === 10) pos++;
      } else if (c !== 10) {
        throw new Error(`CSV row ${this.rows + 1}: unexpected character after a closing quote`);
      }
      pos++;
      this.emit(fields);
      fields = [];
      rowStart = pos;
    }
    return rowStart;
  }

  private emit(fields: string[]): void {
    this.rows++;
    this.onRow(fields);
  }
}
