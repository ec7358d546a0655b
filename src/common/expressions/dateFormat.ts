/**
 * .NET date and time format strings, as ADF's date functions take them (en-US, the culture ADF formats with):
 * the standard one-letter formats (`o` — the default —, `s`, `u`, `d`, `D`, `t`, `T`, `f`, `F`, `g`, `G`, `M`,
 * `Y`, `R`) and custom patterns (`yyyy-MM-dd HH:mm:ss.ffffff`, `dddd, MMMM d`, quoted literals, `\` escapes).
 */
import { partsOf, type Timestamp } from './timestamps.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const STANDARD: Record<string, string> = {
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  d: 'M/d/yyyy',
  D: 'dddd, MMMM d, yyyy',
  t: 'h:mm tt',
  T: 'h:mm:ss tt',
  f: 'dddd, MMMM d, yyyy h:mm tt',
  F: 'dddd, MMMM d, yyyy h:mm:ss tt',
  g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt',
  M: 'MMMM d',
  m: 'MMMM d',
  Y: 'MMMM yyyy',
  y: 'MMMM yyyy',
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
};

export class DateFormatError extends Error {}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Formats `t`; `format` defaults to `o` (`2024-03-01T10:00:00.1234560Z`). Throws DateFormatError for a bad format. */
export function formatTimestamp(t: Timestamp, format?: string | null): string {
  let f = format ?? 'o';
  if (f === '') f = 'o';
  if (f.length === 1) {
    const std = STANDARD[f];
    if (!std) throw new DateFormatError(`"${f}" is not a standard date format (use o, s, u, d, D, t, T, f, F, g, G, M, Y, R or a custom pattern such as yyyy-MM-dd)`);
    f = std;
  }
  const p = partsOf(t);
  let out = '';
  for (let i = 0; i < f.length; ) {
    const c = f[i]!;
    if (c === "'" || c === '"') {
      const end = f.indexOf(c, i + 1);
      if (end < 0) throw new DateFormatError(`the quoted text starting at character ${i + 1} of "${f}" is never closed`);
      out += f.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '\\') {
      out += f[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (c === '%') {
      i++;
      continue;
    }
    let n = 1;
    while (f[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y':
        out += n === 2 ? pad(p.year % 100, 2) : n === 1 ? String(p.year % 100) : pad(p.year, n);
        break;
      case 'M':
        out += n >= 4 ? MONTHS[p.month - 1] : n === 3 ? MONTHS[p.month - 1]!.slice(0, 3) : pad(p.month, n);
        break;
      case 'd':
        out += n >= 4 ? DAYS[p.dayOfWeek] : n === 3 ? DAYS[p.dayOfWeek]!.slice(0, 3) : pad(p.day, n);
        break;
      case 'H':
        out += pad(p.hour, Math.min(n, 2));
        break;
      case 'h':
        out += pad(p.hour % 12 || 12, Math.min(n, 2));
        break;
      case 'm':
        out += pad(p.minute, Math.min(n, 2));
        break;
      case 's':
        out += pad(p.second, Math.min(n, 2));
        break;
      case 'f':
      case 'F': {
        if (n > 7) throw new DateFormatError(`"${c.repeat(n)}" has more than 7 fraction digits`);
        const digits = pad(p.fraction, 7).slice(0, n);
        if (c === 'f') out += digits;
        else {
          const shown = digits.replace(/0+$/, '');
          // "ss.FFF" with no fraction drops the point too, as .NET does
          if (!shown && out.endsWith('.')) out = out.slice(0, -1);
          out += shown;
        }
        break;
      }
      case 't':
        out += n === 1 ? (p.hour < 12 ? 'A' : 'P') : p.hour < 12 ? 'AM' : 'PM';
        break;
      case 'K':
        out += t.utc ? 'Z' : '';
        break;
      case 'z':
        out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
        break;
      case 'g':
        out += 'A.D.';
        break;
      default:
        out += c.repeat(n);
    }
  }
  return out;
}
