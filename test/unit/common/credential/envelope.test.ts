import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateInfo, x5tS256OfThumbprint } from '../../../../src/common/credential/certificate.js';
import { inspectCredential, openCredential, sealCredential, type CredentialKey } from '../../../../src/common/credential/envelope.js';
import { DmgwError, isDmgwError } from '../../../../src/common/errors.js';
import { newCertificate, type CertificatePair } from '../../../../src/agent/cert/create.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CLEAR = /^EncryptedCredential (was altered|is not a JWE|was not made by dmgw)/;

let a: CertificatePair;
let b: CertificatePair;
let keyA: CredentialKey;
let keyB: CredentialKey;
let thumbA: string;
let thumbB: string;
const payload = { connectionString: { Password: 'pa;ss"word' }, typeProperties: { accountKey: { type: 'SecureString', value: 'k3y==' } } };
let token: string;

beforeAll(async () => {
  a = newCertificate({ subject: 'CN=gateway A' });
  b = newCertificate({ subject: 'CN=gateway B' });
  thumbA = certificateInfo(a.certPem).thumbprint;
  thumbB = certificateInfo(b.certPem).thumbprint;
  keyA = { thumbprint: thumbA, privateKey: a.keyPem };
  keyB = { thumbprint: thumbB, privateKey: b.keyPem };
  token = (await sealCredential(payload, a.certPem)).jwe;
});

async function rejection(jwe: unknown, keys = [keyA]): Promise<DmgwError> {
  try {
    await openCredential(jwe, keys, { file: 'ls.json', field: 'properties.typeProperties.connectionString' });
  } catch (e) {
    if (isDmgwError(e)) return e;
    throw new Error(`not a DmgwError: ${String(e)}`, { cause: e });
  }
  throw new Error(`accepted: ${String(jwe).slice(0, 80)}`);
}

describe('EncryptedCredential envelope', () => {
  it('is a compact JWE with RSA-OAEP-256 + A256GCM naming the certificate by SHA-256 thumbprint', async () => {
    const parts = token.split('.');
    expect(parts).toHaveLength(5);
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: thumbA, 'x5t#S256': x5tS256OfThumbprint(thumbA) });
    expect(thumbA).toMatch(/^[0-9A-F]{64}$/);
    // the thumbprint is the SHA-256 of the DER certificate, the same digest openssl/Node print with colons
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(a.certPem).fingerprint256.replace(/:/g, '')).toBe(thumbA);
    expect(Buffer.from(parts[1]!, 'base64url')).toHaveLength(256); // RSA-2048 wrapped key
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12); // GCM IV
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16); // GCM tag
    expect(token).not.toContain('pa;ss');
  });

  it('round-trips the payload, and each encryption is different', async () => {
    const { payload: back, thumbprint } = await openCredential(token, [keyB, keyA]);
    expect(back).toEqual(payload);
    expect(thumbprint).toBe(thumbA);
    const again = (await sealCredential(payload, a.certPem)).jwe;
    expect(again).not.toBe(token);
    expect((await openCredential(again, [keyA])).payload).toEqual(payload);
  });

  it('a credential for another certificate names both thumbprints', async () => {
    const e = await rejection(token, [keyB]);
    expect(e.code).toBe('CREDENTIAL_WRONG_CERT');
    expect(e.message).toBe(`EncryptedCredential was encrypted for certificate ${thumbA}, this gateway has ${thumbB}`);
    expect(e.place.file).toBe('ls.json');
    expect(e.hint).toContain('dmgw cert import');
    const none = await rejection(token, []);
    expect(none.message).toBe(`EncryptedCredential was encrypted for certificate ${thumbA}, this gateway has no certificate`);
    const c = newCertificate();
    const withPrevious = await rejection(token, [keyB, { thumbprint: certificateInfo(c.certPem).thumbprint, privateKey: c.keyPem }]);
    expect(withPrevious.message).toContain(`this gateway has ${thumbB} (and previous ${certificateInfo(c.certPem).thumbprint})`);
  });

  it('the right thumbprint with the wrong key is an alteration, not a crash', async () => {
    const e = await rejection(token, [{ thumbprint: thumbA, privateKey: b.keyPem }]);
    expect(e.code).toBe('CREDENTIAL_ALTERED');
  });

  it('garbage is "not a JWE" and never echoed', async () => {
    for (const g of ['', 'MyPlainPassword', 'a.b.c.d', 'a.b.c.d.e.f', 'ey!.b.c.d.e', 'e30.AA.AA.AA.AA', 'bm90IGpzb24.a.b.c.d', '....', '\u0000.\u0001.x.y.z']) {
      const e = await rejection(g);
      expect(e.code, g).toBe('CREDENTIAL_NOT_JWE');
      expect(e.message).toMatch(/^EncryptedCredential is not a JWE: /);
      if (g.length > 3) expect(e.message).not.toContain(g);
    }
    for (const v of [undefined, null, 42, {}, ['x']]) expect((await rejection(v)).code).toBe('CREDENTIAL_NOT_JWE');
  });

  it('a JWE with other algorithms is reported as not ours', async () => {
    const { CompactEncrypt } = await import('jose');
    const { X509Certificate } = await import('node:crypto');
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128GCM', kid: thumbA, 'x5t#S256': x5tS256OfThumbprint(thumbA) })
      .encrypt(new X509Certificate(a.certPem).publicKey);
    const e = await rejection(jwe);
    expect(e.code).toBe('CREDENTIAL_UNSUPPORTED');
    expect(e.message).toContain('"RSA-OAEP"');
  });

  it('every character changed to another base64url character is rejected with a clear error', async () => {
    const codes: Record<string, number> = {};
    let tried = 0;
    for (let i = 0; i < token.length; i++) {
      const c = token[i]!;
      const replacements = c === '.' ? ['A', '_'] : [B64URL[B64URL.indexOf(c) ^ 1]!, B64URL[(B64URL.indexOf(c) + 32) % 64]!];
      for (const r of replacements) {
        const tampered = token.slice(0, i) + r + token.slice(i + 1);
        const e = await rejection(tampered);
        expect(e.message, `position ${i} ${c}->${r}`).toMatch(CLEAR);
        expect(e.code).not.toBe('CREDENTIAL_WRONG_CERT');
        expect(e.message).not.toContain('pa;ss');
        codes[e.code] = (codes[e.code] ?? 0) + 1;
        tried++;
      }
    }
    expect(tried).toBe(token.length * 2);
    expect(codes.CREDENTIAL_ALTERED).toBeGreaterThan(token.length);
  });

  it('truncation, extension and swapped parts are rejected', async () => {
    const parts = token.split('.');
    const other = (await sealCredential(payload, a.certPem)).jwe.split('.');
    const variants = [
      token.slice(0, -1),
      `${token}A`,
      `${token}AA`,
      parts.slice(0, 4).join('.'),
      [parts[0], parts[1], parts[2], parts[3], other[4]].join('.'),
      [parts[0], other[1], parts[2], parts[3], parts[4]].join('.'),
      [parts[0], parts[1], other[2], parts[3], parts[4]].join('.'),
      [parts[0], parts[1], parts[2], other[3], parts[4]].join('.'),
      [parts[0], '', parts[2], parts[3], parts[4]].join('.'),
      ` ${token}`,
      `${token}\n`,
    ];
    for (const v of variants) expect((await rejection(v)).message).toMatch(CLEAR);
  });

  it('inspect reads the thumbprint without a key', () => {
    expect(inspectCredential(token).thumbprint).toBe(thumbA);
  });
});

describe('JWE reader fuzz', () => {
  const rejectsClearly = async (input: string): Promise<void> => {
    const e = await rejection(input);
    expect(e.message).toMatch(CLEAR);
    expect(e.message.length).toBeLessThan(400);
  };

  it('arbitrary strings: no crash, every rejection a DmgwError with a clear message', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), rejectsClearly), { numRuns: 500 });
    const b64parts = fc.array(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 60 }), { minLength: 1, maxLength: 7 }).map((p) => p.join('.'));
    await fc.assert(fc.asyncProperty(b64parts, rejectsClearly), { numRuns: 500 });
  });

  it('arbitrary JSON headers in front of a valid body', async () => {
    const rest = token.slice(token.indexOf('.'));
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (h) => {
        const header = Buffer.from(JSON.stringify(h) ?? 'null').toString('base64url');
        await rejectsClearly(header + rest);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated valid tokens (replace, insert, delete at several places) are rejected', async () => {
    const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'insert', 'delete'), ch: fc.constantFrom(...B64URL, '.', '=', '+', '/', ' ') });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let t = token;
        for (const { at, op, ch } of edits) {
          const i = at % (t.length + 1);
          t = op === 'insert' ? t.slice(0, i) + ch + t.slice(i) : op === 'delete' ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + ch + t.slice(i + 1);
        }
        fc.pre(t !== token);
        await rejectsClearly(t);
      }),
      { numRuns: 600 },
    );
  });
});
