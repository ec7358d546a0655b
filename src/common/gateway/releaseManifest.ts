/**
 * Signed agent releases. A release authority signs, with an Ed25519 release key that never lives on the service
 * (`dmgw release keygen|sign`), a small manifest — version, SHA-256 and size of the bundle, when, which key — and
 * ships the manifest's exact bytes with a detached signature. Those bytes are stored and forwarded as they are and
 * the signature is checked over them, never over a re-serialisation. The service cannot sign; a node runs a bundle
 * only when its manifest verifies with a key its operator trusts (agent/update/trustStore.ts) and the bundle matches.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { DmgwError } from '../errors.js';
import { isVersion, VERSION_HINT } from './agentRelease.js';

/** Names what the bytes are, so a signature over one kind of message can never be passed off as another. */
export const MANIFEST_FORMAT = 'dmgw-agent-release/1';

export interface ReleaseManifest {
  format: typeof MANIFEST_FORMAT;
  version: string;
  /** lower-case hex SHA-256 of the bundle */
  sha256: string;
  size: number;
  /** ISO 8601 */
  created: string;
  /** keyId() of the release key that signed it */
  keyId: string;
}

/** A public release key: its id and the key. */
export interface ReleaseKey {
  id: string;
  key: KeyObject;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A release key's id: SHA-256 of its raw 32-byte Ed25519 public key, hex. */
export function keyId(publicKey: KeyObject): string {
  return sha256Hex(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
}

/** The first 16 hex digits, for messages and lists (commands also take a unique prefix). */
export const shortKeyId = (id: string): string => id.slice(0, 16);

/** An Ed25519 public key from PEM; a private key, another algorithm or garbage is refused with `where` named. */
export function releasePublicKey(pem: string, where: string): ReleaseKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new DmgwError('RELEASE_KEY', 'this is a private key', { file: where }, 'give the public key (release-public-key.pem); the private key stays with the release authority');
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new DmgwError('RELEASE_KEY', 'not a PEM public key', { file: where }, 'give the release-public-key.pem that `dmgw release keygen` wrote');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DmgwError('RELEASE_KEY', `a ${key.asymmetricKeyType} key, not an Ed25519 release key`, { file: where }, 'make one with `dmgw release keygen --out DIR`');
  return { id: keyId(key), key };
}

/** The bytes to sign and ship: fixed field order, two-space JSON, one trailing newline. */
export function manifestBytes(m: Omit<ReleaseManifest, 'format'>): Buffer {
  const { version, sha256, size, created, keyId: id } = m;
  return Buffer.from(`${JSON.stringify({ format: MANIFEST_FORMAT, version, sha256, size, created, keyId: id }, null, 2)}\n`);
}

/** Reads manifest bytes; anything that is not a well-formed manifest is refused, naming the field (and `file`). */
export function parseManifest(bytes: Uint8Array, file?: string): ReleaseManifest {
  let m: Partial<ReleaseManifest>;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<ReleaseManifest>;
  } catch {
    throw new DmgwError('RELEASE_MANIFEST', 'the release manifest is not JSON', { file }, 'make it with `dmgw release sign BUNDLE --key FILE`');
  }
  const bad = (field: string, what: string, hint?: string) => new DmgwError('RELEASE_MANIFEST', `the release manifest's "${field}" ${what}`, { file, field }, hint);
  if (typeof m !== 'object' || m === null) throw bad('format', 'is missing');
  if (m.format !== MANIFEST_FORMAT) throw bad('format', `must be "${MANIFEST_FORMAT}"`);
  if (!isVersion(m.version)) throw bad('version', 'is not a version', VERSION_HINT);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) throw bad('sha256', 'must be 64 lower-case hex digits');
  if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size <= 0) throw bad('size', 'must be a positive integer');
  if (typeof m.created !== 'string' || Number.isNaN(Date.parse(m.created))) throw bad('created', 'must be an ISO 8601 time');
  if (typeof m.keyId !== 'string' || !/^[0-9a-f]{64}$/.test(m.keyId)) throw bad('keyId', 'must be 64 lower-case hex digits');
  return m as ReleaseManifest;
}

/** base64 Ed25519 signature of the exact manifest bytes. */
export function signManifest(bytes: Uint8Array, privateKey: KeyObject): string {
  return sign(null, bytes, privateKey).toString('base64');
}

/** Why a release is refused: the message is the reason a node logs and shows. */
export class ReleaseRefused extends DmgwError {
  constructor(message: string, hint?: string) {
    super('RELEASE_REFUSED', message, {}, hint);
  }
}

/**
 * The manifest, when `signature` over `bytes` verifies with one of `trusted`; else ReleaseRefused saying why
 * (not a manifest, a key this node does not trust, a signature that does not match).
 */
export function verifyManifest(bytes: Uint8Array, signature: string, trusted: readonly ReleaseKey[]): ReleaseManifest {
  let m: ReleaseManifest;
  try {
    m = parseManifest(bytes);
  } catch (e) {
    throw new ReleaseRefused((e as Error).message);
  }
  const key = trusted.find((k) => k.id === m.keyId);
  if (!key) throw new ReleaseRefused(`agent ${m.version} is signed by release key ${shortKeyId(m.keyId)}, which this node does not trust`, 'if that key is yours, `dmgw update trust add release-public-key.pem`');
  const sig = Buffer.from(signature, 'base64');
  let ok: boolean;
  try {
    ok = sig.length === 64 && verify(null, bytes, key.key, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new ReleaseRefused(`agent ${m.version}: the signature does not verify with release key ${shortKeyId(key.id)} (the manifest or its signature was altered)`);
  return m;
}

/** The bundle matches what the manifest promises (size and SHA-256), else ReleaseRefused. */
export function checkBundle(m: ReleaseManifest, bundle: Uint8Array): void {
  if (bundle.length !== m.size) throw new ReleaseRefused(`agent ${m.version}: the bundle has ${bundle.length} bytes, its signed manifest says ${m.size} (altered)`);
  const sha = sha256Hex(bundle);
  if (sha !== m.sha256) throw new ReleaseRefused(`agent ${m.version}: the bundle's SHA-256 is ${sha}, its signed manifest says ${m.sha256} (altered)`);
}
