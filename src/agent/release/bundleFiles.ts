/**
 * A release on disk as `dmgw release sign` leaves it and `dmgw service publish-agent` picks it up: the bundle, and
 * beside it (or in --out) `BUNDLE.manifest.json` and `BUNDLE.sig`. Also the version a bundle reports about itself.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { isVersion, VERSION_HINT } from '../../common/gateway/agentRelease.js';

export const manifestPath = (bundle: string, outDir?: string): string => join(outDir ?? join(bundle, '..'), `${basename(bundle)}.manifest.json`);
export const signaturePath = (bundle: string, outDir?: string): string => join(outDir ?? join(bundle, '..'), `${basename(bundle)}.sig`);

/** Reads a file of a release, saying which one and how to make it when it cannot. */
export function readReleaseFile(file: string, what: string, hint: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DmgwError('RELEASE_FILE', `cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, hint);
  }
  if (!bytes.length) throw new DmgwError('RELEASE_FILE', `the ${what} is empty`, { file }, hint);
  return bytes;
}

/** What `node FILE --version` prints (`dmgw X.Y.Z`): the version a bundle would report once installed. Runs FILE. */
export function reportedVersion(file: string): string {
  const r = spawnSync(process.execPath, [file, '--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const version = /^dmgw (\S+)\s*$/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !version || !isVersion(version)) {
    throw new DmgwError('USAGE', `cannot read the version of ${file} (\`node ${file} --version\` ${r.error ? `failed: ${r.error.message}` : r.status !== 0 ? `exited with ${r.status ?? r.signal}` : `printed "${(r.stdout ?? '').trim().slice(0, 80)}"`})`, { file, field: 'version' }, `pass --version V (${VERSION_HINT})`);
  }
  return version;
}
