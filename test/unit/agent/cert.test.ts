import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newCertificate, parseSubject } from '../../../src/agent/cert/create.js';
import { fromPfx, toPfx } from '../../../src/agent/cert/pfx.js';
import { CertificateStore, keyFileMode } from '../../../src/agent/cert/store.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { certificateInfo } from '../../../src/common/credential/certificate.js';
import { openCredential, sealCredential } from '../../../src/common/credential/envelope.js';
import { DmgwError, isDmgwError } from '../../../src/common/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dmgw-cert-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(f: () => unknown): DmgwError {
  try {
    f();
  } catch (e) {
    if (isDmgwError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

/** Every file under `root` with its bytes and mode: "unchanged" means this snapshot is equal. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else out[relative(root, p)] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p).toString('base64')}`;
    }
  };
  walk(root);
  return out;
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('dmgw cert new: the certificate', () => {
  it('is RSA 2048, self-signed, with the subject and validity asked for', () => {
    const pair = newCertificate({ subject: 'CN=My Gateway, O=Contoso\\, Ltd, C=NL', days: 30 });
    const x = new X509Certificate(pair.certPem);
    expect(x.subject).toBe('CN=My Gateway\nO=Contoso\\, Ltd\nC=NL'); // Node escapes the comma when it prints
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(x.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
    expect(pair.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(certificateInfo(pair.certPem).thumbprint).toBe(x.fingerprint256.replace(/:/g, ''));
  });

  it('takes larger keys and refuses small ones or bad subjects', () => {
    expect(new X509Certificate(newCertificate({ bits: 3072 }).certPem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(thrown(() => newCertificate({ bits: 1024 })).message).toContain('2048');
    expect(thrown(() => parseSubject('O=NoCommonName')).message).toContain('CN');
    expect(thrown(() => parseSubject('XX=1')).message).toContain('NAME one of');
    expect(thrown(() => newCertificate({ days: 0 })).code).toBe('USAGE');
  });
});

describe('certificate store in the gateway home', () => {
  it('installs with the key 0600 and folders 0700, keeps the previous certificate when replaced', () => {
    const home = new GatewayHome(join(dir, 'home'));
    const store = new CertificateStore(home);
    expect(store.current()).toBeUndefined();
    expect(thrown(() => store.require()).code).toBe('NO_CERTIFICATE');
    const a = newCertificate();
    const ra = store.install(a);
    expect(ra).toEqual({ thumbprint: certificateInfo(a.certPem).thumbprint, replaced: undefined, unchanged: false });
    const cur = store.require();
    expect(keyFileMode(cur.keyFile)).toBe(0o600);
    expect(statSync(home.root).mode & 0o777).toBe(0o700);
    expect(statSync(home.certificatesDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(home.certificatesDir, ra.thumbprint)).mode & 0o777).toBe(0o700);
    expect(readFileSync(cur.keyFile, 'utf8')).toBe(a.keyPem);

    const b = newCertificate();
    const rb = store.install(b);
    expect(rb.replaced).toBe(ra.thumbprint);
    expect(store.list().map((c) => [c.info.thumbprint, c.current])).toEqual([
      [rb.thumbprint, true],
      [ra.thumbprint, false],
    ]);
    expect(store.credentialKeys().map((k) => k.thumbprint)).toEqual([rb.thumbprint, ra.thumbprint]);
    // installing the old one again makes it current without copying anything
    expect(store.install(a)).toEqual({ thumbprint: ra.thumbprint, replaced: rb.thumbprint, unchanged: false });
    expect(store.install(a).unchanged).toBe(true);
    expect(readdirSync(home.certificatesDir).sort()).toEqual([ra.thumbprint, rb.thumbprint, 'current'].sort());
  });

  it('refuses a key that does not belong to the certificate', () => {
    const store = new CertificateStore(new GatewayHome(join(dir, 'home')));
    const a = newCertificate();
    const b = newCertificate();
    expect(thrown(() => store.install({ certPem: a.certPem, keyPem: b.keyPem })).code).toBe('KEY_MISMATCH');
  });

  it('reports a damaged "current" pointer instead of guessing', () => {
    const home = new GatewayHome(join(dir, 'home'));
    const store = new CertificateStore(home);
    store.install(newCertificate());
    writeFileSync(home.currentCertificateFile, 'ABC\n');
    expect(thrown(() => store.current()).code).toBe('HOME_DAMAGED');
  });
});

describe('PFX export and import', () => {
  it('round-trips the pair under the right password', () => {
    const a = newCertificate();
    const pfx = toPfx(a, 'right horse battery');
    const back = fromPfx(pfx, 'right horse battery', 'a.pfx');
    expect(certificateInfo(back.certPem).thumbprint).toBe(certificateInfo(a.certPem).thumbprint);
    expect(createPrivateKey(back.keyPem).export({ type: 'pkcs8', format: 'pem' })).toBe(createPrivateKey(a.keyPem).export({ type: 'pkcs8', format: 'pem' }));
    expect(pfx.toString('binary')).not.toContain('BEGIN');
  });

  it('a wrong password is a clear error and leaves the home unchanged', () => {
    const home = new GatewayHome(join(dir, 'home'));
    const store = new CertificateStore(home);
    store.install(newCertificate());
    const before = snapshot(home.root);
    const pfx = toPfx(newCertificate(), 'right');
    const e = thrown(() => store.install(fromPfx(pfx, 'wrong', 'gw.pfx')));
    expect(e.code).toBe('PFX_PASSWORD');
    expect(e.message).toBe('wrong password (the PFX integrity check failed)');
    expect(e.place.file).toBe('gw.pfx');
    expect(e.hint).toContain('nothing was changed');
    expect(snapshot(home.root)).toEqual(before);
    expect(thrown(() => fromPfx(Buffer.from('not a pfx at all'), 'x', 'junk.pfx')).code).toBe('PFX_INVALID');
    expect(thrown(() => toPfx(newCertificate(), '')).code).toBe('USAGE');
  });

  it('moving a gateway: credentials encrypted for the old certificate still open after the import', async () => {
    const old = new CertificateStore(new GatewayHome(join(dir, 'old')));
    old.install(newCertificate({ subject: 'CN=old machine' }));
    const cert = old.require();
    const jwe = (await sealCredential({ connectionString: { Password: 'Moved-pw-1' } }, cert.certPem)).jwe;
    const pfx = toPfx({ certPem: cert.certPem, keyPem: old.keyPem(cert.info.thumbprint) }, 'move it');

    const fresh = new CertificateStore(new GatewayHome(join(dir, 'new')));
    fresh.install(newCertificate({ subject: 'CN=new machine' }));
    const r = fresh.install(fromPfx(pfx, 'move it', 'old.pfx'));
    expect(r.thumbprint).toBe(cert.info.thumbprint);
    expect(r.replaced).toBeDefined();
    expect((await openCredential(jwe, fresh.credentialKeys())).payload).toEqual({ connectionString: { Password: 'Moved-pw-1' } });
  });

  it.skipIf(!hasOpenssl)('interoperates with OpenSSL 3 both ways', () => {
    const a = newCertificate();
    const ours = join(dir, 'ours.pfx');
    writeFileSync(ours, toPfx(a, 'pw-ours'));
    const pem = execFileSync('openssl', ['pkcs12', '-in', ours, '-passin', 'pass:pw-ours', '-nodes'], { encoding: 'utf8' });
    expect(pem).toContain('BEGIN CERTIFICATE');
    expect(pem).toContain('BEGIN PRIVATE KEY');
    expect(() => execFileSync('openssl', ['pkcs12', '-in', ours, '-passin', 'pass:nope', '-nodes'], { stdio: 'pipe' })).toThrow();

    // OpenSSL 3 defaults: PBES2/AES-256-CBC, PBKDF2-HMAC-SHA-256, SHA-256 MAC; plus a CA certificate in the chain
    writeFileSync(join(dir, 'key.pem'), a.keyPem);
    writeFileSync(join(dir, 'cert.pem'), a.certPem);
    const other = newCertificate({ subject: 'CN=some CA' });
    writeFileSync(join(dir, 'ca.pem'), other.certPem);
    const theirs = join(dir, 'theirs.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-certfile', join(dir, 'ca.pem'), '-out', theirs, '-passout', 'pass:pw-theirs']);
    const back = fromPfx(readFileSync(theirs), 'pw-theirs', 'theirs.pfx');
    expect(certificateInfo(back.certPem).thumbprint).toBe(certificateInfo(a.certPem).thumbprint);
    expect(thrown(() => fromPfx(readFileSync(theirs), 'pw-wrong', 'theirs.pfx')).code).toBe('PFX_PASSWORD');

    // an EC key cannot carry RSA-OAEP credentials: said plainly
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec.key'), '-out', join(dir, 'ec.crt'), '-subj', '/CN=ec', '-days', '1'], { stdio: 'pipe' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'ec.key'), '-in', join(dir, 'ec.crt'), '-out', join(dir, 'ec.pfx'), '-passout', 'pass:ec']);
    const ec = thrown(() => fromPfx(readFileSync(join(dir, 'ec.pfx')), 'ec', 'ec.pfx'));
    expect(ec.message).toBe('the PFX holds a private key that is not RSA; gateway credentials need RSA');
    expect(ec.place.file).toBe('ec.pfx');
  });
});
