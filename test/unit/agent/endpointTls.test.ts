// The credential endpoint's own TLS pair: made once (key 0600), never the gateway certificate, rotated on demand,
// and a pair whose key does not match its certificate (a rotation cut short) is not served but made again.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newCertificate } from '../../../src/agent/cert/create.js';
import { CertificateStore } from '../../../src/agent/cert/store.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { ensureEndpointTls, readEndpointTls, rotateEndpointTls } from '../../../src/agent/credentialEndpoint/tlsIdentity.js';

let dir: string;
let home: GatewayHome;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dmgw-eptls-'));
  home = new GatewayHome(join(dir, 'home'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('credential endpoint TLS identity', () => {
  it('is made once, 0600, a server certificate for this machine, and kept', () => {
    const a = ensureEndpointTls(home);
    expect(statSync(home.credentialEndpointTlsKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(home.credentialEndpointDir).mode & 0o777).toBe(0o700);
    const x = new X509Certificate(a.certPem);
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(ensureEndpointTls(home).thumbprint).toBe(a.thumbprint);
  });

  it('is not the gateway certificate, and its key is another key', () => {
    const store = new CertificateStore(home);
    store.install(newCertificate());
    const gateway = store.require();
    const tls = ensureEndpointTls(home);
    expect(tls.thumbprint).not.toBe(gateway.info.thumbprint);
    const spki = (k: string) => createPublicKey(createPrivateKey(k)).export({ type: 'spki', format: 'der' });
    expect(spki(tls.keyPem).equals(spki(store.keyPem(gateway.info.thumbprint)))).toBe(false);
  });

  it('rotates; a key that does not belong to the certificate is not served, and is made again', () => {
    const a = ensureEndpointTls(home);
    const b = rotateEndpointTls(home);
    expect(b.thumbprint).not.toBe(a.thumbprint);
    expect(readEndpointTls(home)?.thumbprint).toBe(b.thumbprint);
    writeFileSync(home.credentialEndpointTlsKeyFile, newCertificate().keyPem);
    expect(readEndpointTls(home)).toBeUndefined();
    const c = ensureEndpointTls(home);
    expect(c.thumbprint).not.toBe(b.thumbprint);
    expect(readFileSync(home.credentialEndpointTlsCertificateFile, 'utf8')).toBe(c.certPem);
  });
});
