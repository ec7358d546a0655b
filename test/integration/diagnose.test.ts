/**
 * `dmgw diagnose` against real parts: a real service and a registered node with its host (GatewayRig, PGlite store),
 * a factory folder whose linked services point at the real PostgreSQL and at a closed port, Debian's tinyproxy (open,
 * with Basic auth and a wrong password, and refusing the service's port), a pin that is not the service's, a server
 * with the service's own certificate whose clock is ten minutes off, a home opened to others, a regenerated key and a
 * stopped service. Each time the right check fails with the right fix, and the others say where they stopped.
 * Copies of the node's home stand in for nodes in those situations, so the rig's own node stays as it is.
 */
import { cpSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check, HealthReport } from '../../src/agent/diagnose/check.js';
import { pgConnectionString } from '../support/copyFactory.js';
import { tempDir } from '../support/factoryService.js';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { freePort, requireServer } from '../support/servers.js';
import { requireTinyproxy, startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';

const up = await requireServer('PostgreSQL', 5432);
const haveProxy = requireTinyproxy();
const PASSWORD = `Pr0xy-${Math.random().toString(36).slice(2)}`;
const rig = new GatewayRig({ factory: 'diagnose', gateway: 'diag-gw', serviceArgs: ['--heartbeat-seconds', '1'] });
const proxies: Tinyproxy[] = [];
const factoryDir = tempDir('dmgw-diag-factory');

/** A copy of the rig's home, for a node in some situation; `env` goes to dmgw. */
function homeCopy(): string {
  const h = join(tempDir('dmgw-diag-home'), 'home');
  cpSync(rig.home, h, { recursive: true, filter: (src) => !/host\.lock$|host-state\.json$/.test(src) });
  return h;
}

async function diagnose(home: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; report: HealthReport; stderr: string }> {
  const r = await rig.dmgwAsync(['diagnose', '--json', ...args], undefined, { DMGW_HOME: home, HTTPS_PROXY: '', https_proxy: '', DMGW_PROXY: '', ...extra });
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as HealthReport, stderr: r.stderr };
}
const check = (r: HealthReport, id: string): Check => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};
const statuses = (r: HealthReport, prefix: string) => Object.fromEntries(r.checks.filter((c) => c.id.startsWith(prefix)).map((c) => [c.id, c.status]));

describe.skipIf(!up)('dmgw diagnose', () => {
  beforeAll(async () => {
    await rig.start();
    mkdirSync(join(factoryDir, 'linkedService'));
    const ls = (name: string, cs: string) => writeFileSync(join(factoryDir, 'linkedService', `${name}.json`), JSON.stringify({ name, properties: { type: 'PostgreSql', typeProperties: { connectionString: cs } } }));
    ls('Pg', pgConnectionString());
    ls('Closed', `Server=127.0.0.1;Port=${await freePort()};Database=test;UID=postgres`);
  }, 120_000);

  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await rig.stop();
  });

  it('a healthy node: every step to the service ok, the credential accepted; a linked service on a closed port fails with its fix', async () => {
    const { code, report } = await diagnose(rig.home, ['--factory', factoryDir]);
    expect(statuses(report, 'route-')).toEqual({ 'route-dns': 'ok', 'route-tcp': 'ok', 'route-tls': 'ok', 'route-pin': 'ok', 'route-service-certificate': 'ok', 'route-clock': 'ok' });
    expect(check(report, 'route-pin').detail).toContain(rig.svc.fingerprint.slice(0, 16));
    expect(check(report, 'node-credential')).toMatchObject({ status: 'ok' });
    expect(check(report, 'node-credential').detail).toMatch(/the service knows node rig-node of gateway diag-gw \(authKey1, generation 1\)/);
    expect(check(report, 'host').status).toBe('ok');
    expect(check(report, 'node-version').status).toBe('ok');
    expect(check(report, 'home-permissions').status).toBe('ok');
    expect(check(report, 'linked-service:Pg')).toMatchObject({ status: 'ok' });
    const closed = check(report, 'linked-service:Closed');
    expect(closed.status).toBe('fail');
    expect(closed.detail).toMatch(/ECONNREFUSED/);
    expect(closed.fix).toMatch(/that the server runs/);
    expect(code).toBe(1);
    // kept for support bundles
    expect(JSON.parse(readFileSync(join(rig.home, 'logs', 'health-report.json'), 'utf8')).checks.length).toBe(report.checks.length);
  });

  it.skipIf(!haveProxy)('through tinyproxy: CONNECT in its log; a wrong password and a refused port fail at the proxy step with their fix', async () => {
    const open = await startTinyproxy({ connectPorts: [rig.svc.url ? Number(new URL(rig.svc.url).port) : 0] });
    const authed = await startTinyproxy({ connectPorts: [Number(new URL(rig.svc.url).port)], basicAuth: { user: 'gw', password: PASSWORD } });
    const closedPort = await startTinyproxy({ connectPorts: [1] });
    proxies.push(open, authed, closedPort);

    const viaOpen = homeCopy();
    expect((await rig.dmgwAsync(['proxy', 'set', open.url], undefined, { DMGW_HOME: viaOpen })).code).toBe(0);
    let { report } = await diagnose(viaOpen);
    expect(statuses(report, 'route-')).toMatchObject({ 'route-tcp': 'ok', 'route-proxy': 'ok', 'route-tls': 'ok', 'route-pin': 'ok', 'route-clock': 'ok' });
    expect(check(report, 'node-credential').status).toBe('ok');
    expect(open.log()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${new URL(rig.svc.url).port}`));

    const wrong = homeCopy();
    expect((await rig.dmgwAsync(['proxy', 'set', authed.url, '--user', 'gw', '--password-stdin'], 'not-the-password', { DMGW_HOME: wrong })).code).toBe(0);
    ({ report } = await diagnose(wrong));
    const px = check(report, 'route-proxy');
    expect(px).toMatchObject({ status: 'fail' });
    expect(px.detail).toMatch(/answered 40[17] to CONNECT .*refused the proxy credentials/);
    expect(px.fix).toContain('dmgw proxy set URL --user NAME --password-stdin');
    expect(statuses(report, 'route-')).toMatchObject({ 'route-tls': 'skip', 'route-pin': 'skip' });
    expect(check(report, 'node-credential').status).toBe('skip');

    const right = homeCopy();
    expect((await rig.dmgwAsync(['proxy', 'set', authed.url, '--user', 'gw', '--password-stdin'], PASSWORD, { DMGW_HOME: right })).code).toBe(0);
    ({ report } = await diagnose(right));
    expect(check(report, 'route-proxy').status).toBe('ok');
    expect(JSON.stringify(report)).not.toContain(PASSWORD);

    const refused = homeCopy();
    expect((await rig.dmgwAsync(['proxy', 'set', closedPort.url], undefined, { DMGW_HOME: refused })).code).toBe(0);
    ({ report } = await diagnose(refused));
    expect(check(report, 'route-proxy').detail).toMatch(/answered 403 .*does not allow CONNECT to that port/);
    expect(check(report, 'route-proxy').fix).toMatch(/ConnectPort/);
  });

  it('a pin that is not the service certificate fails at the pin step, saying to register again; the HTML report shows it', async () => {
    const h = homeCopy();
    const regFile = join(h, 'registration.json');
    const reg = JSON.parse(readFileSync(regFile, 'utf8')) as { serviceFingerprint: string };
    writeFileSync(regFile, JSON.stringify({ ...reg, serviceFingerprint: 'AB'.repeat(32) }));
    const { code, report } = await diagnose(h);
    const pin = check(report, 'route-pin');
    expect(pin.status).toBe('fail');
    expect(pin.detail).toContain(`the service presents certificate ${rig.svc.fingerprint.slice(0, 16)}…, this node pinned ABABABABABABABAB…`);
    expect(pin.fix).toMatch(/register again/);
    expect(statuses(report, 'route-')).toMatchObject({ 'route-tls': 'ok', 'route-clock': 'skip' });
    expect(code).toBe(1);
    const html = join(tempDir('dmgw-diag-html'), 'report.html');
    const r = await rig.dmgwAsync(['diagnose', '--html', html], undefined, { DMGW_HOME: h });
    expect(r.code).toBe(1);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<tr class="fail" id="route-pin">');
    expect(page).toContain("default-src 'none'");
  });

  it("a server with the service's certificate and a clock ten minutes ahead: the clock check fails with its fix", async () => {
    const tls = { cert: readFileSync(join(rig.svc.dataDir, 'tls', 'service.crt.pem')), key: readFileSync(join(rig.svc.dataDir, 'tls', 'service.key.pem')) };
    const server = createServer(tls, (_req, res) => {
      res.sendDate = false;
      res.writeHead(200, { date: new Date(Date.now() - 600_000).toUTCString(), 'content-type': 'text/plain' }).end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const h = homeCopy();
      const regFile = join(h, 'registration.json');
      const reg = JSON.parse(readFileSync(regFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(regFile, JSON.stringify({ ...reg, serviceUrl: `https://127.0.0.1:${(server.address() as { port: number }).port}` }));
      const { report } = await diagnose(h);
      expect(check(report, 'route-pin').status).toBe('ok');
      const clock = check(report, 'route-clock');
      expect(clock.status).toBe('fail');
      expect(clock.detail).toMatch(/this machine's clock is (599|600|601) s ahead of the service's/);
      expect(clock.fix).toMatch(/timedatectl set-ntp true/);
    } finally {
      server.close();
    }
  });

  it('a home other accounts can read fails with the chmod to run', async () => {
    const h = homeCopy();
    chmodSync(h, 0o755);
    const { report } = await diagnose(h);
    expect(check(report, 'home-permissions')).toMatchObject({ status: 'fail', fix: `chmod 700 ${h}` });
  });

  it('a regenerated key: the service refuses the credential, and the fix is to register with a current key', async () => {
    const h = homeCopy();
    await rig.arm.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, rig.factory, rig.gateway, { keyName: 'authKey1' });
    const { report } = await diagnose(h);
    const cred = check(report, 'node-credential');
    expect(cred.status).toBe('fail');
    expect(cred.detail).toMatch(/the service refuses this node's credential: the authKey1 this node registered with was regenerated/);
    expect(cred.fix).toMatch(/dmgw register --key-stdin/);
    expect(check(report, 'route-pin').status).toBe('ok');
  });

  it('a stopped service: the TCP step fails, saying to start it; the later steps are not tried', async () => {
    await rig.svc.stop('SIGTERM');
    const { code, report } = await diagnose(rig.home);
    const tcp = check(report, 'route-tcp');
    expect(tcp.status).toBe('fail');
    expect(tcp.detail).toMatch(/cannot connect to the factory service .*ECONNREFUSED/);
    expect(tcp.fix).toMatch(/is the factory service running \(dmgw service start\)/);
    expect(statuses(report, 'route-')).toMatchObject({ 'route-dns': 'ok', 'route-tls': 'skip', 'route-pin': 'skip', 'route-clock': 'skip' });
    expect(check(report, 'node-credential').status).toBe('skip');
    expect(code).toBe(1);
  });
});
