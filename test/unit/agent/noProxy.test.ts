/**
 * NO_PROXY: the one matcher (proxySettings.ts) the channel and the blob traffic both use, how the bypass list is
 * put together (NO_PROXY/no_proxy + the list stored with `dmgw proxy set --no-proxy`), and what a worker gets from
 * `dmgw host --proxy`. The proxy's own failures, as a blob client sees them, are reworded to name the proxy.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { workerEnv } from '../../../src/agent/host/host.js';
import { explainProxyFailure } from '../../../src/agent/proxy/dataProxy.js';
import { environmentProxy, noProxyEntryProblem, noProxyMatches, parseNoProxy, proxyFor, resolveProxy, saveProxy, storeProxyFlag, storedNoProxy, type ProxySettings } from '../../../src/agent/proxy/proxySettings.js';

const m = (url: string, list: string) => noProxyMatches(url, parseNoProxy(list));

describe('noProxyEntryProblem: what `dmgw proxy set --no-proxy` refuses', () => {
  it.each(['*', 'corp.example', '.corp.example', '*.corp.example', 'db_1.corp', 'localhost:8443', '10.0.0.0/8', '10.1.2.3', '::1', '[::1]:10000', 'fd00::/8', '0.0.0.0/0'])('accepts %s', (entry) => {
    expect(noProxyEntryProblem(entry)).toBeUndefined();
  });
  it.each([
    ['10.0.0.0/99', /prefix length/],
    ['fd00::/129', /prefix length/],
    ['corp/8', /IP address before/],
    ['host:0', /port 0/],
    ['host:70000', /port 70000/],
    ['bad host!', /neither a host name/],
    ['..corp', /neither a host name/],
  ])('refuses %s', (entry, why) => {
    expect(noProxyEntryProblem(entry)).toMatch(why);
  });
});

describe('noProxyMatches', () => {
  it('an empty list bypasses nothing; * bypasses everything', () => {
    expect(m('https://a.blob.core.windows.net', '')).toBe(false);
    expect(m('https://a.blob.core.windows.net', '*')).toBe(true);
    expect(m('http://127.0.0.1:10000/devstoreaccount1', ' * ')).toBe(true);
  });

  it('a name covers itself and the hosts under it, with or without a leading dot or *.; never a bare string suffix', () => {
    for (const entry of ['corp.example', '.corp.example', '*.corp.example', 'CORP.Example.']) {
      expect(m('https://corp.example/x', entry), entry).toBe(true);
      expect(m('https://db.corp.example/x', entry), entry).toBe(true);
      expect(m('https://a.b.corp.example:8443/x', entry), entry).toBe(true);
      expect(m('https://notcorp.example/x', entry), entry).toBe(false);
      expect(m('https://corp.example.org/x', entry), entry).toBe(false);
    }
    expect(m('https://ACCOUNT.Blob.Core.Windows.Net/c', 'blob.core.windows.net')).toBe(true);
    expect(m('https://account.blob.core.windows.net./c', 'blob.core.windows.net')).toBe(true);
  });

  it('entries are separated by commas and/or white space', () => {
    const list = 'a.example, .b.example\tc.example ,,  d.example';
    expect(parseNoProxy(list)).toEqual(['a.example', '.b.example', 'c.example', 'd.example']);
    for (const h of ['a.example', 'x.b.example', 'c.example', 'd.example']) expect(m(`https://${h}`, list), h).toBe(true);
    expect(m('https://e.example', list)).toBe(false);
  });

  // [destination, NO_PROXY list, bypassed?]
  it.each([
    // :port limits an entry to that port; the URL's default port by scheme
    ['https://s.corp:8443/', 's.corp:8443', true],
    ['https://s.corp/', 's.corp:8443', false],
    ['https://s.corp/', 's.corp:443', true],
    ['http://s.corp/', 's.corp:80', true],
    ['http://s.corp/', 's.corp:443', false],
    ['http://x.s.corp:10000/', '.s.corp:10000', true],
    ['http://127.0.0.1:10000/acc', '127.0.0.1:10000', true],
    ['http://127.0.0.1:10001/acc', '127.0.0.1:10000', false],
    // IP literals match exactly (v4, v6 with or without brackets and port), never as a suffix
    ['http://10.1.2.3:10000', '10.1.2.3', true],
    ['http://10.1.2.30', '10.1.2.3', false],
    ['http://110.1.2.3', '10.1.2.3', false],
    ['http://10.1.2.3', '2.3', false],
    ['http://10.1.2.3', '.2.3', false],
    ['http://[::1]:10000/', '::1', true],
    ['http://[::1]:10000/', '[::1]', true],
    ['http://[::1]:10000/', '[::1]:10000', true],
    ['http://[::1]:10001/', '[::1]:10000', false],
    ['http://[0:0:0:0:0:0:0:1]/', '::1', true],
    ['http://[fd00::5]/', 'fd00::6', false],
    // a name is not resolved: an IP entry covers a destination written as that IP only
    ['http://localhost:10000/', '127.0.0.1', false],
    // CIDR ranges cover the addresses in them
    ['http://10.20.30.40/', '10.0.0.0/8', true],
    ['http://11.0.0.1/', '10.0.0.0/8', false],
    ['http://192.168.1.77:8080/', '192.168.1.0/24:8080', true],
    ['http://[fd00::1:2]/', 'fd00::/8', true],
    ['http://[fe80::1]/', 'fd00::/8', false],
    ['http://db.corp/', '10.0.0.0/8', false],
    ['http://10.0.0.1/', '10.0.0.0/99', false],
    // localhost and 127.0.0.1 are not bypassed unless listed
    ['http://localhost:10000/', 'corp.example', false],
    ['http://127.0.0.1:10000/', 'corp.example', false],
    ['http://localhost:10000/', 'localhost', true],
    ['http://127.0.0.1:10000/', 'localhost,127.0.0.1', true],
  ] as const)('%s with NO_PROXY=%s: bypassed %s', (url, list, bypassed) => {
    expect(m(url, list)).toBe(bypassed);
  });
});

describe('the bypass list of the proxy in effect', () => {
  const newHome = () => new GatewayHome(mkdtempSync(join(tmpdir(), 'dmgw-noproxy-')));
  const quiet = { HTTPS_PROXY: '', https_proxy: '', DMGW_PROXY: '', NO_PROXY: '', no_proxy: '' };

  it('NO_PROXY (or no_proxy) applies to whichever proxy is in effect; proxyFor answers per destination', async () => {
    const home = newHome();
    const p = await resolveProxy(home, { ...quiet, HTTPS_PROXY: 'http://proxy.corp:3128', no_proxy: '.corp,10.0.0.0/8' });
    expect(p).toMatchObject({ url: 'http://proxy.corp:3128', source: 'HTTPS_PROXY', noProxy: ['.corp', '10.0.0.0/8'] });
    expect(proxyFor(p, 'https://svc.corp/')).toBeUndefined();
    expect(proxyFor(p, 'https://acc.blob.core.windows.net/')).toBe(p);
    const flag = await resolveProxy(home, { ...quiet, NO_PROXY: 'a.example' }, 'http://other:8080');
    expect(flag).toMatchObject({ source: '--proxy', noProxy: ['a.example'] });
    expect(await resolveProxy(home, { ...quiet, NO_PROXY: '*' }, 'direct')).toBeUndefined();
    expect(environmentProxy({ ...quiet, DMGW_PROXY: 'http://p:1', NO_PROXY: 'x' })).toMatchObject({ source: 'DMGW_PROXY', noProxy: ['x'] });
    expect(environmentProxy({ ...quiet, DMGW_PROXY: 'direct', HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
  });

  it('the stored list joins NO_PROXY, whatever the proxy comes from; --proxy of host/register keeps it', async () => {
    const home = newHome();
    await saveProxy(home, { url: 'http://proxy.corp:3128', noProxy: ['.lake.corp', '10.0.0.0/8'] });
    const p = await resolveProxy(home, { ...quiet, NO_PROXY: 'x.example' });
    expect(p).toMatchObject({ source: 'gateway home', noProxy: ['x.example', '.lake.corp', '10.0.0.0/8'] });
    const env = await resolveProxy(home, { ...quiet, DMGW_PROXY: 'http://p2:1' });
    expect(env).toMatchObject({ source: 'DMGW_PROXY', noProxy: ['.lake.corp', '10.0.0.0/8'] });
    await storeProxyFlag(home, 'http://p3:3128');
    expect(storedNoProxy(home)).toEqual(['.lake.corp', '10.0.0.0/8']);
    await storeProxyFlag(home, 'direct');
    expect(storedNoProxy(home)).toEqual([]);
  });

  it('a worker of `dmgw host --proxy direct` goes direct; of `--proxy URL` reads the home, not DMGW_PROXY', () => {
    const env = { DMGW_PROXY: 'http://env:1', X: '1' };
    expect(workerEnv(env, undefined)).toBe(env);
    expect(workerEnv(env, 'direct')).toMatchObject({ DMGW_PROXY: 'direct', X: '1' });
    expect(workerEnv(env, 'http://flag:3128')).toMatchObject({ DMGW_PROXY: '', X: '1' });
  });
});

describe("the proxy's own failures, as a blob client sees them", () => {
  const proxy: ProxySettings = { url: 'http://127.0.0.1:3128', username: 'gw', password: 'Secret-Pw-1', source: 'gateway home' };
  const url = 'https://acc.blob.core.windows.net/';
  const response = (headers: Record<string, string>) => ({ headers: { get: (n: string) => headers[n.toLowerCase()] } });

  it('407/401/403 without x-ms-request-id: the proxy refused (not retried), named without its password', () => {
    for (const status of [407, 401, 403]) {
      const e = explainProxyFailure({ name: 'RestError', statusCode: status, message: 'Unexpected status code', response: response({ 'proxy-authenticate': 'Basic' }) }, proxy, url) as Error & { code: string };
      expect(e.name).toBe('DmgwError');
      expect(e.code).toBe('PROXY_REFUSED');
      expect(e.message).toContain('through the proxy http://gw@127.0.0.1:3128 (from gateway home): the proxy refused');
      expect(e.message).not.toContain('Secret-Pw-1');
    }
  });

  it("the storage service's own errors (x-ms-request-id) pass unchanged", () => {
    const original = { name: 'RestError', statusCode: 403, code: 'AuthorizationFailure', response: response({ 'x-ms-request-id': 'abc' }) };
    expect(explainProxyFailure(original, proxy, url)).toBe(original);
  });

  it('a proxy that cannot be reached is named, and the error stays transient (its code)', () => {
    const e = explainProxyFailure({ name: 'RestError', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:3128' }, proxy, url) as Error & { code: string };
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.message).toMatch(/^Azure Blob Storage at acc\.blob\.core\.windows\.net through the proxy http:\/\/gw@127\.0\.0\.1:3128 \(from gateway home\): cannot reach the proxy: connect ECONNREFUSED/);
    const reset = { name: 'RestError', code: 'ECONNRESET', message: 'socket hang up' };
    expect(explainProxyFailure(reset, proxy, url)).toBe(reset);
  });
});
