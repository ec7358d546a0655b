/**
 * Date functions (ADF: addDays, addHours, addMinutes, addSeconds, addToTime, convertFromUtc, convertTimeZone,
 * convertToUtc, dayOfMonth, dayOfWeek, dayOfYear, formatDateTime, getFutureTime, getPastTime, startOfDay,
 * startOfHour, startOfMonth, subtractFromTime, ticks, utcNow). Timestamps keep 100 ns ticks (timestamps.ts);
 * results are text in the optional format, `o` by default.
 */
import { DateFormatError, formatTimestamp } from '../dateFormat.js';
import { FunctionError, type CallContext } from '../scope.js';
import { addTime, parseTimestamp, partsOf, startOf, timestampOfMillis, timeUnitOf, type Timestamp, type TimeUnit } from '../timestamps.js';
import { fromUtc, ianaZone, toUtc } from '../timeZones.js';
import { integer, type Json } from '../values.js';
import { argError, optStr, spec, str, whole, type FunctionSpec } from './spec.js';

function timestamp(c: CallContext, a: Json[], i: number): Timestamp {
  const v = a[i];
  if (typeof v !== 'string') throw argError(c, i, 'a timestamp string', v ?? null);
  const t = parseTimestamp(v);
  if (!t) throw new FunctionError(`${c.name}(): '${v}' is not a timestamp`, "write it as ISO 8601: '2024-03-01T10:00:00Z' (a fraction of up to 7 digits is kept)");
  return t;
}

function format(c: CallContext, t: Timestamp, a: Json[], i: number): string {
  try {
    return formatTimestamp(t, optStr(c, a, i));
  } catch (e) {
    if (e instanceof DateFormatError) throw new FunctionError(`${c.name}(): ${e.message}`);
    throw e;
  }
}

function unit(c: CallContext, a: Json[], i: number): TimeUnit {
  const u = timeUnitOf(str(c, a, i));
  if (!u) throw argError(c, i, "a time unit ('Second', 'Minute', 'Hour', 'Day', 'Week', 'Month' or 'Year')", a[i] ?? null);
  return u;
}

function zone(c: CallContext, a: Json[], i: number): string {
  const z = ianaZone(str(c, a, i));
  if (!z) throw new FunctionError(`${c.name}(): '${String(a[i])}' is not a time zone this gateway knows`, "use a Windows name such as 'Pacific Standard Time' or an IANA name such as 'America/Los_Angeles'");
  return z;
}

const now = (c: CallContext): Timestamp => timestampOfMillis((c.scope.now?.() ?? new Date()).getTime());

const adder = (name: string, u: TimeUnit): FunctionSpec => spec(name, 'date', 2, 3, (a, c) => format(c, addTime(timestamp(c, a, 0), whole(c, a, 1), u), a, 2));

export const DATE_FUNCTIONS: FunctionSpec[] = [
  adder('addDays', 'Day'),
  adder('addHours', 'Hour'),
  adder('addMinutes', 'Minute'),
  adder('addSeconds', 'Second'),
  spec('addToTime', 'date', 3, 4, (a, c) => format(c, addTime(timestamp(c, a, 0), whole(c, a, 1), unit(c, a, 2)), a, 3)),
  spec('convertFromUtc', 'date', 2, 3, (a, c) => format(c, fromUtc(timestamp(c, a, 0), zone(c, a, 1)), a, 2)),
  spec('convertTimeZone', 'date', 3, 4, (a, c) => {
    const local = timestamp(c, a, 0);
    const utc = toUtc({ ...local, utc: false }, zone(c, a, 1));
    return format(c, fromUtc(utc, zone(c, a, 2)), a, 3);
  }),
  spec('convertToUtc', 'date', 2, 3, (a, c) => format(c, toUtc(timestamp(c, a, 0), zone(c, a, 1)), a, 2)),
  spec('dayOfMonth', 'date', 1, 1, (a, c) => partsOf(timestamp(c, a, 0)).day),
  spec('dayOfWeek', 'date', 1, 1, (a, c) => partsOf(timestamp(c, a, 0)).dayOfWeek),
  spec('dayOfYear', 'date', 1, 1, (a, c) => partsOf(timestamp(c, a, 0)).dayOfYear),
  spec('formatDateTime', 'date', 1, 2, (a, c) => format(c, timestamp(c, a, 0), a, 1)),
  spec('getFutureTime', 'date', 2, 3, (a, c) => format(c, addTime(now(c), whole(c, a, 0), unit(c, a, 1)), a, 2)),
  spec('getPastTime', 'date', 2, 3, (a, c) => format(c, addTime(now(c), -whole(c, a, 0), unit(c, a, 1)), a, 2)),
  spec('startOfDay', 'date', 1, 2, (a, c) => format(c, startOf(timestamp(c, a, 0), 'Day'), a, 1)),
  spec('startOfHour', 'date', 1, 2, (a, c) => format(c, startOf(timestamp(c, a, 0), 'Hour'), a, 1)),
  spec('startOfMonth', 'date', 1, 2, (a, c) => format(c, startOf(timestamp(c, a, 0), 'Month'), a, 1)),
  spec('subtractFromTime', 'date', 3, 4, (a, c) => format(c, addTime(timestamp(c, a, 0), -whole(c, a, 1), unit(c, a, 2)), a, 3)),
  spec('ticks', 'date', 1, 1, (a, c) => integer(timestamp(c, a, 0).ticks)),
  spec('utcNow', 'date', 0, 1, (a, c) => format(c, now(c), a, 0)),
];
