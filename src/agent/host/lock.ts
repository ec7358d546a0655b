/**
 * One host per machine (per gateway home): `host.lock` holds the pid of the running host. Created with O_EXCL so
 * two hosts cannot both win; a lock left by a host that died (its pid is gone) is taken over.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import type { GatewayHome } from '../config/home.js';

export const lockFile = (home: GatewayHome): string => join(home.root, 'host.lock');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the running host, if there is one. */
export function runningHostPid(home: GatewayHome): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile(home), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws HOST_RUNNING; returns the release function. */
export function acquireHostLock(home: GatewayHome): () => void {
  home.ensure();
  const file = lockFile(home);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = runningHostPid(home);
      if (pid) throw new DmgwError('HOST_RUNNING', `a host already runs for ${home.root} (pid ${pid})`, { file }, 'one host per machine: stop it with `dmgw stop`, or use another DMGW_HOME');
      unlinkSync(file);
    }
  }
  throw new DmgwError('HOST_LOCK', `cannot take ${file}`, { file });
}
