/**
 * The credential endpoint's own TLS identity: a self-signed RSA certificate and its key in
 * `DMGW_HOME/credential-endpoint/` (`tls-certificate.pem`, `tls-private-key.pem` 0600, the folder 0700), made when the
 * endpoint first starts. It is never the gateway certificate's key pair: that key decrypts every credential and
 * does nothing else (one key, one job), so a TLS problem — a bug in a handshake, a key read by a TLS library or
 * a side channel on it — can never reach the credentials. Clients pin this certificate's SHA-256 thumbprint
 * (`dmgw credential-endpoint tls`, `dmgw status --json`, `GET /v1/health`); `GET /v1/certificate` still hands
 * out the gateway certificate, which is what credentials are encrypted for.
 * Rotation: `dmgw credential-endpoint tls --rotate` writes a new pair; a running endpoint serves it within seconds.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { hostname } from 'node:os';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { certificateInfo } from '../../common/credential/certificate.js';
import { newCertificate } from '../cert/create.js';
import type { GatewayHome } from '../config/home.js';

export interface EndpointTls {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, upper-case hex: what clients pin. */
  thumbprint: string;
  notAfter: Date;
}

/** The pair on disk, or undefined when it is missing, unreadable or the key does not belong to the certificate. */
export function readEndpointTls(home: GatewayHome): EndpointTls | undefined {
  try {
    const certPem = readFileSync(home.credentialEndpointTlsCertificateFile, 'utf8');
    const keyPem = readFileSync(home.credentialEndpointTlsKeyFile, 'utf8');
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    const fromCert = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
    if (!fromKey.equals(fromCert)) return undefined;
    const info = certificateInfo(certPem, home.credentialEndpointTlsCertificateFile);
    return { certPem, keyPem, thumbprint: info.thumbprint, notAfter: info.notAfter };
  } catch {
    return undefined;
  }
}

/** The current pair, made when there is none (or a half-written one). */
export function ensureEndpointTls(home: GatewayHome): EndpointTls {
  return readEndpointTls(home) ?? rotateEndpointTls(home);
}

/** A new pair: key first, then certificate, each written beside its file and renamed over it. */
export function rotateEndpointTls(home: GatewayHome): EndpointTls {
  home.ensure(home.credentialEndpointDir);
  const pair = newCertificate({ subject: `CN=dmgw credential endpoint ${hostname() || 'gateway'}`, purpose: 'tls-server' });
  const put = (file: string, text: string, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  };
  put(home.credentialEndpointTlsKeyFile, pair.keyPem, 0o600);
  put(home.credentialEndpointTlsCertificateFile, pair.certPem, 0o644);
  const info = certificateInfo(pair.certPem);
  return { ...pair, thumbprint: info.thumbprint, notAfter: info.notAfter };
}
