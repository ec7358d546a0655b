/**
 * `dmgw release keygen|sign`, `dmgw service publish-agent` and `dmgw service releases` as operators run them: the
 * built CLI against a real factory service, reached through DMGW_ENDPOINT / DMGW_TOKEN_FILE / DMGW_CA_FILE like the
 * other management verbs. The service stores what a release authority signed; it refuses what does not fit together.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_HEADER, SIGNATURE_HEADER } from '../../../src/common/gateway/agentRelease.js';
import { sha256Hex } from '../../../src/common/gateway/releaseManifest.js';
import type { RunningService } from '../../../src/service/service.js';
import { CLI, ensureBuilt, runCli, type CliResult } from '../../support/builtCli.js';
import { managementEnv, startTestService, tempDir } from '../../support/factoryService.js';

const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
let svc: RunningService & { logs: string[] };
let env: NodeJS.ProcessEnv;
let keys: string;
let keyId: string;
const dmgw = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> => runCli(args, { env: { ...env, ...extraEnv }, input });
const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/\n\s+at |internal error/);

beforeAll(async () => {
  ensureBuilt();
  svc = await startTestService();
  env = managementEnv(svc);
  keys = join(tempDir('dmgw-relkeys'), 'authority');
  const k = await dmgw(['release', 'keygen', '--out', keys, '--json']);
  expect(k.code, k.stderr).toBe(0);
  keyId = (JSON.parse(k.stdout) as { id: string }).id;
});
afterAll(async () => svc?.close());

/** PUT of a release straight at the service, as any holder of the admin token could send it. */
async function put(version: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; message: string }> {
  const r = await request(`${svc.url}/providers/Dmgw/agentReleases/${version}?api-version=2018-06-01`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${readFileSync(svc.adminTokenFile, 'utf8').trim()}`, ...headers },
    dispatcher: new Agent({ connect: { ca: svc.caCertPem } }),
  });
  const json = (await r.body.json()) as { error?: { message: string } };
  return { status: r.statusCode, message: json.error?.message ?? '' };
}

describe('dmgw release keygen / sign', () => {
  it('makes a 0600 private key (encrypted when a passphrase is given) and refuses to overwrite it', async () => {
    expect(statSync(join(keys, 'release-private-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(keys, 'release-private-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = await dmgw(['release', 'keygen', '--out', keys]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('release-private-key.pem: a release key is there already');

    const secret = 'correct horse battery staple';
    const enc = join(tempDir('dmgw-relkeys'), 'enc');
    expect((await dmgw(['release', 'keygen', '--out', enc, '--passphrase-stdin'], {}, `${secret}\n`)).code).toBe(0);
    expect(readFileSync(join(enc, 'release-private-key.pem'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const bundle = join(tempDir('dmgw-relsign'), 'cli.js');
    writeFileSync(bundle, 'console.log("dmgw 1.2.3")\n');
    const none = await dmgw(['release', 'sign', bundle, '--key', join(enc, 'release-private-key.pem')]);
    expect(none.stderr).toContain('the release key is encrypted — give its passphrase with --passphrase-stdin or --passphrase-env VAR');
    const wrong = await dmgw(['release', 'sign', bundle, '--key', join(enc, 'release-private-key.pem'), '--passphrase-env', 'PW'], { PW: 'not it' });
    expect(wrong.stderr).toContain('cannot decrypt the release key: wrong passphrase');
    const ok = await dmgw(['release', 'sign', bundle, '--key', join(enc, 'release-private-key.pem'), '--passphrase-env', 'PW', '--json'], { PW: secret });
    expect(ok.code, ok.stderr).toBe(0);
    // the version the bundle reports, a manifest and a detached signature beside it
    expect(JSON.parse(readFileSync(`${bundle}.manifest.json`, 'utf8'))).toMatchObject({ format: 'dmgw-agent-release/1', version: '1.2.3', sha256: sha256Hex(readFileSync(bundle)), size: readFileSync(bundle).length });
    expect(Buffer.from(readFileSync(`${bundle}.sig`, 'utf8').trim(), 'base64')).toHaveLength(64);
    for (const r of [none, wrong, ok]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
      noStack(r);
    }
    const pub = await dmgw(['release', 'sign', bundle, '--key', join(keys, 'release-public-key.pem')]);
    expect(pub.stderr).toContain('not a private key (PKCS#8 PEM)');
  });
});

describe('dmgw service publish-agent / releases', () => {
  it('publishes its own bundle signed elsewhere (--manifest/--signature), and a --bundle signed beside it', async () => {
    const out = tempDir('dmgw-relsign');
    const signed = await dmgw(['release', 'sign', CLI, '--key', join(keys, 'release-private-key.pem'), '--out', out]);
    expect(signed.code, signed.stderr).toBe(0);
    const own = await dmgw(['service', 'publish-agent', '--manifest', join(out, 'cli.js.manifest.json'), '--signature', join(out, 'cli.js.sig'), '--json']);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ version: VERSION, sha256: sha256Hex(readFileSync(CLI)), keyId });

    const text = readFileSync(CLI, 'utf8');
    expect(text.split(JSON.stringify(VERSION)).length).toBe(2);
    const file = join(tempDir('dmgw-publish'), 'cli.js');
    writeFileSync(file, text.replace(JSON.stringify(VERSION), JSON.stringify('9.1.0-cli')));
    expect((await dmgw(['release', 'sign', file, '--key', join(keys, 'release-private-key.pem')])).code).toBe(0);
    const other = await dmgw(['service', 'publish-agent', '--bundle', file]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain(`published agent 9.1.0-cli (${readFileSync(file).length} bytes, sha256 ${sha256Hex(readFileSync(file))}, signed by release key ${keyId.slice(0, 16)})`);

    const list = await dmgw(['service', 'releases', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const releases = JSON.parse(list.stdout) as Array<{ version: string; sha256: string; size: number; keyId: string }>;
    expect(releases.find((r) => r.version === '9.1.0-cli')).toMatchObject({ sha256: sha256Hex(readFileSync(file)), size: readFileSync(file).length, keyId });
    expect(releases.find((r) => r.version === VERSION)?.sha256).toBe(sha256Hex(readFileSync(CLI)));
    const plain = await dmgw(['service', 'releases']);
    expect(plain.stdout).toMatch(new RegExp(`9\\.1\\.0-cli .* sha256 [0-9a-f]{64}  key ${keyId.slice(0, 16)}`));
  });

  it('refuses an unsigned bundle or a manifest of another bundle, before any connection', async () => {
    const dir = tempDir('dmgw-publish');
    const file = join(dir, 'cli.js');
    writeFileSync(file, 'console.log("dmgw 9.3.0")\n');
    const unsigned = await dmgw(['service', 'publish-agent', '--bundle', file]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/cli\.js\.manifest\.json: cannot read the release manifest \(ENOENT\) — sign it first: dmgw release sign .*cli\.js --key release-private-key\.pem/);
    noStack(unsigned);

    expect((await dmgw(['release', 'sign', file, '--key', join(keys, 'release-private-key.pem'), '--version', '9.3.0'])).code).toBe(0);
    writeFileSync(file, 'console.log("dmgw 9.3.0") // changed after signing\n');
    const changed = await dmgw(['service', 'publish-agent', '--bundle', file], { DMGW_ENDPOINT: 'https://127.0.0.1:1' });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/cli\.js\.manifest\.json: this manifest describes another bundle \(\d+ bytes, sha256 [0-9a-f]{64}\) than .*cli\.js \(\d+ bytes/);
    noStack(changed);
  });

  it('the service refuses a PUT without a manifest and signature, or whose manifest does not describe the body', async () => {
    const body = Buffer.from('console.log("dmgw 9.4.0")\n');
    const bare = await put('9.4.0', body, {});
    expect(bare.status).toBe(400);
    expect(bare.message).toContain(`the ${MANIFEST_HEADER} header is missing`);
    const dir = tempDir('dmgw-publish');
    writeFileSync(join(dir, 'cli.js'), body);
    expect((await dmgw(['release', 'sign', join(dir, 'cli.js'), '--key', join(keys, 'release-private-key.pem'), '--version', '9.4.0'])).code).toBe(0);
    const headers = { [MANIFEST_HEADER]: readFileSync(join(dir, 'cli.js.manifest.json')).toString('base64'), [SIGNATURE_HEADER]: readFileSync(join(dir, 'cli.js.sig'), 'utf8').trim() };
    const other = await put('9.4.0', Buffer.from('require("child_process").exec("id")\n'), headers);
    expect(other.status).toBe(400);
    expect(other.message).toMatch(/is not the bundle the manifest describes/);
    const relabelled = await put('9.5.0', body, headers);
    expect(relabelled).toMatchObject({ status: 400, message: 'the manifest is for agent 9.4.0, the URL names 9.5.0' });
    expect((await put('not-a-version', body, headers)).message).toContain('"not-a-version" is not a version: use a SemVer 2.0 version');
    expect((await put('9.4.0', body, headers)).status).toBe(200);
  });

  it('says what is wrong: a refused token, no service', async () => {
    const tokenFile = join(tempDir('dmgw-publish'), 'token');
    writeFileSync(tokenFile, 'not-the-token');
    const refused = await dmgw(['service', 'releases'], { DMGW_TOKEN_FILE: tokenFile });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the token was refused');
    noStack(refused);

    const down = await dmgw(['service', 'releases', '--endpoint', 'https://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the factory service at https://127.0.0.1:1');
    noStack(down);

    const none = await dmgw(['service', 'releases'], { DMGW_ENDPOINT: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('which factory service?');
  });
});
