/**
 * The node's decisions about agent releases, on real keys and real files in a gateway home: what an offer may
 * install (trust, no downgrade unless asked for exactly, failed bundles by SHA-256) and what the launcher may run
 * (re-verified against the trust list of the moment).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { launchTarget } from '../../../src/agent/update/launcher.js';
import { checkOffer, type OfferContext } from '../../../src/agent/update/offerCheck.js';
import { addTrustedKey, removeTrustedKey, trustedKeys } from '../../../src/agent/update/trustStore.js';
import { failedBefore, installVersion, markFailed, switchCurrent } from '../../../src/agent/update/versions.js';
import type { AgentUpdateOffer } from '../../../src/common/gateway/agentRelease.js';
import { keyId, manifestBytes, parseManifest, sha256Hex, signManifest, type ReleaseKey } from '../../../src/common/gateway/releaseManifest.js';

const home = () => new GatewayHome(mkdtempSync(join(tmpdir(), 'dmgw-offer-')));

function releaseKey(): { priv: KeyObject; pub: ReleaseKey; file: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const file = join(mkdtempSync(join(tmpdir(), 'dmgw-relkey-')), 'release-public-key.pem');
  writeFileSync(file, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv: privateKey, pub: { id: keyId(publicKey), key: publicKey }, file };
}

function offerOf(k: { priv: KeyObject; pub: ReleaseKey }, version: string, bundle = Buffer.from(`// ${version}\n`)): AgentUpdateOffer & { bundle: Buffer } {
  const bytes = manifestBytes({ version, sha256: sha256Hex(bundle), size: bundle.length, created: new Date().toISOString(), keyId: k.pub.id });
  return { version, path: `/gateway/v1/agent/${version}`, sha256: sha256Hex(bundle), size: bundle.length, manifest: bytes.toString('base64'), signature: signManifest(bytes, k.priv), autoUpdate: true, requested: true, bundle };
}

const ctx = (k: ReleaseKey, running: string, extra: Partial<OfferContext> = {}): OfferContext => ({ trusted: [k], running, failedBefore: () => undefined, ...extra });

describe('checkOffer', () => {
  const k = releaseKey();

  it('installs a newer release signed by a trusted key; the same version is nothing to do', () => {
    const d = checkOffer(offerOf(k, '1.0.0-rc.10'), ctx(k.pub, '1.0.0-rc.9'));
    expect(d).toMatchObject({ kind: 'install', downgrade: false, manifest: { version: '1.0.0-rc.10' } });
    expect(checkOffer(offerOf(k, '1.0.0'), ctx(k.pub, '1.0.0'))).toEqual({ kind: 'skip' });
  });

  it('refuses an older release (rc.9 after rc.10), whatever the service asks, unless the operator asked for exactly it', () => {
    const old = offerOf(k, '1.0.0-rc.9');
    expect(() => checkOffer(old, ctx(k.pub, '1.0.0-rc.10'))).toThrow(/agent 1\.0\.0-rc\.9 is older than the running 1\.0\.0-rc\.10/);
    expect(() => checkOffer(old, ctx(k.pub, '1.0.0-rc.10', { request: { at: '', to: '1.0.0-rc.9' } }))).toThrow(/older than the running/);
    expect(() => checkOffer(old, ctx(k.pub, '1.0.0-rc.10', { request: { at: '', to: '1.0.0-rc.8', allowDowngrade: true } }))).not.toThrow();
    expect(checkOffer(old, ctx(k.pub, '1.0.0-rc.10', { request: { at: '', to: '1.0.0-rc.8', allowDowngrade: true } }))).toMatchObject({ kind: 'skip', why: expect.stringContaining('waiting for agent 1.0.0-rc.8') });
    expect(checkOffer(old, ctx(k.pub, '1.0.0-rc.10', { request: { at: '', to: '1.0.0-rc.9', allowDowngrade: true } }))).toMatchObject({ kind: 'install', downgrade: true });
  });

  it('refuses untrusted keys, a relabelled offer, an offer whose sha256 differs from its manifest, and no manifest', () => {
    const stranger = releaseKey();
    expect(() => checkOffer(offerOf(stranger, '2.0.0'), ctx(k.pub, '1.0.0'))).toThrow(/which this node does not trust/);
    expect(() => checkOffer({ ...offerOf(k, '2.0.0'), version: '3.0.0' }, ctx(k.pub, '1.0.0'))).toThrow(/offers agent 3\.0\.0 with the signed manifest of agent 2\.0\.0/);
    expect(() => checkOffer({ ...offerOf(k, '2.0.0'), sha256: '0'.repeat(64) }, ctx(k.pub, '1.0.0'))).toThrow(/\(altered\)/);
    expect(() => checkOffer({ ...offerOf(k, '2.0.0'), manifest: undefined as never }, ctx(k.pub, '1.0.0'))).toThrow(/without a signed manifest/);
  });

  it('a bundle that failed to start is refused by its SHA-256: republished with another one, it may be tried', () => {
    const h = home();
    const first = offerOf(k, '2.0.0', Buffer.from('// first build\n'));
    installVersion(h, parseManifest(Buffer.from(first.manifest, 'base64')), first.bundle, { bytes: Buffer.from(first.manifest, 'base64'), signature: first.signature });
    markFailed(h, '2.0.0', 'it exited within 20 s of starting');
    const c = ctx(k.pub, '1.0.0', { failedBefore: (v, sha) => failedBefore(h, v, sha) });
    expect(() => checkOffer(first, c)).toThrow(/agent 2\.0\.0 \(sha256 [0-9a-f]{12}…\) is not installed again: it exited within 20 s/);
    expect(checkOffer(offerOf(k, '2.0.0', Buffer.from('// fixed build\n')), c)).toMatchObject({ kind: 'install' });
  });
});

describe('trust store and launcher', () => {
  it('trust add/remove; the launcher runs an installed version only while its key is trusted and its bytes match', () => {
    const h = home();
    const k = releaseKey();
    expect(addTrustedKey(h, k.file)).toEqual({ id: k.pub.id, added: true });
    expect(statSync(h.trustedReleaseKeysDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.trustedReleaseKeysDir, `${k.pub.id}.pem`)).mode & 0o777).toBe(0o600);
    const o = offerOf(k, '2.0.0');
    const bytes = Buffer.from(o.manifest, 'base64');
    const cli = installVersion(h, parseManifest(bytes), o.bundle, { bytes, signature: o.signature });
    switchCurrent(h, '2.0.0', undefined);
    expect(launchTarget(h, '/own/cli.js')).toEqual({ cli, version: '2.0.0' });

    writeFileSync(cli, '// swapped on disk\n');
    expect(launchTarget(h, '/own/cli.js')).toEqual({ cli: '/own/cli.js' });
    writeFileSync(cli, o.bundle);
    expect(launchTarget(h, '/own/cli.js').version).toBe('2.0.0');

    expect(removeTrustedKey(h, k.pub.id.slice(0, 10))).toBe(k.pub.id);
    expect(trustedKeys(h)).toEqual([]);
    const errors: string[] = [];
    const log = { error: (m: string) => errors.push(m), warn: () => undefined } as never;
    expect(launchTarget(h, '/own/cli.js', log)).toEqual({ cli: '/own/cli.js' });
    expect(errors.join('\n')).toMatch(/not launching agent 2\.0\.0 .*which this node does not trust; running the bundled agent/);
    expect(() => removeTrustedKey(h, k.pub.id)).toThrow(/no trusted release key/);
  });
});
