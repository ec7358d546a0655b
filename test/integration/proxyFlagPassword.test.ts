/**
 * No proxy password on a command line (where `ps` and shell history show it): `dmgw host --proxy`, `dmgw register
 * --proxy` and `dmgw proxy set URL` refuse a URL with a password and show the stdin way, before anything is stored
 * or contacted. The environment (DMGW_PROXY, HTTPS_PROXY) is no command line and stays accepted. The planted
 * password appears in no output and no file of the home. Built CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatGatewayKey } from '../../src/common/gateway/key.js';
import { ExitCode } from '../../src/common/exitCodes.js';
import { CLI, ensureBuilt, runCli, type CliResult } from '../support/builtCli.js';
import { tempDir } from '../support/factoryService.js';

const PASSWORD = `Cmd-Line-${Math.random().toString(36).slice(2)}`;
const ENCODED = `p%40ss-${Math.random().toString(36).slice(2)}`;
const home = tempDir('dmgw-proxyflag');
const outputs: string[] = [];
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, DMGW_HOME: home, DMGW_PROXY: '', HTTPS_PROXY: '', https_proxy: '', ...extra });
const dmgw = async (args: string[], input?: string, extra?: NodeJS.ProcessEnv): Promise<CliResult> => {
  const r = await runCli(args, { env: env(extra), input });
  outputs.push(r.stdout, r.stderr);
  return r;
};
/** `dmgw host ...`, killed after `ms` if it is still running (it would run until stopped). */
const host = (args: string[], ms = 4000): Promise<CliResult> =>
  new Promise((res) => {
    const child = spawn(process.execPath, [CLI, 'host', ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      outputs.push(stdout, stderr);
      res({ code, stdout, stderr });
    });
  });
const homeText = (dir = home): string =>
  readdirSync(dir)
    .map((n) => join(dir, n))
    .map((p) => (lstatSync(p).isDirectory() ? homeText(p) : readFileSync(p, 'latin1')))
    .join('\n');
const key = formatGatewayKey({ v: 1, url: 'https://127.0.0.1:1', factory: '/subscriptions/s/resourceGroups/r/providers/Microsoft.DataFactory/factories/f', gateway: 'gw', gatewayId: 'id', key: 'authKey1', gen: 1, secret: 'k' });

function refused(r: CliResult) {
  expect(r.code, r.stderr).toBe(ExitCode.Usage);
  expect(r.stderr).toMatch(/the proxy URL given on the command line holds a password, which other users of this machine can see \(ps, shell history\)/);
  expect(r.stderr).toContain('dmgw proxy set http://127.0.0.1:3128 --user gateway --password-stdin');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(home, 'proxy.json'))).toBe(false);
}

describe('a proxy password on the command line is refused (built CLI)', () => {
  beforeAll(async () => {
    ensureBuilt();
    expect((await dmgw(['cert', 'new'])).code).toBe(0);
  });

  it('dmgw host --proxy http://user:password@…: refused at once, nothing stored, the stdin way shown', async () => {
    refused(await host(['--proxy', `http://gateway:${PASSWORD}@127.0.0.1:3128`]));
    refused(await host(['--proxy', `http://gateway:${ENCODED}@127.0.0.1:3128/`]));
  });

  it('dmgw register --proxy http://user:password@…: refused before the service is contacted, nothing stored', async () => {
    refused(await dmgw(['register', '--key-stdin', '--proxy', `http://gateway:${PASSWORD}@127.0.0.1:3128`], key));
    expect(existsSync(join(home, 'registration.json'))).toBe(false);
  });

  it('dmgw proxy set http://user:password@…: refused; with --password-stdin it is stored sealed', async () => {
    refused(await dmgw(['proxy', 'set', `http://gateway:${PASSWORD}@127.0.0.1:3128`]));
    const ok = await dmgw(['proxy', 'set', 'http://gateway@127.0.0.1:3128', '--password-stdin'], PASSWORD);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'proxy.json'), 'utf8'))).toMatchObject({ url: 'http://127.0.0.1:3128', username: 'gateway' });
    expect((await dmgw(['proxy', 'clear'])).code).toBe(0);
  });

  it('DMGW_PROXY and HTTPS_PROXY are no command line: a password there is still used', async () => {
    for (const name of ['DMGW_PROXY', 'HTTPS_PROXY']) {
      const r = await dmgw(['proxy', 'show', '--json'], undefined, { [name]: `http://gateway:${PASSWORD}@127.0.0.1:3128` });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).effective).toMatchObject({ url: 'http://127.0.0.1:3128', username: 'gateway', hasPassword: true, source: name });
    }
  });

  it('the planted passwords are in no output and no file of the home', () => {
    const decoded = decodeURIComponent(ENCODED);
    for (const text of [outputs.join('\n'), homeText()]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(ENCODED);
      expect(text).not.toContain(decoded);
    }
  });
});
