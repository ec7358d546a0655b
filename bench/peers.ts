/**
 * The peers the benchmarks run beside the engine (pgloader, rclone) come from Debian: `ensureTool` installs one
 * with `apt-get install -y` when it is missing and this process may (root, apt-get present), and otherwise says
 * why it is skipped, so the benchmark can print a note and go on.
 */
import { spawnSync } from 'node:child_process';

const has = (cmd: string, versionArgs: string[]) => spawnSync(cmd, versionArgs, { stdio: 'ignore' }).status === 0;

/** undefined when `cmd` runs (after installing `debianPackage` if needed), else why it is skipped. */
export function ensureTool(cmd: string, debianPackage: string, versionArgs: string[], log: (line: string) => void): string | undefined {
  if (has(cmd, versionArgs)) return undefined;
  if (process.getuid?.() !== 0 || !has('apt-get', ['--version'])) return `${cmd} is not installed and cannot be installed here (run: apt-get install -y ${debianPackage}): no ${cmd} peer`;
  log(`installing ${debianPackage} (apt-get install -y ${debianPackage})`);
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let r = install();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    r = install();
  }
  if (r.status !== 0 || !has(cmd, versionArgs)) return `apt-get install -y ${debianPackage} failed (${(r.stderr || r.stdout || '').trim().split('\n').slice(-1)[0]}): no ${cmd} peer`;
  return undefined;
}

/** The first line of `cmd --version` (or `versionArgs`), for the report. */
export function toolVersion(cmd: string, versionArgs = ['--version']): string | undefined {
  const r = spawnSync(cmd, versionArgs, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : undefined;
}
