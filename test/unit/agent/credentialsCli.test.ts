/**
 * The built CLI end to end, with a gateway home in a temp folder: certificates, encryption, checks (decryption),
 * error paths and verbose logging. Unique random secrets are planted on the way in; at the end every file under
 * the gateway homes (logs included), every factory file, the PFX and everything printed is searched for them.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealCredential } from '../../../src/common/credential/envelope.js';
import { ensureBuilt, runCli, type CliResult } from '../../support/builtCli.js';

const rnd = (): string => randomBytes(9).toString('base64url');
const SECRETS = {
  pgStdin: `Pg;"Q'-${rnd()}`,
  sqlEnv: `Sql-${rnd()}`,
  mysqlPlain: `My-${rnd()}`,
  accountKey: `${randomBytes(32).toString('base64')}`,
  sasSig: `Sig${rnd()}`,
  filePw: `Fs-${rnd()}`,
  pfxPassword: `Pfx-${rnd()}`,
  pfxWrong: `Wrong-${rnd()}`,
  otherGateway: `Other-${rnd()}`,
};

let dir: string;
let home: string;
let home2: string;
let factory: string;
const transcript: string[] = [];
const env = (extra: Record<string, string | undefined> = {}, h = home): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, DMGW_HOME: h, ...extra };
  delete e.DMGW_VERBOSE;
  delete e.DMGW_DEBUG;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) e[k] = v;
  return e;
};
async function dmgw(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env: opts.env ?? env(), input: opts.input });
  transcript.push(`$ dmgw ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r;
}
const ls = (name: string): string => join('factory', 'linkedService', `${name}.json`);
const read = (p: string): string => readFileSync(join(dir, p), 'utf8');
const write = (p: string, text: string): void => writeFileSync(join(dir, p), text);

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => out.push(p))(join(d, e.name));
  };
  walk(root);
  return out;
}

let thumbprint: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'dmgw-cli-'));
  home = join(dir, 'home');
  home2 = join(dir, 'home2');
  factory = join(dir, 'factory');
  cpSync('examples/walkthrough', factory, { recursive: true });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dmgw cert / encrypt through the built CLI', () => {
  it('makes and shows the certificate', async () => {
    const none = await dmgw(['cert', 'show']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/this gateway home has no certificate — make one with `dmgw cert new`/);
    const made = await dmgw(['cert', 'new', '--subject', 'CN=cli test gateway']);
    expect(made.code).toBe(0);
    thumbprint = /created certificate ([0-9A-F]{64})/.exec(made.stdout)![1]!;
    const shown = JSON.parse((await dmgw(['cert', 'show', '--json'])).stdout);
    expect(shown.certificates).toHaveLength(1);
    expect(shown.certificates[0]).toMatchObject({ thumbprint, current: true, subject: 'CN=cli test gateway', keyType: 'rsa', keyBits: 2048 });
    expect(statSync(shown.certificates[0].privateKeyFile).mode & 0o777).toBe(0o600);
    const again = await dmgw(['cert', 'new']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('pass --replace');
  });

  it('encrypts the walkthrough PostgreSQL linked service with a password from stdin', async () => {
    const r = await dmgw(['encrypt', ls('OnPremPostgreSql'), '--password-stdin'], { input: `${SECRETS.pgStdin}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`encrypted connectionString:Password for certificate ${thumbprint}, bound to PostgreSql gateway@127.0.0.1:5432/sales`);
    expect(read(ls('OnPremPostgreSql'))).toMatch(/"connectionString": "Server=127\.0\.0\.1;Port=5432;Database=sales;UID=gateway;EncryptedCredential=ey[\w.-]+"/);
  });

  it('encrypts from an environment variable, and files with plaintext secrets of every kind', async () => {
    expect((await dmgw(['encrypt', ls('OnPremSqlServer'), '--from-env', 'SQL_PW'], { env: env({ SQL_PW: SECRETS.sqlEnv }) })).code).toBe(0);
    write(ls('MySql'), `{\n  // plaintext, as people start\n  "name": "MySql",\n  "properties": {\n    "type": "MySql",\n    "typeProperties": { "connectionString": "Server=127.0.0.1;Port=3306;Database=test;UID=root;PWD=${SECRETS.mysqlPlain}" }\n  }\n}\n`);
    write(ls('Blob'), JSON.stringify({ name: 'Blob', properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${SECRETS.accountKey};EndpointSuffix=core.windows.net` } } }, null, 2));
    write(ls('BlobSas'), JSON.stringify({ name: 'BlobSas', properties: { type: 'AzureBlobStorage', typeProperties: { sasUri: { type: 'SecureString', value: `https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=rl&sig=${SECRETS.sasSig}` } } } }, null, 2));
    write(ls('Files'), JSON.stringify({ name: 'Files', properties: { type: 'FileServer', typeProperties: { host: '\\\\fs\\share', userId: 'gw', password: { type: 'SecureString', value: SECRETS.filePw } } } }, null, 2));
    const r = await dmgw(['encrypt', ls('MySql'), ls('Blob'), ls('BlobSas'), ls('Files'), '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    expect(r.stderr).toMatch(/DEBUG \[encrypt\] encrypting file=factory\/linkedService\/MySql\.json/);
    expect(read(ls('MySql'))).toContain('// plaintext, as people start');
    expect(read(ls('BlobSas'))).toContain('"value": "https://acct.blob.core.windows.net/c"');
  });

  it('cert check decrypts every file in memory and reports it, verbose logging included', async () => {
    const r = await dmgw(['cert', 'check', 'factory'], { env: env({ DMGW_VERBOSE: '1' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('factory/linkedService/AzureStorage.json: none: no secrets');
    for (const n of ['OnPremPostgreSql', 'OnPremSqlServer', 'MySql', 'Blob', 'BlobSas', 'Files']) expect(r.stdout).toContain(`${ls(n)}: ok: decrypts with the current certificate ${thumbprint}`);
    expect(r.stderr).toMatch(/DEBUG \[cert\] decrypted the credential of linked service OnPremPostgreSql .*connectionString="Server=127\.0\.0\.1;Port=5432;Database=sales;UID=gateway;Password=\*\*\*"/);
    expect(r.stderr).toMatch(/DEBUG \[cert\] decrypted the credential of linked service MySql .*PWD=\*\*\*/);
    const json = JSON.parse((await dmgw(['cert', 'check', ls('Files'), '--json'])).stdout);
    expect(json).toEqual([{ file: ls('Files'), status: 'ok', certificate: thumbprint, target: { type: 'FileServer', host: '\\\\fs\\share', user: 'gw' }, message: `decrypts with the current certificate ${thumbprint}, bound to FileServer \\\\fs\\share as gw` }]);
    expect(r.stdout).toContain(`${ls('OnPremPostgreSql')}: ok: decrypts with the current certificate ${thumbprint}, bound to PostgreSql gateway@127.0.0.1:5432/sales`);
    expect(r.stdout).toContain(`${ls('Blob')}: ok: decrypts with the current certificate ${thumbprint}, bound to AzureBlobStorage acct at https://acct.blob.core.windows.net`);
  });

  it('prints instead of writing with --stdout', async () => {
    write('plain.json', JSON.stringify({ name: 'P', properties: { type: 'PostgreSql', typeProperties: { connectionString: 'Host=h;Database=d' } } }));
    const before = read('plain.json');
    const r = await dmgw(['encrypt', 'plain.json', '--stdout', '--from-env', 'X'], { env: env({ X: SECRETS.sqlEnv }) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).properties.typeProperties.connectionString).toMatch(/^Host=h;Database=d;EncryptedCredential=ey/);
    expect(read('plain.json')).toBe(before);
  });

  it('error paths: nothing to encrypt, altered, not a JWE, usage', async () => {
    const nothing = await dmgw(['encrypt', ls('AzureStorage')]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/^dmgw encrypt: factory\/linkedService\/AzureStorage\.json:6:9: no plaintext secret \(password, account key or SAS\) and no EncryptedCredential to encrypt — pass the secret with --password-stdin/);

    const text = read(ls('OnPremPostgreSql'));
    const at = text.indexOf('.', text.indexOf('EncryptedCredential=')) + 10; // inside the encrypted key
    write('altered.json', text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1));
    const altered = await dmgw(['cert', 'check', 'altered.json', '--verbose']);
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(/^altered\.json:11:13: error: EncryptedCredential was altered: .* — encrypt the secret again with `dmgw encrypt FILE`; do not edit the EncryptedCredential by hand$/m);

    write('garbage.json', text.replace(/EncryptedCredential=[\w.-]+/, `EncryptedCredential=${SECRETS.otherGateway}`));
    const garbage = await dmgw(['cert', 'check', 'garbage.json'], { env: env({ DMGW_VERBOSE: '1' }) });
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain('EncryptedCredential is not a JWE: a JWE has 5 parts separated by ".", this has 1');

    const usage = await dmgw(['encrypt']);
    expect(usage.code).toBe(2);
    const bothSources = await dmgw(['encrypt', 'plain.json', '--password-stdin', '--from-env', 'X'], { input: 'x' });
    expect(bothSources.code).toBe(2);
  });

  it('exports a PFX, refuses a wrong password on import without touching the other home, then moves the certificate', async () => {
    const exported = await dmgw(['cert', 'export', '--out', 'gw.pfx', '--password-stdin'], { input: SECRETS.pfxPassword });
    expect(exported.code).toBe(0);
    expect(statSync(join(dir, 'gw.pfx')).mode & 0o777).toBe(0o600);
    expect((await dmgw(['cert', 'export', '--out', 'gw.pfx', '--password-stdin'], { input: 'x' })).stderr).toContain('--force');
    expect((await dmgw(['cert', 'export', '--out', 'nopw.pfx'])).code).toBe(2);

    // a second gateway with its own certificate and a credential made for it
    expect((await dmgw(['cert', 'new'], { env: env({}, home2) })).code).toBe(0);
    const own = JSON.parse((await dmgw(['cert', 'show', '--json'], { env: env({}, home2) })).stdout).certificates[0].thumbprint as string;
    write('second.json', JSON.stringify({ name: 'S', properties: { type: 'SqlServer', typeProperties: { connectionString: 'Data Source=h' } } }, null, 2));
    expect((await dmgw(['encrypt', 'second.json', '--password-stdin'], { env: env({}, home2), input: SECRETS.otherGateway })).code).toBe(0);

    // gateway 1 cannot read it and says which certificates are involved
    const wrong = await dmgw(['cert', 'check', 'second.json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`EncryptedCredential was encrypted for certificate ${own}, this gateway has ${thumbprint}`);

    const snapshot = () => Object.fromEntries(filesUnder(home2).map((f) => [relative(home2, f), readFileSync(f, 'base64')]));
    const before = snapshot();
    const bad = await dmgw(['cert', 'import', 'gw.pfx', '--password-stdin'], { env: env({}, home2), input: SECRETS.pfxWrong });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('dmgw cert: gw.pfx: wrong password (the PFX integrity check failed) — give the password the PFX was exported with; nothing was changed\n');
    const after = snapshot();
    // the failed attempt may only have added a line to the log
    delete before['logs/dmgw.log'];
    delete after['logs/dmgw.log'];
    expect(after).toEqual(before);

    const good = await dmgw(['cert', 'import', 'gw.pfx', '--password-stdin'], { env: env({}, home2), input: `${SECRETS.pfxPassword}\n` });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`imported: the current certificate is now ${thumbprint}`);
    expect(good.stdout).toContain(`the previous certificate ${own} is kept`);
    const shown = await dmgw(['cert', 'show'], { env: env({}, home2) });
    expect(shown.stdout).toMatch(new RegExp(`current certificate\\n  thumbprint \\(SHA-256\\)  ${thumbprint}[\\s\\S]*previous certificates[\\s\\S]*${own}`));

    // the old credential still decrypts, is reported for re-encryption, and re-encrypting moves it to the new certificate
    const check = await dmgw(['cert', 'check', 'second.json'], { env: env({}, home2) });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`second.json: reencrypt: decrypts with previous certificate ${own}`);
    const re = await dmgw(['encrypt', 'second.json'], { env: env({}, home2) });
    expect(re.stdout).toContain(`re-encrypted from certificate ${own}`);
    expect((await dmgw(['cert', 'check', 'second.json'])).stdout).toContain(`second.json: ok: decrypts with the current certificate ${thumbprint}`);
    expect((await dmgw(['encrypt', 'second.json'])).stdout).toContain('already encrypted');
  });

  it('a credential made before binding: cert check asks to re-encrypt it, dmgw encrypt on the gateway binds it', async () => {
    // made as dmgw did before targets were bound: the secrets alone in the JWE
    const certPem = readFileSync(JSON.parse((await dmgw(['cert', 'show', '--json'])).stdout).certificates.find((c: { current: boolean }) => c.current).certificateFile, 'utf8');
    const { jwe } = await sealCredential({ connectionString: { Password: SECRETS.sqlEnv } }, certPem);
    write('old.json', JSON.stringify({ name: 'Old', properties: { type: 'PostgreSql', typeProperties: { connectionString: `Server=db1.corp;Database=sales;UID=gateway;EncryptedCredential=${jwe}` } } }, null, 2));
    const check = await dmgw(['cert', 'check', 'old.json']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('old.json: reencrypt: decrypts, but was made before credentials were bound to their server, so the gateway does not use it; re-encrypt it with `dmgw encrypt old.json`');
    const re = await dmgw(['encrypt', 'old.json']);
    expect(re.code).toBe(0);
    expect(re.stdout).toContain('bound to PostgreSql gateway@db1.corp:5432/sales');
    expect(re.stdout).toContain('it was made before credentials were bound and is bound now');
    expect((await dmgw(['cert', 'check', 'old.json'])).stdout).toContain(`old.json: ok: decrypts with the current certificate ${thumbprint}, bound to PostgreSql gateway@db1.corp:5432/sales`);
    // the operator moves it on purpose: encrypting again on the gateway binds it to the new server, and says so
    write('old.json', read('old.json').replace('Server=db1.corp', 'Server=db2.corp'));
    const moved = await dmgw(['encrypt', 'old.json', '--json']);
    expect(JSON.parse(moved.stdout)[0]).toMatchObject({ changed: true, boundTo: 'PostgreSql gateway@db2.corp:5432/sales', previousTarget: { host: 'db1.corp' }, target: { type: 'PostgreSql', host: 'db2.corp', port: 5432, database: 'sales', user: 'gateway', tls: 'off' } });
  });

  it('no planted secret appears in any file of the gateway homes, the logs, the factory or anything printed', () => {
    const logs = [join(home, 'logs', 'dmgw.log'), join(home2, 'logs', 'dmgw.log')].map((f) => readFileSync(f, 'utf8'));
    expect(logs[0]).toMatch(/INFO {2}\[encrypt\] encrypted credential file=factory\/linkedService\/OnPremPostgreSql\.json/);
    expect(logs[0]).toMatch(/DEBUG \[cert\] decrypted the credential of linked service OnPremPostgreSql/);
    const files = [...filesUnder(home), ...filesUnder(home2), ...filesUnder(factory), ...['plain.json', 'altered.json', 'second.json', 'old.json', 'gw.pfx'].map((f) => join(dir, f))];
    expect(files.length).toBeGreaterThan(15);
    const haystacks = [...files.map((f) => [f, readFileSync(f).toString('latin1')] as const), ['transcript', transcript.join('\n')] as const];
    for (const [name, secret] of Object.entries(SECRETS)) {
      // garbage.json holds the "otherGateway" string on purpose, as a fake credential; it is checked through the transcript
      const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
      for (const [where, text] of haystacks) for (const form of forms) expect(text.includes(form), `${name} found in ${where}`).toBe(false);
    }
    expect(transcript.length).toBeGreaterThan(20);
  });
});
