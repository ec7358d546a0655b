/**
 * PKCS#12 (PFX): how a gateway's certificate and private key leave the machine — to back it up or to move the
 * gateway — always under a password. Written with AES-256 (PBES2, PBKDF2-HMAC-SHA-256) for the key; read from
 * anything forge understands, which includes OpenSSL 3's defaults and Windows exports.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { DmgwError } from '../../common/errors.js';
import type { CertificatePair } from './create.js';

/** PBKDF2 and MAC iterations; the PKCS#12 MAC field of forge takes fewer than 65536. */
const ITERATIONS = 50_000;

export function toPfx(pair: CertificatePair, password: string, friendlyName = 'dmgw gateway'): Buffer {
  if (!password) throw new DmgwError('USAGE', 'a PFX needs a password', {}, 'give it on stdin with --password-stdin');
  const key = forge.pki.privateKeyFromPem(pair.keyPem);
  const cert = forge.pki.certificateFromPem(pair.certPem);
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: 'aes256', count: ITERATIONS, saltSize: 16, friendlyName, prfAlgorithm: 'sha256' } as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3]);
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/**
 * Reads a PFX: the private key and the certificate that belongs to it (a PFX may carry a chain). A wrong password,
 * a file that is not a PFX and a PFX without a matching RSA key pair are each a DmgwError naming `source`.
 */
export function fromPfx(bytes: Uint8Array, password: string, source: string): CertificatePair {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, true, password);
  } catch (e) {
    const msg = (e as Error).message ?? '';
    if (/Invalid password|MAC could not be verified|PKCS#12 MAC/i.test(msg) || /decrypt/i.test(msg)) {
      throw new DmgwError('PFX_PASSWORD', 'wrong password (the PFX integrity check failed)', { file: source }, 'give the password the PFX was exported with; nothing was changed');
    }
    throw new DmgwError('PFX_INVALID', `not a PKCS#12 (PFX) file that can be read: ${msg}`, { file: source }, 'export it again as .pfx/.p12 with a password (`dmgw cert export`, or `openssl pkcs12 -export`)');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const keys = keyBags.map((b) => b.key).filter((k): k is forge.pki.rsa.PrivateKey => !!k);
  if (!keys.length) {
    const nonRsa = keyBags.some((b) => !b.key);
    throw new DmgwError('PFX_NO_KEY', nonRsa ? 'the PFX holds a private key that is not RSA; gateway credentials need RSA' : 'the PFX holds no private key', { file: source }, 'export the certificate together with its RSA private key');
  }
  for (const k of keys) {
    const keyPem = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(k)));
    const publicDer = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    for (const b of certBags) {
      if (!b.cert) continue;
      const certPem = forge.pki.certificateToPem(b.cert);
      if (createPublicKey(certPem).export({ type: 'spki', format: 'der' }).equals(publicDer)) return { certPem, keyPem };
    }
  }
  throw new DmgwError('PFX_NO_CERT', 'the PFX has no certificate for its private key', { file: source }, 'export the certificate together with its private key');
}
