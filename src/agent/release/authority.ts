/**
 * The release authority's side (`dmgw release keygen|sign`), run on the machine that builds releases — never on the
 * factory service, which only stores and forwards what is signed here. An Ed25519 key pair: the private key as
 * PKCS#8 PEM (0600; AES-256 encrypted when a passphrase is given), the public key as SPKI PEM for the nodes'
 * operators to trust. Signing writes a manifest of the bundle (common/gateway/releaseManifest.ts) and a detached
 * signature over its exact bytes.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { keyId, manifestBytes, sha256Hex, signManifest, type ReleaseManifest } from '../../common/gateway/releaseManifest.js';

export const PRIVATE_KEY_FILE = 'release-private-key.pem';
export const PUBLIC_KEY_FILE = 'release-public-key.pem';

export interface GeneratedKey {
  id: string;
  privateFile: string;
  publicFile: string;
  encrypted: boolean;
}

/** A new key pair in `dir`; refuses to overwrite an existing one (a lost release key cannot be replaced silently). */
export function generateReleaseKey(dir: string, passphrase?: string): GeneratedKey {
  const privateFile = join(dir, PRIVATE_KEY_FILE);
  const publicFile = join(dir, PUBLIC_KEY_FILE);
  for (const f of [privateFile, publicFile]) {
    if (existsSync(f)) throw new DmgwError('RELEASE_KEY_EXISTS', 'a release key is there already', { file: f }, 'choose another --out folder; nodes that trust the old key keep trusting it until `dmgw update trust remove`');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', ...(passphrase ? { cipher: 'aes-256-cbc', passphrase } : {}) },
  });
  writeFileSync(privateFile, pair.privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicFile, pair.publicKey, { mode: 0o644, flag: 'wx' });
  return { id: keyId(createPublicKey(pair.publicKey)), privateFile, publicFile, encrypted: !!passphrase };
}

/** The private release key in `file`; `warning` when the file is readable by others than its owner. */
export function loadReleasePrivateKey(file: string, passphrase?: string): { key: KeyObject; id: string; warning?: string } {
  const pem = readKeyText(file);
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem);
  if (encrypted && !passphrase) throw new DmgwError('RELEASE_KEY', 'the release key is encrypted', { file }, 'give its passphrase with --passphrase-stdin or --passphrase-env VAR');
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) throw new DmgwError('RELEASE_KEY', 'not a private key (PKCS#8 PEM)', { file }, `sign with the ${PRIVATE_KEY_FILE} that \`dmgw release keygen\` wrote`);
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch {
    throw new DmgwError('RELEASE_KEY', encrypted ? 'cannot decrypt the release key: wrong passphrase' : 'not a readable private key', { file }, encrypted ? 'give the passphrase it was made with' : undefined);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DmgwError('RELEASE_KEY', `a ${key.asymmetricKeyType} key, not an Ed25519 release key`, { file }, 'make one with `dmgw release keygen --out DIR`');
  const mode = statSync(file).mode & 0o077;
  return { key, id: keyId(createPublicKey(key)), warning: mode && process.platform !== 'win32' ? `${file} can be read by other users (mode ${(statSync(file).mode & 0o777).toString(8)}): chmod 600 it` : undefined };
}

/** The manifest of `bundle` as `version`, its exact bytes and their signature. */
export function signBundle(bundle: Buffer, version: string, key: { key: KeyObject; id: string }): { manifest: ReleaseManifest; bytes: Buffer; signature: string } {
  const bytes = manifestBytes({ version, sha256: sha256Hex(bundle), size: bundle.length, created: new Date().toISOString(), keyId: key.id });
  return { manifest: JSON.parse(bytes.toString('utf8')) as ReleaseManifest, bytes, signature: signManifest(bytes, key.key) };
}

function readKeyText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DmgwError('RELEASE_KEY', `cannot read the release key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, `pass the ${PRIVATE_KEY_FILE} that \`dmgw release keygen\` wrote`);
  }
}
