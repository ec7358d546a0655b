/**
 * The update schedule: `Sun 03:00` (weekly), `daily 02:30`, or `off`, in the machine's local time. An update found
 * on the service waits for the next window (60 minutes from the given time); an `upgrade` asked through ARM does
 * not wait. Pure, so it is tested on its own.
 */
import { DmgwError } from '../../common/errors.js';

export const WINDOW_MINUTES = 60;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export type UpdateSchedule = { off: true } | { off: false; day?: number; minute: number };

export function parseUpdateSchedule(raw: string, field = 'update.schedule'): UpdateSchedule {
  const s = raw.trim().toLowerCase();
  if (s === 'off') return { off: true };
  const m = /^([a-z]+)\s+(\d{1,2}):(\d{2})$/.exec(s);
  const word = m?.[1] ?? '';
  const day = word === 'daily' ? undefined : DAYS.findIndex((d, i) => word === d || word === FULL_DAYS[i]);
  const h = Number(m?.[2]);
  const min = Number(m?.[3]);
  if (!m || day === -1 || h > 23 || min > 59) {
    throw new DmgwError('USAGE', `${field} must be "DAY HH:MM" (Sun..Sat), "daily HH:MM" or "off", not "${raw}"`, { field }, 'for example: dmgw config set update.schedule "Sun 03:00"');
  }
  return { off: false, day, minute: h * 60 + min };
}

/** True when `now` (local time) falls in the schedule's window. */
export function inUpdateWindow(schedule: UpdateSchedule, now: Date): boolean {
  if (schedule.off) return false;
  const minuteOfWeek = now.getDay() * 1440 + now.getHours() * 60 + now.getMinutes();
  const starts = schedule.day === undefined ? [0, 1, 2, 3, 4, 5, 6].map((d) => d * 1440 + schedule.minute) : [schedule.day * 1440 + schedule.minute];
  return starts.some((start) => {
    const since = (minuteOfWeek - start + 7 * 1440) % (7 * 1440);
    return since < WINDOW_MINUTES;
  });
}

/** The start of the next window after `now`, for status (`scheduledUpdateDate`). */
export function nextUpdateWindow(schedule: UpdateSchedule, now: Date): Date | undefined {
  if (schedule.off) return undefined;
  for (let d = 0; d <= 7; d++) {
    const t = new Date(now.getFullYear(), now.getMonth(), now.getDate() + d, Math.floor(schedule.minute / 60), schedule.minute % 60);
    if (t.getTime() > now.getTime() && (schedule.day === undefined || t.getDay() === schedule.day)) return t;
  }
  return undefined;
}
