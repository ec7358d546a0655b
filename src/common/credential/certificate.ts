/**
 * What the rest of the product needs to know about a gateway certificate, read from its PEM with Node's own
 * X.509 parser: the SHA-256 thumbprint that names it everywhere (upper-case hex, as Windows and ADF print
 * thumbprints), its subject and validity, and its public key for encryption.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { DmgwError } from '../errors.js';

export interface CertificateInfo {
  /** SHA-256 of the DER certificate, 64 upper-case hex digits: the `kid` of every credential made for it. */
  thumbprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** RSA modulus length in bits (0 for a non-RSA key). */
  keyBits: number;
  keyType: string;
  serialNumber: string;
}

/** Parses one PEM certificate; a bad one is a DmgwError naming `source` (a file or a field). */
export function readCertificate(pem: string, source = 'certificate'): { x509: X509Certificate; info: CertificateInfo } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (e) {
    throw new DmgwError('CERT_INVALID', `not a PEM X.509 certificate (${(e as Error).message})`, { file: source }, 'pass the .pem that `dmgw cert show` lists, or export the gateway certificate again');
  }
  const details = x509.publicKey.asymmetricKeyDetails;
  return {
    x509,
    info: {
      thumbprint: thumbprintOfDer(x509.raw),
      subject: x509.subject.replace(/\n/g, ', '),
      issuer: x509.issuer.replace(/\n/g, ', '),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      keyBits: details?.modulusLength ?? 0,
      keyType: x509.publicKey.asymmetricKeyType ?? 'unknown',
      serialNumber: x509.serialNumber,
    },
  };
}

export function certificateInfo(pem: string, source?: string): CertificateInfo {
  return readCertificate(pem, source).info;
}

/** The public key a credential is encrypted with; only RSA of at least 2048 bits is accepted (RSA-OAEP-256). */
export function encryptionKeyOf(pem: string, source = 'certificate'): { key: KeyObject; info: CertificateInfo } {
  const { x509, info } = readCertificate(pem, source);
  if (info.keyType !== 'rsa' || info.keyBits < 2048) {
    const has = info.keyType === 'rsa' ? `an RSA ${info.keyBits}-bit key` : `a ${info.keyType.toUpperCase()} key`;
    throw new DmgwError('CERT_KEY', `the certificate has ${has}; credentials need an RSA key of at least 2048 bits`, { file: source }, 'make one with `dmgw cert new` or import a PFX with an RSA key');
  }
  return { key: x509.publicKey, info };
}

export function thumbprintOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase();
}

/** `x5t#S256` (RFC 7515 §4.1.8): the same SHA-256 digest, base64url-encoded. */
export function x5tS256OfThumbprint(thumbprint: string): string {
  return Buffer.from(thumbprint, 'hex').toString('base64url');
}

/** The thumbprint a `x5t#S256` value stands for, or undefined when it is not a 32-byte base64url value. */
export function thumbprintOfX5tS256(x5t: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(x5t)) return undefined;
  const bytes = Buffer.from(x5t, 'base64url');
  if (bytes.length !== 32 || bytes.toString('base64url') !== x5t) return undefined;
  return bytes.toString('hex').toUpperCase();
}

export const THUMBPRINT_PATTERN = /^[0-9A-F]{64}$/;
