/**
 * Timestamps as ADF's date functions see them: .NET DateTime ticks (100 ns since 0001-01-01T00:00:00), so a
 * microsecond (or a 7-digit fraction) read from a store survives parsing, adding days and formatting. No JavaScript
 * Date is involved (it keeps milliseconds only). A timestamp is UTC (`Z` in its default text) or unspecified (no
 * zone: what convertFromUtc/convertTimeZone return). Text with an offset is converted to UTC; text without a zone
 * is taken as UTC — both as ADF's functions treat them.
 */
export interface Timestamp {
  /** wall-clock ticks */
  ticks: bigint;
  utc: boolean;
}

export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_DAY = 86_400n * TICKS_PER_SECOND;
/** days from 0001-01-01 to 1970-01-01 */
const UNIX_EPOCH_DAYS = 719_162;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
export const daysInMonth = (y: number, m: number): number => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

export interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 … 9,999,999 */
  fraction: number;
  /** 0 = Sunday */
  dayOfWeek: number;
  dayOfYear: number;
}

export function partsOf(t: Timestamp): Parts {
  const days = Number(t.ticks / TICKS_PER_DAY);
  const rest = t.ticks % TICKS_PER_DAY;
  const { year, month, day } = civilFromDays(days - UNIX_EPOCH_DAYS);
  const secs = Number(rest / TICKS_PER_SECOND);
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    fraction: Number(rest % TICKS_PER_SECOND),
    dayOfWeek: (days + 1) % 7,
    dayOfYear: daysFromCivil(year, month, day) - daysFromCivil(year, 1, 1) + 1,
  };
}

export function fromParts(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, fraction = 0, utc = true): Timestamp {
  const days = BigInt(daysFromCivil(year, month, day) + UNIX_EPOCH_DAYS);
  const secs = BigInt(hour * 3600 + minute * 60 + second);
  return { ticks: days * TICKS_PER_DAY + secs * TICKS_PER_SECOND + BigInt(fraction), utc };
}

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const SLASHED_YMD = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(AM|PM)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses the timestamp forms ADF reads (ISO 8601 and its SQL spellings, `yyyy/MM/dd`, `MM/dd/yyyy hh:mm:ss tt`). */
export function parseTimestamp(text: string): Timestamp | undefined {
  const s = text.trim();
  let y: number, mo: number, d: number, h: number, mi: number, se: number, frac: string, zone: string | undefined;
  let m = ISO.exec(s) ?? SLASHED_YMD.exec(s);
  if (m) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    h = Number(m[4] ?? 0);
    mi = Number(m[5] ?? 0);
    se = Number(m[6] ?? 0);
    frac = m[7] ?? '';
    zone = m[8];
  } else if ((m = US.exec(s))) {
    [mo, d, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    h = Number(m[4] ?? 0);
    mi = Number(m[5] ?? 0);
    se = Number(m[6] ?? 0);
    frac = m[7] ?? '';
    const ampm = m[8]?.toUpperCase();
    if (ampm && (h < 1 || h > 12)) return undefined;
    if (ampm === 'PM' && h < 12) h += 12;
    if (ampm === 'AM' && h === 12) h = 0;
    zone = m[9];
  } else return undefined;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return undefined;
  // .NET keeps 7 fraction digits (ticks); more are cut, as DateTime.Parse rounds them away
  const fraction = Number(frac.padEnd(7, '0').slice(0, 7));
  const t = fromParts(y, mo, d, h, mi, se, fraction, true);
  if (zone && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const minutes = (Number(zm[2]) * 60 + Number(zm[3] ?? 0)) * (zm[1] === '-' ? -1 : 1);
    t.ticks -= BigInt(minutes) * 60n * TICKS_PER_SECOND;
  }
  if (t.ticks < 0n) return undefined;
  return t;
}

export type TimeUnit = 'Second' | 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month' | 'Year';
export const TIME_UNITS: TimeUnit[] = ['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'];

export function timeUnitOf(text: string): TimeUnit | undefined {
  const t = text.trim().toLowerCase().replace(/s$/, '');
  return TIME_UNITS.find((u) => u.toLowerCase() === t);
}

/** Adds `n` units (negative subtracts); months and years clamp the day to the month's last, as .NET's AddMonths. */
export function addTime(t: Timestamp, n: bigint, unit: TimeUnit): Timestamp {
  const per: Partial<Record<TimeUnit, bigint>> = { Second: TICKS_PER_SECOND, Minute: 60n * TICKS_PER_SECOND, Hour: 3600n * TICKS_PER_SECOND, Day: TICKS_PER_DAY, Week: 7n * TICKS_PER_DAY };
  if (per[unit]) return { ticks: t.ticks + n * per[unit]!, utc: t.utc };
  const p = partsOf(t);
  const months = p.year * 12 + (p.month - 1) + Number(n) * (unit === 'Year' ? 12 : 1);
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  return fromParts(year, month, Math.min(p.day, daysInMonth(year, month)), p.hour, p.minute, p.second, p.fraction, t.utc);
}

export function startOf(t: Timestamp, what: 'Day' | 'Hour' | 'Month'): Timestamp {
  const p = partsOf(t);
  if (what === 'Month') return fromParts(p.year, p.month, 1, 0, 0, 0, 0, t.utc);
  if (what === 'Day') return fromParts(p.year, p.month, p.day, 0, 0, 0, 0, t.utc);
  return fromParts(p.year, p.month, p.day, p.hour, 0, 0, 0, t.utc);
}

/** A JavaScript clock reading (milliseconds since 1970) as a UTC timestamp. */
export function timestampOfMillis(ms: number): Timestamp {
  return { ticks: BigInt(UNIX_EPOCH_DAYS) * TICKS_PER_DAY + BigInt(Math.floor(ms)) * 10_000n, utc: true };
}

/** Milliseconds since 1970 (for time-zone rules, which JavaScript knows only to the millisecond). */
export function millisOf(t: Timestamp): number {
  return Number((t.ticks - BigInt(UNIX_EPOCH_DAYS) * TICKS_PER_DAY) / 10_000n);
}
