/**
 * The attack on EncryptedCredential: a factory author takes a linked service whose password the node's operator
 * encrypted, and points it at a server of their own — by editing the file, or through a parameter — hoping the
 * gateway hands that server the password. The servers here are the attacker's: a fake PostgreSQL asking for a
 * cleartext password (test/support/fakePostgres.ts), a bare TCP listener standing for a MySQL server, an HTTP server
 * standing for a blob endpoint. Everything runs through the built CLI, as an operator would run it.
 * The credential must never leave: no connection reaches the attacker's server, the run fails naming both targets,
 * and the planted secret is in no output and no file of the gateway home.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, type CliResult } from '../support/builtCli.js';
import { startFakePostgres, type FakePostgres } from '../support/fakePostgres.js';

ensureBuilt();

let dir: string;
let home: string;
let fake: FakePostgres;
const planted = `Planted-${randomBytes(9).toString('base64url')}`;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, DMGW_HOME: home, DMGW_VERBOSE: '1' });
const dmgw = (args: string[], input?: string): Promise<CliResult> => runCli(args, { env: env(), input });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dmgw-binding-'));
  home = join(dir, 'home');
  expect((await dmgw(['cert', 'new'])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await startFakePostgres();
});
afterEach(async () => {
  await fake.close();
});

/** A factory with linked service `Pg` (written by `ls`), a table dataset on it, a Copy to files and a stored procedure. */
function factory(linkedService: Record<string, unknown>): { dir: string; lsFile: string } {
  const f = mkdtempSync(join(dir, 'factory-'));
  for (const k of ['linkedService', 'dataset', 'pipeline']) mkdirSync(join(f, k));
  const w = (kind: string, name: string, properties: unknown) => writeFileSync(join(f, kind, `${name}.json`), JSON.stringify({ name, properties }, null, 4));
  w('linkedService', 'Pg', linkedService);
  w('linkedService', 'Files', { type: 'FileServer', typeProperties: { host: join(f, 'out') } });
  const lsParams = (linkedService.parameters ?? {}) as Record<string, unknown>;
  w('dataset', 'Src', {
    type: 'PostgreSqlTable',
    parameters: Object.fromEntries(Object.keys(lsParams).map((k) => [k, { type: 'String' }])),
    linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference', parameters: Object.fromEntries(Object.keys(lsParams).map((k) => [k, `@dataset().${k}`])) },
    typeProperties: { schema: 'public', table: 'orders' },
  });
  w('dataset', 'Out', { type: 'DelimitedText', linkedServiceName: { referenceName: 'Files', type: 'LinkedServiceReference' }, typeProperties: { location: { type: 'FileServerLocation', fileName: 'orders.csv' }, firstRowAsHeader: true } });
  w('pipeline', 'Copy', {
    parameters: Object.fromEntries(Object.entries(lsParams).map(([k, v]) => [k, v])),
    activities: [
      {
        name: 'CopyOrders',
        type: 'Copy',
        inputs: [{ referenceName: 'Src', type: 'DatasetReference', parameters: Object.fromEntries(Object.keys(lsParams).map((k) => [k, `@pipeline().parameters.${k}`])) }],
        outputs: [{ referenceName: 'Out', type: 'DatasetReference' }],
        // a retry cannot change the binding: the first refusal is final
        policy: { retry: 2, retryIntervalInSeconds: 30 },
        typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink' } },
      },
    ],
  });
  w('pipeline', 'Proc', {
    activities: [{ name: 'CallIt', type: 'SqlServerStoredProcedure', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, typeProperties: { storedProcedureName: 'public.refresh' } }],
  });
  return { dir: f, lsFile: join(f, 'linkedService', 'Pg.json') };
}

/** The operator encrypts the password for the real server (nothing connects while encrypting). */
async function encrypt(file: string, secret = planted): Promise<CliResult> {
  const r = await dmgw(['encrypt', file, '--password-stdin'], `${secret}\n`);
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(file, 'utf8')).not.toContain(secret);
  return r;
}

/** The author's edit: the same file, one value changed. */
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

function filesUnder(d: string): string[] {
  return readdirSync(d, { recursive: true, encoding: 'utf8' })
    .map((n) => join(d, n))
    .filter((p) => statSync(p).isFile());
}

/** The planted secret is nowhere: not in what the CLI printed, not in any file of the gateway home (logs). */
function expectNoSecret(secret: string, ...outputs: CliResult[]): void {
  for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(secret);
  for (const f of filesUnder(home)) expect(readFileSync(f, 'utf8'), f).not.toContain(secret);
}

interface RunJson {
  status: string;
  activities: Array<{ name: string; status: string; attempts: number; error?: { code: string; message: string; hint?: string } }>;
}

const pgService = (cs: string, extra: Record<string, unknown> = {}) => ({ type: 'PostgreSql', typeProperties: { connectionString: cs }, ...extra });

describe('a PostgreSQL credential only goes to the server it was encrypted for', () => {
  it('pointed at another server by editing the file: dmgw run refuses before connecting, naming both targets', async () => {
    const f = factory(pgService('Server=127.0.0.1;Port=5432;Database=test;UID=postgres'));
    const enc = await encrypt(f.lsFile);
    edit(f.lsFile, 'Port=5432', `Port=${fake.port}`);
    const r = await dmgw(['run', '-f', f.dir, '-p', 'Copy', '--json']);
    expect(fake.passwords).toEqual([]);
    expect(fake.connections).toBe(0);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as RunJson;
    const error = result.activities[0]!.error!;
    expect(error.code).toBe('CREDENTIAL_TARGET_MISMATCH');
    expect(error.message).toContain('postgres@127.0.0.1:5432/test');
    expect(error.message).toContain(`postgres@127.0.0.1:${fake.port}/test`);
    expect(error.message).toContain('Pg');
    expect(error.hint).toContain('dmgw encrypt');
    expect(result.activities[0]!.attempts).toBe(1);
    expectNoSecret(planted, enc, r);
    expect(enc.stdout).toContain('bound to PostgreSql postgres@127.0.0.1:5432/test');
  });

  it('pointed at another server through a parameter: the credential is bound to the default, another value is refused', async () => {
    const f = factory(pgService('Server=127.0.0.1;Port=@{linkedService().port};Database=test;UID=postgres', { parameters: { port: { type: 'String', defaultValue: '5432' } } }));
    const enc = await encrypt(f.lsFile);
    const r = await dmgw(['run', '-f', f.dir, '-p', 'Copy', '--param', `port=${fake.port}`, '--json']);
    expect(fake.passwords).toEqual([]);
    expect(fake.connections).toBe(0);
    const error = (JSON.parse(r.stdout) as RunJson).activities[0]!.error!;
    expect(error.code).toBe('CREDENTIAL_TARGET_MISMATCH');
    expect(error.message).toContain(`postgres@127.0.0.1:${fake.port}/test`);
    expectNoSecret(planted, enc, r);
    expect(enc.stdout).toContain('bound to PostgreSql postgres@127.0.0.1:5432/test');
  });

  it('the stored procedure activity and dmgw test-connection refuse the same way', async () => {
    const f = factory(pgService('Server=127.0.0.1;Port=5432;Database=test;UID=postgres'));
    const enc = await encrypt(f.lsFile);
    edit(f.lsFile, 'Server=127.0.0.1;Port=5432', `Server=localhost;Port=${fake.port}`);
    const proc = await dmgw(['run', '-f', f.dir, '-p', 'Proc', '--json']);
    const error = (JSON.parse(proc.stdout) as RunJson).activities[0]!.error!;
    expect(error.code).toBe('CREDENTIAL_TARGET_MISMATCH');
    expect(error.message).toContain(`postgres@localhost:${fake.port}/test`);
    const test = await dmgw(['test-connection', '-f', f.dir, '-l', 'Pg', '--json']);
    expect(test.code).toBe(1);
    expect(JSON.parse(test.stdout)).toMatchObject({ ok: false, code: 'CREDENTIAL_TARGET_MISMATCH' });
    expect(fake.connections).toBe(0);
    expect(fake.passwords).toEqual([]);
    expectNoSecret(planted, enc, proc, test);
  });
});

describe('MySQL/MariaDB and Azure Blob credentials are bound too', () => {
  let listener: TcpServer;
  let tcpConnections = 0;
  let http: HttpServer;
  const requests: string[] = [];
  let tcpPort = 0;
  let httpPort = 0;

  beforeAll(async () => {
    listener = createTcpServer((s) => {
      tcpConnections++;
      s.on('error', () => undefined);
      setTimeout(() => s.destroy(), 100);
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    tcpPort = (listener.address() as { port: number }).port;
    http = createHttpServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
      res.writeHead(403).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => listener.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  });

  it('MariaDB: a changed port is refused before any connection', async () => {
    const f = factory({ type: 'MariaDB', typeProperties: { connectionString: 'Server=127.0.0.1;Port=3306;Database=test;UID=root' } });
    const enc = await encrypt(f.lsFile);
    edit(f.lsFile, 'Port=3306', `Port=${tcpPort}`);
    const r = await dmgw(['test-connection', '-f', f.dir, '-l', 'Pg', '--json', '--timeout', '3']);
    expect(tcpConnections).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'CREDENTIAL_TARGET_MISMATCH' });
    expect(JSON.parse(r.stdout).message).toContain(`root@127.0.0.1:${tcpPort}/test`);
    expectNoSecret(planted, enc, r);
    expect(enc.stdout).toContain('bound to MySql root@127.0.0.1:3306/test');
  });

  it('Azure Blob: a changed endpoint is refused before any request (the SAS never travels)', async () => {
    const sig = `PlantedSig${randomBytes(9).toString('hex')}`;
    const sas = `sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=${sig}`;
    const f = factory({ type: 'AzureBlobStorage', typeProperties: { connectionString: `BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=${sas}` } });
    const enc = await encrypt(f.lsFile, sas);
    edit(f.lsFile, 'http://127.0.0.1:10000/', `http://127.0.0.1:${httpPort}/`);
    const r = await dmgw(['test-connection', '-f', f.dir, '-l', 'Pg', '--json', '--timeout', '5']);
    expect(requests).toEqual([]);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'CREDENTIAL_TARGET_MISMATCH' });
    expectNoSecret(sig, enc, r);
    expect(enc.stdout).toContain('bound to AzureBlobStorage devstoreaccount1 at http://127.0.0.1:10000/devstoreaccount1');
  });
});
