/**
 * The exact row count of delimited text, from its bytes, without parsing values: the state machine of CsvParser
 * (formats/delimitedText.ts) with the strings left out, for copies that pass the bytes through (engine.ts, "CSV
 * as it is"). Every character it looks at is ASCII, and no byte of a multi-byte UTF-8 character is, so it reads the
 * UTF-8 bytes as they are. Rows end where the parser ends them: a row delimiter outside quotes (any of \r\n, \r, \n
 * unless one is set), a blank line is a row, a last row without a delimiter is a row; the header row is not counted.
 * test/unit/agent/copy/csvTally.test.ts holds it to the parser's count on generated text cut at random places.
 */
import { DmgwError } from '../../common/errors.js';
import type { DelimitedTextOptions } from '../formats/delimitedText.js';

const FIELD_START = 0;
const UNQUOTED = 1;
const ESCAPE_UNQUOTED = 2;
const QUOTED = 3;
const ESCAPE_IN_QUOTED = 4;
const QUOTE_IN_QUOTED = 5;
const AFTER_CR = 6;

export class CsvTally {
  private state = FIELD_START;
  /** a field of the current row has ended (a delimiter was seen since the row began) */
  private pending = false;
  private header: boolean;
  private readonly d: number;
  private readonly q: number;
  private readonly e: number;
  private readonly rd: number;
  rows = 0;

  constructor(o: DelimitedTextOptions) {
    this.d = o.columnDelimiter.charCodeAt(0);
    this.q = o.quoteChar ? o.quoteChar.charCodeAt(0) : -1;
    this.e = o.escapeChar ? o.escapeChar.charCodeAt(0) : this.q;
    const auto = o.rowDelimiter === undefined || o.rowDelimiter === '\n' || o.rowDelimiter === '\r\n' || o.rowDelimiter === '\r';
    this.rd = auto ? -1 : o.rowDelimiter!.charCodeAt(0);
    this.header = o.firstRowAsHeader;
  }

  private endRow(): void {
    if (this.header) this.header = false;
    else this.rows++;
    this.pending = false;
  }

  private isRowEnd(c: number): boolean {
    return this.rd < 0 ? c === 10 || c === 13 : c === this.rd;
  }

  push(b: Uint8Array): void {
    const { d, q, e } = this;
    const n = b.length;
    let i = 0;
    while (i < n) {
      const c = b[i]!;
      switch (this.state) {
        case AFTER_CR:
          this.state = FIELD_START;
          if (c === 10) i++;
          continue;
        case FIELD_START:
          if (c === q) {
            this.state = QUOTED;
            i++;
          } else this.state = UNQUOTED;
          continue;
        case UNQUOTED:
          if (c === d) {
            this.pending = true;
            this.state = FIELD_START;
          } else if (c === e && q < 0) this.state = ESCAPE_UNQUOTED;
          else if (c !== e && this.isRowEnd(c)) {
            this.endRow();
            this.state = c === 13 && this.rd < 0 ? AFTER_CR : FIELD_START;
          }
          i++;
          continue;
        case ESCAPE_UNQUOTED:
          this.state = UNQUOTED;
          i++;
          continue;
        case QUOTED:
          if (c === q || c === e) this.state = c === e && e !== q ? ESCAPE_IN_QUOTED : QUOTE_IN_QUOTED;
          i++;
          continue;
        case ESCAPE_IN_QUOTED:
          this.state = QUOTED;
          if (c === q || c === e) i++;
          continue;
        case QUOTE_IN_QUOTED:
          if (c === q && e === q) this.state = QUOTED;
          else if (c === d) {
            this.pending = true;
            this.state = FIELD_START;
          } else if (this.isRowEnd(c)) {
            this.endRow();
            this.state = c === 13 && this.rd < 0 ? AFTER_CR : FIELD_START;
          } else this.state = UNQUOTED;
          i++;
          continue;
      }
    }
  }

  /** The end of the text: a last row without a delimiter counts; ending inside quotes is the parser's error. */
  end(): number {
    if (this.state === QUOTED || this.state === ESCAPE_IN_QUOTED) throw new DmgwError('CSV_UNTERMINATED_QUOTE', 'the file ends inside a quoted value', {}, 'check quoteChar/escapeChar against the file');
    if ((this.state !== FIELD_START && this.state !== AFTER_CR) || this.pending) this.endRow();
    this.state = FIELD_START;
    return this.rows;
  }
}
