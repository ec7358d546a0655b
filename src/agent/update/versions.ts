/**
 * Agent versions installed by updates, in the gateway home (never over the running bundle — in VS Code that is the
 * extension's own, read-only copy): `versions/<version>/cli.js` beside the exact `manifest.json` bytes and the
 * `manifest.sig` they were verified with, and `versions/current.json` = `{version, previous}`, replaced atomically
 * (write + rename) so a crash mid-switch leaves either the old or the new pointer. Before a version is launched it is
 * verified again against the trust list of that moment. A version that failed to start gets a `failed` marker naming
 * the SHA-256 that failed: that bundle is not installed again, a republished one (another SHA-256) may be.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVersion } from '../../common/gateway/agentRelease.js';
import { checkBundle, parseManifest, sha256Hex, verifyManifest, type ReleaseKey, type ReleaseManifest } from '../../common/gateway/releaseManifest.js';
import type { GatewayHome } from '../config/home.js';

export interface CurrentVersion {
  version: string;
  /** What ran before (a version folder, or absent = the bundle the launcher came with). */
  previous?: string;
  switchedAt: string;
}

/** A signed release as the node received it: the manifest's exact bytes and the base64 signature over them. */
export interface SignedManifest {
  bytes: Buffer;
  signature: string;
}

const currentFile = (home: GatewayHome) => join(home.versionsDir, 'current.json');
export const versionDir = (home: GatewayHome, v: string): string => join(home.versionsDir, v);
export const versionCli = (home: GatewayHome, v: string): string => join(versionDir(home, v), 'cli.js');
const manifestFile = (home: GatewayHome, v: string) => join(versionDir(home, v), 'manifest.json');
const signatureFile = (home: GatewayHome, v: string) => join(versionDir(home, v), 'manifest.sig');
const failedFile = (home: GatewayHome, v: string) => join(versionDir(home, v), 'failed');

export function readCurrentVersion(home: GatewayHome): CurrentVersion | undefined {
  try {
    const c = JSON.parse(readFileSync(currentFile(home), 'utf8')) as CurrentVersion;
    return isVersion(c.version) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a verified release into its version folder (complete or not at all), manifest and signature beside it. */
export function installVersion(home: GatewayHome, m: ReleaseManifest, bundle: Buffer, signed: SignedManifest): string {
  if (!isVersion(m.version)) throw new Error(`not a version: ${m.version}`);
  home.ensure(home.versionsDir);
  const dir = versionDir(home, m.version);
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o700 });
  writeFileSync(join(tmp, 'cli.js'), bundle, { mode: 0o755 });
  writeFileSync(join(tmp, 'manifest.json'), signed.bytes);
  writeFileSync(join(tmp, 'manifest.sig'), `${signed.signature}\n`);
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

/**
 * The bundle of an installed version when it may run now: its manifest verifies with a key trusted at this moment,
 * names this version, and the bundle's bytes still match it. Otherwise the reason it may not.
 */
export function verifiedCli(home: GatewayHome, version: string, trusted: readonly ReleaseKey[]): { cli: string } | { why: string } {
  try {
    const bytes = readFileSync(manifestFile(home, version));
    const m = verifyManifest(bytes, readFileSync(signatureFile(home, version), 'utf8').trim(), trusted);
    if (m.version !== version) return { why: `its manifest is for agent ${m.version}` };
    const cli = versionCli(home, version);
    checkBundle(m, readFileSync(cli));
    return { cli };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { why: err.code === 'ENOENT' ? `${err.path ?? 'a file'} is missing` : err.message };
  }
}

/** Remembers that this version's bundle failed to start here (keyed by its SHA-256). */
export function markFailed(home: GatewayHome, version: string, reason: string): void {
  let sha256: string;
  try {
    sha256 = parseManifest(readFileSync(manifestFile(home, version))).sha256;
  } catch {
    try {
      sha256 = sha256Hex(readFileSync(versionCli(home, version)));
    } catch {
      return;
    }
  }
  writeFileSync(failedFile(home, version), `${JSON.stringify({ sha256, reason, at: new Date().toISOString() })}\n`);
}

/** Why this exact bundle (version and SHA-256) failed to start here before, if it did. */
export function failedBefore(home: GatewayHome, version: string, sha256: string): string | undefined {
  try {
    const f = JSON.parse(readFileSync(failedFile(home, version), 'utf8')) as { sha256?: string; reason?: string };
    return f.sha256 === sha256 ? (f.reason ?? 'it failed to start') : undefined;
  } catch {
    return undefined;
  }
}
