/**
 * `dmgw service start --postgres` (built CLI): a password inside the URL is refused (exit 2) without being repeated,
 * naming the ways that keep it off the command line; PGPASSWORD, --postgres-password-file and
 * --postgres-password-stdin start the service on the real PostgreSQL (trust auth: any password is accepted), and a
 * fake PostgreSQL server that asks for a cleartext password receives exactly the one given each way.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../support/builtCli.js';
import { armClient, CLI, tempDir } from '../../support/factoryService.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schemas: string[] = [];

interface Started {
  code: number | null;
  ready?: { url: string; caCertFile: string; adminTokenFile: string };
  stderr: string;
  stop(): Promise<void>;
}

/** `dmgw service start ARGS` with `input` on stdin: resolves on its ready line, or when it exits. */
function start(args: string[], o: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Started> {
  const env = { ...process.env, ...o.env };
  if (!o.env?.PGPASSWORD) delete env.PGPASSWORD;
  const child = spawn(process.execPath, [CLI, 'service', 'start', '--host', '127.0.0.1', '--port', '0', '--data', tempDir('dmgw-pgpw'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(o.input ?? '');
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve) => {
    createInterface({ input: child.stdout }).once('line', (l) => resolve({ code: null, ready: JSON.parse(l), get stderr() { return stderr; }, stop }));
    void exited.then((code) => resolve({ code, get stderr() { return stderr; }, stop }));
  });
}

/** A PostgreSQL server that asks for a cleartext password, records it, and refuses the login. */
async function passwordCatcher(): Promise<{ server: Server; url: string; passwords: string[] }> {
  const passwords: string[] = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!started && buf.length >= 4 && buf.length >= buf.readInt32BE(0)) {
        buf = buf.subarray(buf.readInt32BE(0));
        started = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
      if (started && buf.length >= 5 && buf[0] === 0x70 && buf.length >= 1 + buf.readInt32BE(1)) {
        passwords.push(buf.subarray(5, buf.readInt32BE(1)).toString('utf8').replace(/\0$/, ''));
        const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0');
        const e = Buffer.alloc(5);
        e.write('E');
        e.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([e, fields]));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `postgres://gateway@127.0.0.1:${(server.address() as AddressInfo).port}/factory`, passwords };
}

beforeAll(() => ensureBuilt());
afterAll(async () => {
  if (!up || !schemas.length) return;
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  for (const s of schemas) await db.query(`drop schema if exists ${s} cascade`);
  await db.end();
});

describe('dmgw service start --postgres: the password never on the command line', () => {
  it.each([
    ['in the URL', (u: URL) => ((u.password = 'Cl1-secret-pw'), u.toString())],
    ['as a URL parameter', (u: URL) => (u.searchParams.set('password', 'Cl1-secret-pw'), u.toString())],
  ])('refuses a password %s (exit 2), naming the other ways and not repeating it', async (_how, put) => {
    const r = await start(['--postgres', put(new URL('postgres://postgres@127.0.0.1:5432/test'))]);
    expect(r.ready).toBeUndefined();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('carries a password');
    for (const way of ['PGPASSWORD', '--postgres-password-file FILE', '--postgres-password-stdin']) expect(r.stderr).toContain(way);
    expect(r.stderr).not.toContain('Cl1-secret-pw');
  });

  it('refuses a password file and stdin together, and either without --postgres', async () => {
    const both = await start(['--postgres', PG_URL, '--postgres-password-file', '/nonexistent', '--postgres-password-stdin']);
    expect([both.code, both.ready]).toEqual([2, undefined]);
    const alone = await start(['--postgres-password-stdin'], { input: 'x' });
    expect([alone.code, alone.ready]).toEqual([2, undefined]);
    expect(alone.stderr).toContain('without --postgres');
  });

  it('hands a fake server asking for a cleartext password exactly the one from PGPASSWORD, a file or stdin', async () => {
    const fake = await passwordCatcher();
    try {
      const file = join(tempDir('dmgw-pgpw-file'), 'pg-password');
      writeFileSync(file, 'From-the-file pw\n', { mode: 0o600 });
      const ways: Array<[string, Parameters<typeof start>]> = [
        ['From-the-env pw', [['--postgres', fake.url], { env: { PGPASSWORD: 'From-the-env pw' } }]],
        ['From-the-file pw', [['--postgres', fake.url, '--postgres-password-file', file]]],
        ['From-stdin pw', [['--postgres', fake.url, '--postgres-password-stdin'], { input: 'From-stdin pw\n' }]],
      ];
      for (const [password, args] of ways) {
        const r = await start(...args);
        expect(r.ready, r.stderr).toBeUndefined();
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('password authentication failed');
        expect(fake.passwords.at(-1)).toBe(password);
        expect(r.stderr).not.toContain(password);
      }
      expect(fake.passwords).toHaveLength(3);
    } finally {
      fake.server.close();
    }
  });

  it.skipIf(!up).each(['PGPASSWORD', 'file', 'stdin'])('starts on the real PostgreSQL with the password from %s', async (way) => {
    const schema = uniqueName('dmgw_pgpw');
    schemas.push(schema);
    const file = join(tempDir('dmgw-pgpw-file'), 'pg-password');
    writeFileSync(file, 'trust-accepts-any\n', { mode: 0o600 });
    const args = ['--postgres', PG_URL, '--schema', schema];
    const r =
      way === 'PGPASSWORD' ? await start(args, { env: { PGPASSWORD: 'trust-accepts-any' } }) : way === 'file' ? await start([...args, '--postgres-password-file', file]) : await start([...args, '--postgres-password-stdin'], { input: 'trust-accepts-any' });
    try {
      expect(r.ready, r.stderr).toBeDefined();
      const names: string[] = [];
      for await (const f of armClient(r.ready!).factories.list()) names.push(f.name!);
      expect(names).toEqual([]);
      expect(r.stderr).toContain('store: postgres');
    } finally {
      await r.stop();
    }
  });
});
