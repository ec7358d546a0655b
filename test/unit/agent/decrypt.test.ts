import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newCertificate } from '../../../src/agent/cert/create.js';
import { CertificateStore } from '../../../src/agent/cert/store.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { decryptLinkedService } from '../../../src/agent/credentials/decrypt.js';
import { parseConnectionString } from '../../../src/common/connectionString.js';
import { encryptLinkedServiceText } from '../../../src/common/credential/encryptLinkedService.js';
import { isDmgwError, type DmgwError } from '../../../src/common/errors.js';
import { memorySink, createLogger } from '../../../src/common/log.js';
import { loadFactory } from '../../../src/common/model/factory.js';
import { forgetSecrets, redact } from '../../../src/common/redact.js';

let dir: string;
let home: string;
let store: CertificateStore;
const LS = (d: string, name: string) => join(d, 'linkedService', `${name}.json`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dmgw-decrypt-'));
  home = join(dir, 'home');
  store = new CertificateStore(new GatewayHome(home));
  store.install(newCertificate());
  cpSync('examples/walkthrough', join(dir, 'factory'), { recursive: true });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  forgetSecrets();
});

async function encryptFile(path: string, secret?: string, certPem = store.require().certPem): Promise<void> {
  const { text } = await encryptLinkedServiceText(readFileSync(path, 'utf8'), certPem, { file: path, secret });
  writeFileSync(path, text);
}

async function rejection(p: Promise<unknown>): Promise<DmgwError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isDmgwError(e)) throw new Error(`expected a DmgwError, got ${String(e)}`);
  return e;
}

describe('decryptLinkedService (the worker side)', () => {
  it('restores the walkthrough password from the gateway home, in memory only, and registers it for redaction', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremPostgreSql');
    const secret = `Walk-${Math.random().toString(36).slice(2)}`;
    await encryptFile(file, secret);
    const onDisk = readFileSync(file, 'utf8');
    const factory = loadFactory(join(dir, 'factory'));
    const ls = factory.linkedServices.get('onprempostgresql')!;
    const sink = memorySink('debug');
    const usable = await decryptLinkedService(ls, { home, log: createLogger([sink]) });
    expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('Password')).toBe(secret);
    expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('EncryptedCredential')).toBeUndefined();
    expect(ls.properties.typeProperties.connectionString).toContain('EncryptedCredential=');
    expect(readFileSync(file, 'utf8')).toBe(onDisk);
    expect(redact(`login failed: ${secret}`)).toBe('login failed: ***');
    expect(sink.lines.join('\n')).toContain('Password=***');
    expect(sink.lines.join('\n')).not.toContain(secret);
  });

  it('uses DMGW_HOME from the environment', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremSqlServer');
    await encryptFile(file, 'Env-home-pw');
    const ls = loadFactory(join(dir, 'factory')).linkedServices.get('onpremsqlserver')!;
    const usable = await decryptLinkedService(ls, { env: { DMGW_HOME: home } });
    expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('password')).toBe('Env-home-pw');
  });

  it('a credential for another certificate: both thumbprints, the file and line of the credential', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremPostgreSql');
    const other = newCertificate();
    await encryptFile(file, 'Other-cert-pw', other.certPem);
    const ls = loadFactory(join(dir, 'factory')).linkedServices.get('onprempostgresql')!;
    const e = await rejection(decryptLinkedService(ls, { home }));
    const mine = store.require().info.thumbprint;
    expect(e.code).toBe('CREDENTIAL_WRONG_CERT');
    expect(e.message).toMatch(new RegExp(`^EncryptedCredential was encrypted for certificate [0-9A-F]{64}, this gateway has ${mine}$`));
    expect(e.message).not.toContain(mine + ',');
    expect(e.place).toMatchObject({ file: ls.file, line: 11, field: 'properties.typeProperties.connectionString' });
    expect(ls.file).toMatch(/OnPremPostgreSql\.json$/);
  });

  it('an altered credential and a home without a certificate are said plainly', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremPostgreSql');
    await encryptFile(file, 'Alter-me-pw');
    const text = readFileSync(file, 'utf8');
    const i = text.lastIndexOf('"') - 5;
    writeFileSync(file, text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1));
    const ls = loadFactory(join(dir, 'factory')).linkedServices.get('onprempostgresql')!;
    const altered = await rejection(decryptLinkedService(ls, { home }));
    expect(altered.code).toBe('CREDENTIAL_ALTERED');
    expect(altered.message).toMatch(/^EncryptedCredential was altered/);
    expect(altered.place.file).toBe(ls.file);
    const none = await rejection(decryptLinkedService(ls, { home: join(dir, 'empty-home') }));
    expect(none.message).toMatch(/this gateway has no certificate$/);
  });

  it('garbage in EncryptedCredential is "not a JWE", without echoing it', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremSqlServer');
    writeFileSync(file, readFileSync(file, 'utf8').replace('User ID=gateway', 'User ID=gateway;EncryptedCredential=MyRealPassword1'));
    const ls = loadFactory(join(dir, 'factory')).linkedServices.get('onpremsqlserver')!;
    const e = await rejection(decryptLinkedService(ls, { home }));
    expect(e.code).toBe('CREDENTIAL_NOT_JWE');
    expect(e.message).not.toContain('MyRealPassword1');
    expect(e.place.file).toBe(ls.file);
  });

  it('a linked service without credentials comes back as it is; its plaintext secrets are registered anyway', async () => {
    const file = LS(join(dir, 'factory'), 'OnPremSqlServer');
    writeFileSync(file, readFileSync(file, 'utf8').replace('User ID=gateway', 'User ID=gateway;Password=Plain-text-pw'));
    const ls = loadFactory(join(dir, 'factory')).linkedServices.get('onpremsqlserver')!;
    expect(await decryptLinkedService(ls, { home })).toBe(ls);
    expect(redact('echo Plain-text-pw')).toBe('echo ***');
    const storage = loadFactory(join(dir, 'factory')).linkedServices.get('azurestorage')!;
    expect(await decryptLinkedService(storage, { home })).toBe(storage);
  });
});
