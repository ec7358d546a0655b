/**
 * A real HTTP proxy for tests: Debian's tinyproxy, our own instance with a temporary config on a free loopback port
 * (only 127.0.0.1 allowed, CONNECT only to the given ports, Basic auth when asked), logging every request so a test
 * can see the CONNECTs. `scripts/services.sh` installs tinyproxy when it is missing; without it the tests skip with
 * the reason, except under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from './servers.js';

export interface Tinyproxy {
  port: number;
  /** http://127.0.0.1:PORT — no credentials */
  url: string;
  /** the proxy's log so far */
  log(): string;
  stop(): Promise<void>;
}

export function tinyproxyBinary(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v tinyproxy || ls /usr/bin/tinyproxy /usr/sbin/tinyproxy 2>/dev/null | head -1'], { encoding: 'utf8' });
  return r.stdout.trim().split('\n')[0] || undefined;
}

/** true when tinyproxy is installed; false (after printing why) when the suite should skip; throws in CI. */
export function requireTinyproxy(): boolean {
  if (tinyproxyBinary()) return true;
  const msg = 'tinyproxy is not installed (apt-get install -y tinyproxy; scripts/services.sh does it)';
  if (process.env.CI === 'true') throw new Error(`${msg}: CI needs it`);
  console.warn(`SKIP: ${msg}`);
  return false;
}

export async function startTinyproxy(opts: { connectPorts: number[]; basicAuth?: { user: string; password: string } }): Promise<Tinyproxy> {
  const bin = tinyproxyBinary();
  if (!bin) throw new Error('tinyproxy is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'dmgw-tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 600',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    'MaxClients 50',
    'Allow 127.0.0.1',
    ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
  ];
  writeFileSync(join(dir, 'tinyproxy.conf'), `${conf.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(logFile, '');
  const child: ChildProcess = spawn(bin, ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await portOpen(port))) {
    child.kill('SIGKILL');
    throw new Error(`tinyproxy did not start on port ${port}: ${readFileSync(logFile, 'utf8')}`);
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
