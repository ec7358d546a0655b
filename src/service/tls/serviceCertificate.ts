/**
 * The service's TLS identity. Made on first start (RSA 2048, self-signed, valid 10 years, SANs for localhost,
 * the loopback addresses, this machine's name and the public host) and kept in the data folder, so the
 * fingerprint that every gateway key pins stays the same across restarts. Replicas share it by sharing --data.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface ServiceCertificate {
  certPem: string;
  keyPem: string;
  certFile: string;
  /** SHA-256 of the DER certificate, upper-case hex */
  fingerprint: string;
}

export function fingerprintOfPem(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();
}

export function loadOrCreateServiceCertificate(dataDir: string, extraHosts: string[] = []): ServiceCertificate {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'service.crt.pem');
  const keyFile = join(dir, 'service.key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { certPem, keyPem } = makeSelfSigned(extraHosts);
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    writeFileSync(certFile, certPem, { mode: 0o644 });
  }
  const certPem = readFileSync(certFile, 'utf8');
  return { certPem, keyPem: readFileSync(keyFile, 'utf8'), certFile, fingerprint: fingerprintOfPem(certPem) };
}

function makeSelfSigned(extraHosts: string[]): { certPem: string; keyPem: string } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: 'dmgw factory service' },
    { name: 'organizationName', value: 'Data Management Gateway' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const names = new Set(['localhost', hostname(), ...extraHosts]);
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }];
  for (const n of names) {
    if (/^[\d.]+$/.test(n) || n.includes(':')) altNames.push({ type: 7, ip: n });
    else if (n) altNames.push({ type: 2, value: n });
  }
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}
