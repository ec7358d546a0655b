/**
 * A gateway's own certificate: RSA, self-signed, made with node-forge (which uses Node's native key generation when
 * it can, so a 2048-bit key takes well under a second). Nothing trusts it as an authority; it only names the key
 * that EncryptedCredentials are encrypted for, by its SHA-256 thumbprint.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import forge from 'node-forge';
import { DmgwError } from '../../common/errors.js';

export interface CertificatePair {
  certPem: string;
  /** PKCS#8 PEM, unencrypted: it is protected by the file mode of the gateway home. */
  keyPem: string;
}

export interface NewCertificateOptions {
  /** `CN=name[,O=org,...]`; default `CN=dmgw-<hostname>`. */
  subject?: string;
  /** Validity in days from now; default 3650 (decryption does not depend on it, renewal is a re-encryption). */
  days?: number;
  /** RSA modulus length, at least 2048; default 2048. */
  bits?: number;
  /**
   * What the key is for: `credentials` (default) — the gateway certificate, whose key decrypts EncryptedCredentials;
   * `tls-server` — the credential endpoint's own TLS identity (digitalSignature + keyEncipherment, serverAuth).
   */
  purpose?: 'credentials' | 'tls-server';
}

export const DEFAULT_DAYS = 3650;
export const DEFAULT_BITS = 2048;

export function defaultSubject(): string {
  return `CN=dmgw-${hostname() || 'gateway'}`;
}

export function newCertificate(opts: NewCertificateOptions = {}): CertificatePair {
  const bits = opts.bits ?? DEFAULT_BITS;
  const days = opts.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(bits) || bits < 2048 || bits > 8192 || bits % 8) throw new DmgwError('USAGE', `--bits ${bits}: the key must be RSA of 2048 to 8192 bits (a multiple of 8)`, {}, 'use 2048, 3072 or 4096');
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new DmgwError('USAGE', `--days ${days}: give a whole number of days from 1 to 36500`);
  const attrs = parseSubject(opts.subject ?? defaultSubject());
  const keys = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // A positive 128-bit serial (RFC 5280 §4.1.2.2: at most 20 octets, positive).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = new Date();
  // Backdated a little so a gateway whose clock is slightly behind still sees it as valid.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions(
    opts.purpose === 'tls-server'
      ? [
          { name: 'basicConstraints', cA: false, critical: true },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          // this machine's names, so that a client on it (curl --cacert) also checks the host name; others pin the thumbprint
          { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, ...(hostname() ? [{ type: 2, value: hostname() }] : []), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
          { name: 'subjectKeyIdentifier' },
        ]
      : [
          { name: 'basicConstraints', cA: false, critical: true },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true, critical: true },
          { name: 'subjectKeyIdentifier' },
        ],
  );
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keys.privateKey))),
  };
}

const NAMES = ['CN', 'O', 'OU', 'L', 'ST', 'C', 'E'];

/** `CN=My Gateway, O=Contoso` → forge attributes. A comma inside a value is written `\,`. */
export function parseSubject(subject: string): forge.pki.CertificateField[] {
  const parts = subject.split(/(?<!\\),/).map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new DmgwError('USAGE', '--subject is empty', {}, 'write it as CN=name[,O=organization]');
  const attrs = parts.map((p) => {
    const m = /^([A-Za-z]+)\s*=\s*(.+)$/.exec(p);
    const name = m?.[1]!.toUpperCase();
    if (!m || !name || !NAMES.includes(name)) throw new DmgwError('USAGE', `--subject: "${p}" is not NAME=value with NAME one of ${NAMES.join(', ')}`, {}, 'write it as CN=name[,O=organization]');
    if (name === 'C' && !/^[A-Za-z]{2}$/.test(m[2]!)) throw new DmgwError('USAGE', `--subject: C must be a two-letter country code, not "${m[2]}"`);
    return { shortName: name, value: m[2]!.replace(/\\,/g, ',') };
  });
  if (!attrs.some((a) => a.shortName === 'CN')) throw new DmgwError('USAGE', '--subject needs a CN (common name)', {}, 'write it as CN=name[,O=organization]');
  return attrs;
}
