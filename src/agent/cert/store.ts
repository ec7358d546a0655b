/**
 * The gateway's certificates on disk, under the gateway home:
 *   certificates/<THUMBPRINT>/certificate.pem   the certificate (public)
 *   certificates/<THUMBPRINT>/private-key.pem   its RSA private key, PKCS#8, mode 0600
 *   certificates/current                        the thumbprint of the certificate new credentials are encrypted for
 * A replaced certificate stays, so credentials encrypted for it still decrypt until they are re-encrypted; a new
 * pair is written to a temporary folder and renamed into place, and `current` is switched by an atomic rename, so
 * a crash leaves either the old or the new certificate current, never half of one.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { certificateInfo, THUMBPRINT_PATTERN, type CertificateInfo } from '../../common/credential/certificate.js';
import type { CredentialKey } from '../../common/credential/envelope.js';
import { DmgwError } from '../../common/errors.js';
import type { GatewayHome } from '../config/home.js';
import type { CertificatePair } from './create.js';

export const CERT_FILE = 'certificate.pem';
export const KEY_FILE = 'private-key.pem';

export interface StoredCertificate {
  info: CertificateInfo;
  current: boolean;
  certFile: string;
  keyFile: string;
  certPem: string;
}

export interface InstallResult {
  thumbprint: string;
  /** The certificate that was current before, when another one was. */
  replaced?: string;
  /** The pair was already the current certificate: nothing changed. */
  unchanged: boolean;
}

export class CertificateStore {
  constructor(readonly home: GatewayHome) {}

  currentThumbprint(): string | undefined {
    let t: string;
    try {
      t = readFileSync(this.home.currentCertificateFile, 'utf8').trim().toUpperCase();
    } catch {
      return undefined;
    }
    if (!THUMBPRINT_PATTERN.test(t) || !existsSync(join(this.home.certificateDir(t), CERT_FILE))) {
      throw new DmgwError('HOME_DAMAGED', `${this.home.currentCertificateFile} names no certificate in ${this.home.certificatesDir}`, { file: this.home.currentCertificateFile }, 'restore the gateway home from a backup, or import the certificate again with `dmgw cert import`');
    }
    return t;
  }

  current(): StoredCertificate | undefined {
    const t = this.currentThumbprint();
    return t ? this.load(t, true) : undefined;
  }

  /** The current certificate first, then the previous ones, newest first. */
  list(): StoredCertificate[] {
    const current = this.currentThumbprint();
    let names: string[];
    try {
      names = readdirSync(this.home.certificatesDir).filter((n) => THUMBPRINT_PATTERN.test(n) && existsSync(join(this.home.certificateDir(n), CERT_FILE)));
    } catch {
      return [];
    }
    const all = names.map((n) => this.load(n, n === current));
    return all.sort((a, b) => Number(b.current) - Number(a.current) || b.info.notBefore.getTime() - a.info.notBefore.getTime());
  }

  /** Requires a current certificate; the error tells how to get one. */
  require(): StoredCertificate {
    const c = this.current();
    if (!c) throw new DmgwError('NO_CERTIFICATE', 'this gateway home has no certificate', { file: this.home.root }, 'make one with `dmgw cert new`, or import the gateway\'s PFX with `dmgw cert import F.pfx --password-stdin`');
    return c;
  }

  privateKey(thumbprint: string): KeyObject {
    const file = join(this.home.certificateDir(thumbprint), KEY_FILE);
    try {
      return createPrivateKey(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new DmgwError('KEY_UNREADABLE', `the private key of certificate ${thumbprint} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, 'run dmgw as the account that owns the gateway home, or import the certificate again');
    }
  }

  keyPem(thumbprint: string): string {
    return readFileSync(join(this.home.certificateDir(thumbprint), KEY_FILE), 'utf8');
  }

  /** Every key this gateway holds, current first: what decryption tries by thumbprint. */
  credentialKeys(): CredentialKey[] {
    return this.list().map((c) => ({ thumbprint: c.info.thumbprint, privateKey: this.privateKey(c.info.thumbprint) }));
  }

  /** Makes `pair` the current certificate, keeping the one it replaces. */
  install(pair: CertificatePair): InstallResult {
    const info = certificateInfo(pair.certPem);
    assertPair(pair, info.thumbprint);
    const before = this.currentThumbprint();
    if (before === info.thumbprint) return { thumbprint: info.thumbprint, unchanged: true };
    this.home.ensure(this.home.certificatesDir);
    const dir = this.home.certificateDir(info.thumbprint);
    if (!existsSync(dir)) {
      const tmp = mkdtempSync(join(this.home.certificatesDir, '.new-'));
      try {
        writeFileSync(join(tmp, KEY_FILE), pair.keyPem, { mode: 0o600 });
        chmodSync(join(tmp, KEY_FILE), 0o600);
        writeFileSync(join(tmp, CERT_FILE), pair.certPem, { mode: 0o644 });
        chmodSync(tmp, 0o700);
        renameSync(tmp, dir);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
    }
    const next = `${this.home.currentCertificateFile}.${process.pid}.tmp`;
    writeFileSync(next, `${info.thumbprint}\n`, { mode: 0o644 });
    renameSync(next, this.home.currentCertificateFile);
    return { thumbprint: info.thumbprint, replaced: before, unchanged: false };
  }

  private load(thumbprint: string, current: boolean): StoredCertificate {
    const dir = this.home.certificateDir(thumbprint);
    const certFile = join(dir, CERT_FILE);
    const certPem = readFileSync(certFile, 'utf8');
    return { info: certificateInfo(certPem, certFile), current, certFile, keyFile: join(dir, KEY_FILE), certPem };
  }
}

/** The private key must belong to the certificate, or every credential encrypted for it would be unreadable. */
function assertPair(pair: CertificatePair, thumbprint: string): void {
  const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
  const fromCert = createPublicKey(pair.certPem).export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) throw new DmgwError('KEY_MISMATCH', `the private key does not belong to certificate ${thumbprint}`);
}

/** Permission bits of a key file (POSIX); undefined where modes do not apply. */
export function keyFileMode(file: string): number | undefined {
  if (process.platform === 'win32') return undefined;
  return statSync(file).mode & 0o777;
}
