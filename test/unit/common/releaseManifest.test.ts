/**
 * Signed release manifests: only the exact bytes a trusted release key signed pass; SemVer 2.0 precedence (the
 * `semver` package) orders versions, pre-releases included.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareVersions, isVersion } from '../../../src/common/gateway/agentRelease.js';
import { checkBundle, keyId, manifestBytes, parseManifest, releasePublicKey, sha256Hex, signManifest, verifyManifest, type ReleaseKey } from '../../../src/common/gateway/releaseManifest.js';

function releaseKey(): { priv: KeyObject; pub: ReleaseKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { priv: privateKey, pub: { id: keyId(publicKey), key: publicKey }, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const bundle = Buffer.from('console.log("dmgw 2.0.0")\n');
const manifestFor = (k: ReleaseKey, version = '2.0.0', b = bundle) => manifestBytes({ version, sha256: sha256Hex(b), size: b.length, created: '2026-01-01T00:00:00.000Z', keyId: k.id });

describe('release manifests', () => {
  it('a manifest signed by a trusted key verifies; the bundle it names matches', () => {
    const k = releaseKey();
    const bytes = manifestFor(k.pub);
    const m = verifyManifest(bytes, signManifest(bytes, k.priv), [k.pub]);
    expect(m).toMatchObject({ format: 'dmgw-agent-release/1', version: '2.0.0', sha256: sha256Hex(bundle), size: bundle.length, keyId: k.pub.id });
    expect(() => checkBundle(m, bundle)).not.toThrow();
    expect(() => checkBundle(m, Buffer.concat([bundle, Buffer.from('//')]))).toThrow(/the bundle has \d+ bytes, its signed manifest says \d+ \(altered\)/);
    const sameSize = Buffer.from(bundle.toString().replace('2.0.0', '6.6.6'));
    expect(() => checkBundle(m, sameSize)).toThrow(/the bundle's SHA-256 is [0-9a-f]{64}, its signed manifest says/);
  });

  it('refuses a manifest signed by an untrusted key, one altered after signing, and a forged key id', () => {
    const trusted = releaseKey();
    const stranger = releaseKey();
    const byStranger = manifestFor(stranger.pub);
    expect(() => verifyManifest(byStranger, signManifest(byStranger, stranger.priv), [trusted.pub])).toThrow(/signed by release key [0-9a-f]{16}, which this node does not trust/);

    const bytes = manifestFor(trusted.pub);
    const sig = signManifest(bytes, trusted.priv);
    const altered = Buffer.from(bytes.toString().replace('"2.0.0"', '"2.0.1"'));
    expect(() => verifyManifest(altered, sig, [trusted.pub])).toThrow(/the signature does not verify with release key/);
    // the same JSON, re-serialised: not the bytes that were signed
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(bytes.toString())));
    expect(() => verifyManifest(reserialised, sig, [trusted.pub])).toThrow(/does not verify/);

    // a stranger claims the trusted key's id
    const forged = manifestFor(trusted.pub, '9.9.9');
    expect(() => verifyManifest(forged, signManifest(forged, stranger.priv), [trusted.pub])).toThrow(/does not verify/);
    expect(() => verifyManifest(bytes, 'not base64 at all', [trusted.pub])).toThrow(/does not verify/);
  });

  it('parses only well-formed manifests, naming the field', () => {
    const k = releaseKey();
    const good = JSON.parse(manifestFor(k.pub).toString()) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () => parseManifest(Buffer.from(JSON.stringify({ ...good, ...patch })), 'm.json');
    expect(bad({ format: 'other' })).toThrow(/"format" must be "dmgw-agent-release\/1"/);
    expect(bad({ version: '1.0' })).toThrow(/"version" is not a version/);
    expect(bad({ version: '1.0.0+build.5' })).toThrow(/"version" is not a version/);
    expect(bad({ version: '../../etc' })).toThrow(/"version"/);
    expect(bad({ sha256: 'ABC' })).toThrow(/"sha256"/);
    expect(bad({ size: -1 })).toThrow(/"size"/);
    expect(bad({ created: 'yesterday' })).toThrow(/"created"/);
    expect(bad({ keyId: 'x' })).toThrow(/"keyId"/);
    expect(() => parseManifest(Buffer.from('{'))).toThrow(/not JSON/);
  });

  it('release public keys: Ed25519 public PEM only', () => {
    const k = releaseKey();
    expect(releasePublicKey(k.pem, 'k.pem').id).toBe(k.pub.id);
    expect(k.pub.id).toMatch(/^[0-9a-f]{64}$/);
    const priv = k.priv.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => releasePublicKey(priv, 'k.pem')).toThrow(/this is a private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => releasePublicKey(rsa, 'k.pem')).toThrow(/a rsa key, not an Ed25519 release key/);
    expect(() => releasePublicKey('hello', 'k.pem')).toThrow(/not a PEM public key/);
  });
});

describe('versions: SemVer 2.0 precedence', () => {
  it('orders pre-releases numerically: rc.9 < rc.10 < release', () => {
    expect(compareVersions('1.0.0-rc.9', '1.0.0-rc.10')).toBe(-1);
    expect(compareVersions('1.0.0-rc.10', '1.0.0')).toBe(-1);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareVersions('1.0.0-alpha.beta', '1.0.0-beta')).toBe(-1);
    expect(compareVersions('1.0.0-beta.11', '1.0.0-rc.1')).toBe(-1);
    expect(compareVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
    expect(['1.0.0-rc.10', '1.0.0-rc.9', '0.9.0', '1.0.0', '1.0.0-rc.1'].sort(compareVersions)).toEqual(['0.9.0', '1.0.0-rc.1', '1.0.0-rc.9', '1.0.0-rc.10', '1.0.0']);
  });

  it('accepts SemVer 2.0 versions only', () => {
    for (const v of ['0.1.0', '1.0.0-rc.10', '10.20.30-alpha.1-x']) expect(isVersion(v)).toBe(true);
    for (const v of ['1.0', 'v1.0.0', '01.0.0', ' 1.0.0', '1.0.0+b', '1.0.0-', '1.0.0-a..b', `1.0.0-${'x'.repeat(60)}`, 7]) expect(isVersion(v)).toBe(false);
    // not a version sorts first, never throws (node versions reported by a heartbeat are not trusted)
    expect(compareVersions('garbage', '0.0.1')).toBe(-1);
  });
});
