/**
 * The credential endpoint end to end: the built CLI's `dmgw host --credential-endpoint 0`, real HTTPS requests that
 * pin the endpoint's own TLS certificate (never the gateway certificate, whose key decrypts credentials), a result
 * the gateway decrypts, planted secrets nowhere on disk or in the logs, the endpoint as the host's only listening
 * socket, and a TLS rotation picked up while it runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptLinkedService } from '../../src/agent/credentials/decrypt.js';
import { parseConnectionString } from '../../src/common/connectionString.js';
import type { LinkedService } from '../../src/common/model/types.js';
import { ensureBuilt } from '../support/builtCli.js';
import { tempDir } from '../support/factoryService.js';

const CLI = ensureBuilt();
const home = tempDir('dmgw-credep');
const env = { ...process.env, DMGW_HOME: home };
const dmgw = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
const SECRET_IN_TEXT = `Planted-${Math.random().toString(36).slice(2)}-pw`;
const SECRET_SUPPLIED = `Supplied-${Math.random().toString(36).slice(2)}-pw`;
let host: ChildProcess;
const hostErr: string[] = [];
let port = 0;
let certPem = '';
let thumbprint = '';
let gatewayKeyFile = '';
let tlsPem = '';
let tlsThumbprint = '';
let token = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const state = () => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { pid: number; credentialEndpoint?: { listening: boolean; port: number; host: string } };
  } catch {
    return undefined;
  }
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
  peer?: string;
  peerDer?: Buffer;
}

/** An HTTPS call that trusts only the endpoint's TLS certificate and checks its thumbprint instead of a host name. */
function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; pin?: { pem: string; thumbprint: string } } = {}): Promise<Answer> {
  const pin = opts.pin ?? { pem: tlsPem, thumbprint: tlsThumbprint };
  return new Promise((resolve, reject) => {
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        ca: pin.pem,
        checkServerIdentity: (_h: string, c: PeerCertificate) => (c.fingerprint256.replace(/:/g, '') === pin.thumbprint ? undefined : new Error(`unexpected certificate ${c.fingerprint256}`)),
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        agent: false,
      },
      (res) => {
        const peerCert = (res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate();
        const peer = peerCert.fingerprint256.replace(/:/g, '');
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, peer, peerDer: peerCert.raw }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function listeningSockets(pid: number): string[] {
  const inodes = new Map<string, string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') inodes.set(cols[9]!, cols[1]!);
    }
  }
  const mine = readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
  return mine.filter((l) => l.startsWith('socket:[') && inodes.has(l.slice(8, -1))).map((l) => inodes.get(l.slice(8, -1))!);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('credential endpoint (dmgw host --credential-endpoint)', () => {
  beforeAll(async () => {
    expect(dmgw(['cert', 'new']).status).toBe(0);
    const show = JSON.parse(dmgw(['cert', 'show', '--json']).stdout) as { certificates: Array<{ thumbprint: string; certificateFile: string; current: boolean }> };
    const cur = show.certificates.find((c) => c.current)!;
    thumbprint = cur.thumbprint;
    certPem = readFileSync(cur.certificateFile, 'utf8');
    gatewayKeyFile = (show.certificates.find((c) => c.current) as unknown as { privateKeyFile: string }).privateKeyFile;
    token = dmgw(['credential-endpoint', 'token']).stdout.trim();
    // what a credential manager is told to pin: the endpoint's own certificate (made here, on first use)
    const tls = JSON.parse(dmgw(['credential-endpoint', 'tls', '--json']).stdout) as { thumbprint: string; certificateFile: string };
    tlsThumbprint = tls.thumbprint;
    tlsPem = readFileSync(tls.certificateFile, 'utf8');
    host = spawn(process.execPath, [CLI, 'host', '--credential-endpoint', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    host.stderr!.on('data', (c: Buffer) => hostErr.push(c.toString('utf8')));
    const deadline = Date.now() + 30_000;
    while (!(state()?.pid === host.pid && state()?.credentialEndpoint?.listening)) {
      if (Date.now() > deadline) throw new Error(`the endpoint did not start:\n${hostErr.join('')}`);
      await sleep(100);
    }
    port = state()!.credentialEndpoint!.port;
  }, 60_000);

  afterAll(() => {
    host?.kill('SIGKILL');
  });

  it('serves TLS with its own key pair, not the gateway certificate; health and certificate answer', async () => {
    const health = await call('GET', '/v1/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', thumbprint, tlsThumbprint }, peer: tlsThumbprint });
    // the certificate presented is not the gateway certificate, and its key is another key
    expect(health.peer).not.toBe(thumbprint);
    const spki = (pem: string | Buffer) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(health.peerDer!).equals(spki(certPem))).toBe(false);
    const tlsKey = createPrivateKey(readFileSync(join(home, 'credential-endpoint', 'tls-private-key.pem'), 'utf8'));
    expect(createPublicKey(tlsKey).export({ type: 'spki', format: 'der' }).equals(spki(certPem))).toBe(false);
    expect(createPublicKey(createPrivateKey(readFileSync(gatewayKeyFile, 'utf8'))).export({ type: 'spki', format: 'der' }).equals(spki(health.peerDer!))).toBe(false);
    expect(statSync(join(home, 'credential-endpoint', 'tls-private-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'credential-endpoint')).mode & 0o777).toBe(0o700);
    // a client that pins the gateway certificate (as it used to) no longer gets through
    await expect(call('GET', '/v1/health', { pin: { pem: certPem, thumbprint } })).rejects.toThrow();
    // /v1/certificate still gives the gateway certificate: what credentials are encrypted for
    const cert = await call('GET', '/v1/certificate', { token });
    expect(cert.status).toBe(200);
    expect(cert.body.thumbprint).toBe(thumbprint);
    expect(cert.body.certificate).toBe(certPem);
  });

  it('encrypts a linked service: the answer holds no plaintext and the gateway decrypts it', async () => {
    const ls = { name: 'OnPremPg', properties: { type: 'PostgreSql', typeProperties: { connectionString: `Server=db;Port=5432;Database=sales;UID=loader;Password=${SECRET_IN_TEXT}` } } };
    const r = await call('POST', '/v1/encrypt', { token, body: { linkedService: JSON.stringify(ls, null, 2) } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const text = r.body.linkedService as string;
    expect(text).not.toContain(SECRET_IN_TEXT);
    expect(text).toContain('EncryptedCredential=');
    expect(r.body).toMatchObject({ thumbprint, location: 'connectionString', changed: true, boundTo: 'PostgreSql loader@db:5432/sales', target: { type: 'PostgreSql', host: 'db', port: 5432, database: 'sales', user: 'loader', tls: 'off' } });
    const parsed = JSON.parse(text) as LinkedService;
    const usable = await decryptLinkedService(parsed, { home });
    expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('Password')).toBe(SECRET_IN_TEXT);

    // a secret supplied beside a linked service whose connection string has none
    const bare = { name: 'OnPremPg2', properties: { type: 'PostgreSql', typeProperties: { connectionString: 'Server=db;Database=sales;UID=loader' } } };
    const r2 = await call('POST', '/v1/encrypt', { token, body: { linkedService: bare, secret: SECRET_SUPPLIED } });
    expect(r2.status, JSON.stringify(r2.body)).toBe(200);
    expect(r2.body.linkedService as string).not.toContain(SECRET_SUPPLIED);
    const usable2 = await decryptLinkedService(JSON.parse(r2.body.linkedService as string) as LinkedService, { home });
    expect(parseConnectionString(usable2.properties.typeProperties.connectionString as string).get('Password')).toBe(SECRET_SUPPLIED);
  });

  it('refuses a wrong or missing token (401), a bad body (400) and rate-limits failures (429)', async () => {
    const body = { linkedService: { name: 'x', properties: { type: 'PostgreSql', typeProperties: { connectionString: `Password=${SECRET_IN_TEXT}` } } } };
    expect((await call('POST', '/v1/encrypt', { body })).status).toBe(401);
    expect((await call('POST', '/v1/encrypt', { token: `${token}x`, body })).status).toBe(401);
    expect((await call('GET', '/v1/certificate', { token: token.slice(0, -1) })).status).toBe(401);
    const bad = await call('POST', '/v1/encrypt', { token, raw: `{"linkedService": "${SECRET_IN_TEXT}` });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain(SECRET_IN_TEXT);
    const big = await call('POST', '/v1/encrypt', { token, raw: JSON.stringify({ linkedService: 'x'.repeat(300 * 1024) }) });
    expect(big.status).toBe(413);
    // 3 failures so far from 127.0.0.1; the limit is 5 a minute
    expect((await call('GET', '/v1/certificate', { token: 'nope' })).status).toBe(401);
    expect((await call('GET', '/v1/certificate', { token: 'nope' })).status).toBe(401);
    const limited = await call('GET', '/v1/certificate', { token });
    expect(limited.status).toBe(429);
  });

  it('status --json reports the endpoint; the token file is 0600', () => {
    const st = JSON.parse(dmgw(['status', '--json']).stdout) as { credentialEndpoint: unknown };
    expect(st.credentialEndpoint).toMatchObject({ enabled: true, host: '127.0.0.1', port, listening: true, thumbprint, tlsThumbprint });
    expect(statSync(join(home, 'credential-endpoint.token')).mode & 0o777).toBe(0o600);
  });

  it('its only listening socket is the endpoint, on 127.0.0.1', () => {
    const sockets = listeningSockets(host.pid!);
    // /proc/net/tcp writes 127.0.0.1:port as 0100007F:PORTHEX
    expect(sockets).toEqual([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`]);
  });

  it('a rotated TLS pair is served within seconds; clients pin the new thumbprint', async () => {
    const rotated = JSON.parse(dmgw(['credential-endpoint', 'tls', '--rotate', '--json']).stdout) as { thumbprint: string; certificateFile: string };
    expect(rotated.thumbprint).not.toBe(tlsThumbprint);
    const next = { pem: readFileSync(rotated.certificateFile, 'utf8'), thumbprint: rotated.thumbprint };
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await call('GET', '/v1/health', { pin: next }).catch(() => undefined);
      if (r?.peer === next.thumbprint) break;
      if (Date.now() > deadline) throw new Error('the endpoint did not serve the rotated certificate');
      await sleep(200);
    }
    await expect(call('GET', '/v1/health')).rejects.toThrow();
    tlsPem = next.pem;
    tlsThumbprint = next.thumbprint;
    expect((await call('GET', '/v1/health')).body.tlsThumbprint).toBe(tlsThumbprint);
  });

  it('planted secrets are in no file of the home and in no log line; the log names the requests', () => {
    const files = filesUnder(home);
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      expect(text.includes(SECRET_IN_TEXT) || text.includes(SECRET_SUPPLIED), f).toBe(false);
    }
    expect(hostErr.join('')).not.toContain(SECRET_IN_TEXT);
    const log = readFileSync(join(home, 'logs', 'dmgw.log'), 'utf8');
    expect(log).toContain('POST /v1/encrypt from 127.0.0.1 → 200');
    expect(log).toContain('→ 401');
    expect(log).not.toContain(token);
  });
});
