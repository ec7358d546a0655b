/**
 * The release keys this node's operator trusts to sign agent updates: Ed25519 public keys in
 * DMGW_HOME/trusted-release-keys/<keyId>.pem (folder 0700, files 0600), put there with `dmgw update trust add FILE`
 * or `dmgw register --trust-release-key FILE`. With none, the node installs no update. The folder is read afresh for
 * every decision (updater and launcher), so a removed key takes effect at once: its releases are neither installed
 * nor launched any more. Nothing the service sends can add a key.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { releasePublicKey, shortKeyId, type ReleaseKey } from '../../common/gateway/releaseManifest.js';
import type { GatewayHome } from '../config/home.js';

export interface TrustedKey extends ReleaseKey {
  file: string;
  /** when it was put in the home (the file's time) */
  addedAt: string;
}

export const NO_TRUSTED_KEY = 'updates are off: no trusted release key — dmgw update trust add FILE';

/** The keys in the trust folder; an unreadable file is skipped (and logged), never trusted. */
export function trustedKeys(home: GatewayHome, log?: Logger): TrustedKey[] {
  const dir = home.trustedReleaseKeysDir;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem')).sort();
  } catch {
    return [];
  }
  const keys: TrustedKey[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      keys.push({ ...releasePublicKey(readFileSync(file, 'utf8'), file), file, addedAt: statSync(file).mtime.toISOString() });
    } catch (e) {
      log?.warn(`ignoring ${file}: ${(e as Error).message}`);
    }
  }
  return keys;
}

/** Reads and checks a public release key file (the one `dmgw release keygen` wrote). */
export function readReleaseKeyFile(file: string): ReleaseKey & { pem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DmgwError('RELEASE_KEY', `cannot read the release key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, 'give the release-public-key.pem that `dmgw release keygen` wrote');
  }
  const k = releasePublicKey(text, file);
  return { ...k, pem: k.key.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Trusts the key in `file`; `added` is false when it was trusted already. */
export function addTrustedKey(home: GatewayHome, file: string): { id: string; added: boolean } {
  const k = readReleaseKeyFile(file);
  home.ensure(home.trustedReleaseKeysDir);
  const target = join(home.trustedReleaseKeysDir, `${k.id}.pem`);
  const added = !trustedKeys(home).some((t) => t.id === k.id);
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, k.pem, { mode: 0o600 });
  renameSync(tmp, target);
  return { id: k.id, added };
}

/** Stops trusting the key whose id is `idOrPrefix` (or starts with it: at least 8 hex digits); returns its id. */
export function removeTrustedKey(home: GatewayHome, idOrPrefix: string): string {
  const want = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(want)) throw new DmgwError('USAGE', `"${idOrPrefix}" is not a key id`, { field: 'KEYID' }, 'give the id (or its first 8+ hex digits) that `dmgw update trust list` shows');
  const keys = trustedKeys(home);
  const hits = keys.filter((k) => k.id.startsWith(want));
  if (hits.length === 0) throw new DmgwError('NOT_TRUSTED', `no trusted release key ${want}`, { field: 'KEYID' }, keys.length ? `trusted: ${keys.map((k) => shortKeyId(k.id)).join(', ')}` : 'no release key is trusted here');
  const ids = new Set(hits.map((k) => k.id));
  if (ids.size > 1) throw new DmgwError('USAGE', `"${want}" matches ${ids.size} trusted keys`, { field: 'KEYID' }, 'give more of the id');
  for (const k of hits) rmSync(k.file, { force: true });
  return hits[0]!.id;
}
