// `dmgw test-connection` against the real PostgreSQL: success, a refused port, an unknown linked service, and an
// encrypted credential decrypted with the gateway home's certificate.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmgwInProcess } from '../support/builtCli.js';
import { requireServer } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);

const dmgw = dmgwInProcess;

describe.skipIf(!up)('dmgw test-connection', () => {
  let dir: string;
  let factory: string;
  const lsFile = (): string => join(factory, 'linkedService/OnPremPostgreSql.json');
  const setConnection = (cs: string): void => {
    const v = JSON.parse(readFileSync(lsFile(), 'utf8'));
    v.properties.typeProperties.connectionString = cs;
    writeFileSync(lsFile(), JSON.stringify(v, null, 2));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dmgw-testconn-'));
    factory = join(dir, 'walkthrough');
    cpSync('examples/walkthrough', factory, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connects to a reachable server and says so as JSON', async () => {
    setConnection('Server=127.0.0.1;Port=5432;Database=test;UID=postgres');
    const r = await dmgw(['test-connection', '--factory', factory, '--linked-service', 'onprempostgresql', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ linkedService: 'OnPremPostgreSql', type: 'PostgreSql', ok: true });
  });

  it('reports a refused connection clearly, with exit 1', async () => {
    setConnection('Server=127.0.0.1;Port=1;Database=test;UID=postgres;Password=not-shown-anywhere');
    const r = await dmgw(['test-connection', '--factory', factory, '--linked-service', 'OnPremPostgreSql', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.message).toMatch(/^could not connect to OnPremPostgreSql \(PostgreSql\): .*ECONNREFUSED 127\.0\.0\.1:1 — is the server running/);
    expect(r.stdout + r.stderr).not.toContain('not-shown-anywhere');
  });

  it('decrypts an EncryptedCredential with the gateway certificate', async () => {
    const home = join(dir, 'home');
    expect((await dmgw(['cert', 'new'], { DMGW_HOME: home })).code).toBe(0);
    setConnection('Server=127.0.0.1;Port=5432;Database=test;UID=postgres;Password=trust-auth-ignores-it');
    expect((await dmgw(['encrypt', lsFile()], { DMGW_HOME: home })).code).toBe(0);
    expect(readFileSync(lsFile(), 'utf8')).toContain('EncryptedCredential=');
    const r = await dmgw(['test-connection', '-f', factory, '-l', 'OnPremPostgreSql'], { DMGW_HOME: home });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: connected to OnPremPostgreSql/);
    // Without the certificate's home the credential cannot be opened: a failure, not a crash.
    const other = await dmgw(['test-connection', '-f', factory, '-l', 'OnPremPostgreSql'], { DMGW_HOME: join(dir, 'empty-home') });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^failed: could not connect to OnPremPostgreSql/);
  });

  it('names the linked services there are when the name is wrong (usage of the factory, exit 1)', async () => {
    const r = await dmgw(['test-connection', '-f', factory, '-l', 'Nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('linked service "Nope" is not in');
    expect(r.stderr).toContain('OnPremPostgreSql');
  });

  it('says how to test a file through a factory service, and refuses a name and a file together (usage, exit 2)', async () => {
    const file = await dmgw(['test-connection', lsFile()]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is tested through a factory service only: add --endpoint URL --factory NAME');
    const both = await dmgw(['test-connection', '--endpoint', 'https://127.0.0.1:1', '--factory', 'f', '-l', 'OnPremPostgreSql', lsFile()]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const long = await dmgw(['test-connection', '--endpoint', 'https://127.0.0.1:1', '--factory', 'f', '-l', 'X', '--timeout', '600']);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('at most 120 seconds');
  });
});
