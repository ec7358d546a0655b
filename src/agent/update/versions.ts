/**
 * Agent versions installed by updates, in the gateway home (never over the running bundle — in VS Code that is the
 * extension's own, read-only copy): `versions/<version>/cli.js` with `release.json` (its SHA-256), and
 * `versions/current.json` = `{version, previous}`, replaced atomically (write + rename) so a crash mid-switch leaves
 * either the old or the new pointer. A version that failed to start gets a `failed` marker and is not installed
 * again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, VERSION_PATTERN } from '../../common/gateway/agentRelease.js';
import type { GatewayHome } from '../config/home.js';

export interface CurrentVersion {
  version: string;
  /** What ran before (a version folder, or absent = the bundle the launcher came with). */
  previous?: string;
  switchedAt: string;
}

const currentFile = (home: GatewayHome) => join(home.versionsDir, 'current.json');
export const versionDir = (home: GatewayHome, v: string): string => join(home.versionsDir, v);
export const versionCli = (home: GatewayHome, v: string): string => join(versionDir(home, v), 'cli.js');

export function readCurrentVersion(home: GatewayHome): CurrentVersion | undefined {
  try {
    const c = JSON.parse(readFileSync(currentFile(home), 'utf8')) as CurrentVersion;
    return typeof c.version === 'string' && VERSION_PATTERN.test(c.version) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the bundle into its version folder (complete or not at all) with its checksum. */
export function installVersion(home: GatewayHome, version: string, bundle: Buffer, sha256: string): string {
  if (!VERSION_PATTERN.test(version)) throw new Error(`not a version: ${version}`);
  home.ensure(home.versionsDir);
  const dir = versionDir(home, version);
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o700 });
  writeFileSync(join(tmp, 'cli.js'), bundle, { mode: 0o755 });
  writeFileSync(join(tmp, 'release.json'), `${JSON.stringify({ version, sha256, installedAt: new Date().toISOString() })}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return join(dir, 'cli.js');
}

/** Points `current` at `version` (undefined: back to the launcher's own bundle). */
export function switchCurrent(home: GatewayHome, version: string | undefined, previous: string | undefined): void {
  home.ensure(home.versionsDir);
  if (!version) return void rmSync(currentFile(home), { force: true });
  const tmp = `${currentFile(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version, previous, switchedAt: new Date().toISOString() } satisfies CurrentVersion)}\n`);
  renameSync(tmp, currentFile(home));
}

/** The bundle of an installed version, when its bytes still match the checksum it was verified with. */
export function verifiedCli(home: GatewayHome, version: string): string | undefined {
  try {
    const { sha256 } = JSON.parse(readFileSync(join(versionDir(home, version), 'release.json'), 'utf8')) as { sha256: string };
    const cli = versionCli(home, version);
    return sha256Hex(readFileSync(cli)) === sha256 ? cli : undefined;
  } catch {
    return undefined;
  }
}

export function markFailed(home: GatewayHome, version: string, reason: string): void {
  if (existsSync(versionDir(home, version))) writeFileSync(join(versionDir(home, version), 'failed'), `${reason}\n`);
}

export function hasFailed(home: GatewayHome, version: string): boolean {
  return existsSync(join(versionDir(home, version), 'failed'));
}
