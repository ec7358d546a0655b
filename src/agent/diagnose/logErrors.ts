/** The latest errors in the gateway's log (dmgw.log and its newest rotation), last 24 hours, newest first. */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { GatewayHome } from '../config/home.js';
import { ok, warn, type Check } from './check.js';

const TAIL_BYTES = 2 * 1048576;
const SHOWN = 5;

export function logErrorsCheck(home: GatewayHome, now = Date.now()): Check {
  const c = { id: 'log-errors', group: 'logs' as const, title: 'Latest errors in the log' };
  const errors: string[] = [];
  for (const f of [`${home.logFile}.1`, home.logFile]) {
    if (!existsSync(f)) continue;
    for (const line of tail(f).split('\n')) {
      const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) ERROR /.exec(line);
      if (m && now - Date.parse(m[1]!) < 86_400_000) errors.push(line);
    }
  }
  if (!errors.length) return ok({ ...c, detail: `no errors in the last 24 hours (${home.logFile})` });
  const latest = errors.slice(-SHOWN).reverse();
  return warn({ ...c, detail: `${errors.length} error line(s) in the last 24 hours; latest:\n${latest.join('\n')}`, fix: 'read them in context with `dmgw logs` (`--run RUNID` for one run); `dmgw logs bundle` packs the logs for support' });
}

function tail(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
