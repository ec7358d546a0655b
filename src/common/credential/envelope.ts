/**
 * The EncryptedCredential envelope: a JWE compact serialization (RFC 7516) with `alg: RSA-OAEP-256`,
 * `enc: A256GCM`, and the gateway certificate's SHA-256 thumbprint twice in the protected header — as `kid`
 * (upper-case hex, what `dmgw cert show` prints) and as `x5t#S256` (base64url, RFC 7515). The payload is JSON.
 *
 * Reading is strict, so that every alteration is reported rather than silently tolerated: five parts, each
 * canonical base64url (jose alone would accept a changed unused bit in a segment's last character), the header
 * naming the algorithms we write and one certificate consistently, and the AES-GCM tag (which also covers the
 * header) verifying. The payload is never put into an error message.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, errors as joseErrors, type CompactJWEHeaderParameters } from 'jose';
import { DmgwError, type Place } from '../errors.js';
import { THUMBPRINT_PATTERN, encryptionKeyOf, thumbprintOfX5tS256, x5tS256OfThumbprint } from './certificate.js';

export const CREDENTIAL_ALG = 'RSA-OAEP-256';
export const CREDENTIAL_ENC = 'A256GCM';
/** Far above any credential we write (a 4096-bit key gives ~1 KB plus the payload); keeps garbage cheap to reject. */
const MAX_LENGTH = 64 * 1024;
const PART_NAMES = ['protected header', 'encrypted key', 'initialization vector', 'ciphertext', 'authentication tag'];

/** A private key this gateway holds, by the thumbprint of its certificate. */
export interface CredentialKey {
  thumbprint: string;
  /** PEM (PKCS#8 or PKCS#1) or a KeyObject. */
  privateKey: string | KeyObject;
}

export interface CredentialHeader extends CompactJWEHeaderParameters {
  alg: typeof CREDENTIAL_ALG;
  enc: typeof CREDENTIAL_ENC;
  kid: string;
  'x5t#S256': string;
}

/** Encrypts `payload` (JSON) for the certificate in `certPem`. */
export async function sealCredential(payload: unknown, certPem: string, source = 'certificate'): Promise<{ jwe: string; thumbprint: string }> {
  const { key, info } = encryptionKeyOf(certPem, source);
  const header: CredentialHeader = { alg: CREDENTIAL_ALG, enc: CREDENTIAL_ENC, kid: info.thumbprint, 'x5t#S256': x5tS256OfThumbprint(info.thumbprint) };
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).encrypt(key);
  return { jwe, thumbprint: info.thumbprint };
}

/**
 * Checks the shape of a credential without any key and returns its header and the thumbprint of the certificate
 * it was made for. Throws CREDENTIAL_NOT_JWE, CREDENTIAL_ALTERED or CREDENTIAL_UNSUPPORTED.
 */
export function inspectCredential(jwe: unknown, place: Place = {}): { header: CredentialHeader; thumbprint: string } {
  const notJwe = (why: string): never => {
    throw new DmgwError('CREDENTIAL_NOT_JWE', `EncryptedCredential is not a JWE: ${why}`, place, 'encrypt the secret with `dmgw encrypt FILE`; if you copied the value, copy all of it');
  };
  if (typeof jwe !== 'string') return notJwe(`it is a ${jwe === null ? 'null' : typeof jwe}, not a string`);
  if (!jwe) return notJwe('it is empty');
  if (jwe.length > MAX_LENGTH) return notJwe(`it is ${jwe.length} characters long, more than any credential dmgw writes`);
  const parts = jwe.split('.');
  if (parts.length !== 5) return notJwe(`a JWE has 5 parts separated by ".", this has ${parts.length}`);
  parts.forEach((p, i) => {
    const bad = /[^A-Za-z0-9_-]/.exec(p);
    if (bad) notJwe(`its ${PART_NAMES[i]} (part ${i + 1}) has ${describeChar(bad[0])}, which is not base64url`);
  });
  const headerBytes = decodePart(parts[0]!);
  let header: unknown;
  try {
    header = headerBytes && JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    header = undefined;
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return notJwe('its first part is not a base64url-encoded JSON header');
  const h = header as Record<string, unknown>;
  if (typeof h.alg !== 'string' || typeof h.enc !== 'string') return notJwe('its header has no "alg" and "enc" (RFC 7516 requires both)');

  const altered = (why: string): never => {
    throw new DmgwError('CREDENTIAL_ALTERED', `EncryptedCredential was altered: ${why}`, place, 'encrypt the secret again with `dmgw encrypt FILE`; do not edit the EncryptedCredential by hand');
  };
  const unsupported = (why: string): never => {
    throw new DmgwError('CREDENTIAL_UNSUPPORTED', `EncryptedCredential was not made by dmgw (or was altered): ${why}`, place, `dmgw writes ${CREDENTIAL_ALG} + ${CREDENTIAL_ENC} JWEs naming the certificate in kid and x5t#S256; encrypt the secret again with \`dmgw encrypt FILE\``);
  };
  if (h.alg !== CREDENTIAL_ALG || h.enc !== CREDENTIAL_ENC) return unsupported(`it uses alg ${JSON.stringify(h.alg)} and enc ${JSON.stringify(h.enc)}`);
  for (const k of Object.keys(h)) if (!['alg', 'enc', 'kid', 'x5t#S256', 'cty', 'typ'].includes(k)) return unsupported(`its header has ${JSON.stringify(k)}`);
  if (typeof h.kid !== 'string' || typeof h['x5t#S256'] !== 'string') return unsupported('its header does not name the certificate (kid and x5t#S256)');
  const fromX5t = thumbprintOfX5tS256(h['x5t#S256']);
  if (!THUMBPRINT_PATTERN.test(h.kid) || fromX5t !== h.kid) return altered('its kid and x5t#S256 no longer name the same certificate');
  for (let i = 1; i < 5; i++) {
    if (!decodePart(parts[i]!)) return altered(`its ${PART_NAMES[i]} (part ${i + 1}) is not canonical base64url`);
  }
  if (!parts[1] || !parts[2] || !parts[4]) return altered(`its ${PART_NAMES[!parts[1] ? 1 : !parts[2] ? 2 : 4]} is empty`);
  return { header: h as unknown as CredentialHeader, thumbprint: h.kid };
}

/**
 * Decrypts with whichever of `keys` the credential was made for. Errors name the certificate it needs and the
 * ones this gateway has (CREDENTIAL_WRONG_CERT), or say it was altered; the place is the caller's (the file).
 */
export async function openCredential(jwe: unknown, keys: CredentialKey[], place: Place = {}): Promise<{ payload: unknown; thumbprint: string }> {
  const { thumbprint } = inspectCredential(jwe, place);
  const key = keys.find((k) => k.thumbprint.toUpperCase() === thumbprint);
  if (!key) {
    // keys[0] is the current certificate; the rest are previous ones kept so that older credentials still open.
    const [first, ...rest] = keys.map((k) => k.thumbprint.toUpperCase());
    const has = first ? `${first}${rest.length ? ` (and previous ${rest.join(', ')})` : ''}` : undefined;
    throw new DmgwError(
      'CREDENTIAL_WRONG_CERT',
      has ? `EncryptedCredential was encrypted for certificate ${thumbprint}, this gateway has ${has}` : `EncryptedCredential was encrypted for certificate ${thumbprint}, this gateway has no certificate`,
      place,
      has ? `encrypt the secret again on this gateway (\`dmgw encrypt FILE --password-stdin\`), or import certificate ${thumbprint} (\`dmgw cert import F.pfx --password-stdin\`)` : `import certificate ${thumbprint} with \`dmgw cert import F.pfx --password-stdin\`, or make one with \`dmgw cert new\` and encrypt the secret again`,
    );
  }
  let plaintext: Uint8Array;
  try {
    const privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
    ({ plaintext } = await compactDecrypt(jwe as string, privateKey, { keyManagementAlgorithms: [CREDENTIAL_ALG], contentEncryptionAlgorithms: [CREDENTIAL_ENC] }));
  } catch (e) {
    if (e instanceof joseErrors.JWEDecryptionFailed) {
      throw new DmgwError('CREDENTIAL_ALTERED', 'EncryptedCredential was altered: it does not decrypt with the key of the certificate it names (the authentication tag does not match)', place, 'encrypt the secret again with `dmgw encrypt FILE`; do not edit the EncryptedCredential by hand');
    }
    if (e instanceof joseErrors.JOSEError) {
      throw new DmgwError('CREDENTIAL_ALTERED', `EncryptedCredential was altered or was not made by dmgw: ${e.message}`, place, 'encrypt the secret again with `dmgw encrypt FILE`');
    }
    throw e;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw new DmgwError('CREDENTIAL_PAYLOAD', 'EncryptedCredential decrypts, but not to JSON: it was not made by dmgw', place, 'encrypt the secret again with `dmgw encrypt FILE`');
  }
  return { payload, thumbprint };
}

/** Strict base64url: only the canonical encoding of some bytes (no padding, no stray bits) is accepted. */
function decodePart(part: string): Buffer | undefined {
  if (part.length % 4 === 1) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code > 0x20 && code < 0x7f ? `"${c}"` : `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
