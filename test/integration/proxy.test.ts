/**
 * The agent's outbound channel through a real HTTP proxy (tinyproxy, our own instance per test): registration and a
 * job through it, without and with Basic auth; the proxy's log shows the CONNECTs and the host holds sockets to the
 * proxy only; a wrong password is a clear error; the password is never written in plaintext, neither in the home
 * (proxy.json holds a JWE) nor in logs or output. The job copies a CSV file to another folder on this machine, so
 * no database is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { ensureBuilt, runCli, type CliResult } from '../support/builtCli.js';
import { armClient, CLI, RESOURCE_GROUP, startTestService, tempDir } from '../support/factoryService.js';
import { allowFileRoots } from '../support/gatewayHome.js';
import { requireTinyproxy, startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';
import { until } from '../support/wait.js';
import type { RunningService } from '../../src/service/service.js';

const haveProxy = requireTinyproxy();
const F = 'proxied';
const GW = 'behind-proxy';
const PASSWORD = `Pr0xy-${Math.random().toString(36).slice(2)}-pw`;
const ROWS = 500;

let svc: RunningService & { logs: string[] };
let arm: DataFactoryManagementClient;
let files: string;
const proxies: Tinyproxy[] = [];
const hosts: ChildProcess[] = [];
const outputs: string[] = [];

const dmgw = async (home: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
  const r = await runCli(args, { env: { ...process.env, DMGW_HOME: home, HTTPS_PROXY: '', https_proxy: '', DMGW_PROXY: '', ...env }, input });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const hostState = (home: string) => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { status: string; message?: string };
  } catch {
    return undefined;
  }
};
/** The host of `home`, its operator having opened the jobs' files folder to pipelines. */
function startHost(home: string, args: string[] = []): ChildProcess {
  allowFileRoots(home, files);
  const h = spawn(process.execPath, [CLI, 'host', ...args], { env: { ...process.env, DMGW_HOME: home, HTTPS_PROXY: '', https_proxy: '', DMGW_PROXY: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  h.stderr!.on('data', (b: Buffer) => outputs.push(b.toString()));
  hosts.push(h);
  return h;
}
/** Remote ports of the TCP connections a process holds (from /proc): whom it talks to. */
function remotePorts(pid: number): number[] {
  const inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]; } catch { return undefined; } }).filter(Boolean));
  const ports: number[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && inodes.has(c[9]) && c[3] === '01') ports.push(parseInt(c[2]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
/** Every file under a folder, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');
}
async function runCopy(): Promise<string> {
  const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'CopyFile');
  const run = await until(`run ${runId}`, async () => {
    const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    return ['Succeeded', 'Failed', 'Cancelled'].includes(r.status!) ? r : undefined;
  }, 90_000);
  expect([run.status, run.message]).toEqual(['Succeeded', '']);
  return runId;
}

describe.skipIf(!haveProxy)('the agent through an HTTP proxy (tinyproxy)', () => {
  beforeAll(async () => {
    ensureBuilt();
    // short polls, so a host notices a changed proxy within seconds
    svc = await startTestService({ settings: { pollWaitSeconds: 3, heartbeatSeconds: 2 } });
    arm = armClient(svc);
    files = tempDir('dmgw-proxy-files');
    mkdirSync(join(files, 'in'));
    writeFileSync(join(files, 'in', 'orders.csv'), `id,t\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},row ${i + 1}`).join('\n')}\n`);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Files', { properties: { type: 'FileServer', typeProperties: { host: files }, connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } } as never);
    for (const [name, folder] of [['In', 'in'], ['Out', 'out']]) {
      await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, name!, { properties: { type: 'DelimitedText', linkedServiceName: { referenceName: 'Files', type: 'LinkedServiceReference' }, typeProperties: { location: { type: 'FileServerLocation', folderPath: folder, fileName: 'orders.csv' }, firstRowAsHeader: true } } } as never);
    }
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'CopyFile', { properties: { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'In', type: 'DatasetReference' }], outputs: [{ referenceName: 'Out', type: 'DatasetReference' }], typeProperties: { source: { type: 'DelimitedTextSource' }, sink: { type: 'DelimitedTextSink' } } }] } } as never);
  }, 120_000);

  afterEach(() => {
    for (const h of hosts.splice(0)) h.kill('SIGKILL');
  });

  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await svc?.close();
  });

  const servicePort = () => Number(new URL(svc.url).port);
  const key = async (name: 'authKey1' | 'authKey2') => (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW))[name]!;

  it('without auth: dmgw register --proxy and dmgw host go through it; the host talks to the proxy only', async () => {
    const proxy = await startTinyproxy({ connectPorts: [servicePort()] });
    proxies.push(proxy);
    const home = tempDir('dmgw-proxy-open');
    const reg = await dmgw(home, ['register', '--key-stdin', '--node-name', 'open', '--proxy', proxy.url], await key('authKey1'));
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stdout).toContain(`through the proxy ${proxy.url} (from --proxy)`);
    expect(proxy.log()).toContain(`CONNECT 127.0.0.1:${servicePort()} HTTP/1.1`);

    const host = startHost(home);
    await until('the host online', () => hostState(home)?.status === 'Online' || undefined);
    const before = (proxy.log().match(/CONNECT 127\.0\.0\.1:\d+/g) ?? []).length;
    await runCopy();
    expect(readFileSync(join(files, 'out', 'orders.csv'), 'utf8')).toBe(readFileSync(join(files, 'in', 'orders.csv'), 'utf8'));
    // the host's connections are all to the proxy (none straight to the service)
    const ports = remotePorts(host.pid!);
    expect(ports.length).toBeGreaterThan(0);
    expect(ports.filter((p) => p !== proxy.port)).toEqual([]);
    expect((proxy.log().match(/CONNECT 127\.0\.0\.1:\d+/g) ?? []).length).toBeGreaterThanOrEqual(before);
    const show = JSON.parse((await dmgw(home, ['proxy', 'show', '--json'])).stdout) as { effective: { url: string; source: string } };
    expect(show.effective).toMatchObject({ url: proxy.url, source: 'gateway home' });
  });

  it('with Basic auth: the password stored only as a JWE; a job goes through; no secret in the home, logs or output', async () => {
    const proxy = await startTinyproxy({ connectPorts: [servicePort()], basicAuth: { user: 'gateway', password: PASSWORD } });
    proxies.push(proxy);
    const home = tempDir('dmgw-proxy-auth');
    expect((await dmgw(home, ['cert', 'new'])).code).toBe(0);
    const set = await dmgw(home, ['proxy', 'set', proxy.url, '--user', 'gateway', '--password-stdin'], PASSWORD);
    expect(set.code, set.stderr).toBe(0);
    const stored = JSON.parse(readFileSync(join(home, 'proxy.json'), 'utf8')) as { url: string; username: string; sealedPassword: string };
    expect(stored).toMatchObject({ url: proxy.url, username: 'gateway' });
    expect(stored.sealedPassword.split('.')).toHaveLength(5);
    expect(statSync(join(home, 'proxy.json')).mode & 0o777).toBe(0o600);

    const reg = await dmgw(home, ['register', '--key-stdin', '--node-name', 'authed'], await key('authKey2'));
    expect(reg.code, reg.stderr).toBe(0);
    startHost(home);
    await until('the host online', () => hostState(home)?.status === 'Online' || undefined);
    await runCopy();
    expect(proxy.log()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${servicePort()} HTTP/1\\.1`));

    const base64 = Buffer.from(`gateway:${PASSWORD}`).toString('base64');
    const everything = [allText(home), outputs.join('\n'), svc.logs.join('\n')].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(base64);
  });

  it('a wrong proxy password: register says the proxy refused the credentials; a running host shows it and recovers when fixed', async () => {
    const proxy = await startTinyproxy({ connectPorts: [servicePort()], basicAuth: { user: 'gateway', password: PASSWORD } });
    proxies.push(proxy);
    const home = tempDir('dmgw-proxy-wrong');
    expect((await dmgw(home, ['cert', 'new'])).code).toBe(0);
    const wrong = `${PASSWORD}-not`;
    await dmgw(home, ['proxy', 'set', proxy.url, '--user', 'gateway', '--password-stdin'], wrong);
    const reg = await dmgw(home, ['register', '--key-stdin', '--node-name', 'wrong'], await key('authKey1'));
    expect(reg.code).toBe(1);
    expect(reg.stderr).toMatch(/through the proxy http:\/\/gateway@127\.0\.0\.1:\d+ \(from gateway home\): the proxy refused the proxy credentials \(HTTP 40[17]\)/);
    expect(reg.stderr).toContain('dmgw proxy set');
    expect(reg.stderr + reg.stdout).not.toContain(wrong);

    // registered through the right password, then the stored one goes wrong under a running host
    await dmgw(home, ['proxy', 'set', proxy.url, '--user', 'gateway', '--password-stdin'], PASSWORD);
    expect((await dmgw(home, ['register', '--key-stdin', '--node-name', 'wrong'], await key('authKey1'))).code).toBe(0);
    startHost(home);
    await until('the host online', () => hostState(home)?.status === 'Online' || undefined);
    await dmgw(home, ['proxy', 'set', proxy.url, '--user', 'gateway', '--password-stdin'], wrong);
    const offline = await until('the host to report the refused credentials', () => (hostState(home)?.message?.includes('refused the proxy credentials') ? hostState(home) : undefined));
    expect(offline.status).toBe('Offline');
    await dmgw(home, ['proxy', 'set', proxy.url, '--user', 'gateway', '--password-stdin'], PASSWORD);
    await until('the host online again', () => hostState(home)?.status === 'Online' || undefined, 90_000);
    expect(allText(home) + outputs.join('\n')).not.toContain(wrong);
  }, 180_000);

  it('a proxy that does not allow CONNECT to the service port is named as the problem', async () => {
    const proxy = await startTinyproxy({ connectPorts: [443] });
    proxies.push(proxy);
    const home = tempDir('dmgw-proxy-port');
    const r = await dmgw(home, ['register', '--key-stdin', '--node-name', 'blocked'], await key('authKey1'), { DMGW_PROXY: proxy.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/through the proxy http:\/\/127\.0\.0\.1:\d+ \(from DMGW_PROXY\): the proxy refused to tunnel to the service \(HTTP 403\)/);
    expect(proxy.log()).toMatch(/Refused CONNECT method on port \d+/);
  });
});
