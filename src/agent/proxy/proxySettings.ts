/**
 * The HTTP proxy of the node: the control channel to its factory service (outbound HTTPS tunnelled with CONNECT)
 * and the workers' cloud data traffic (Azure Blob, `dataProxy.ts`) go through it; database connections (PostgreSQL,
 * MariaDB/MySQL, SQL Server) and file shares are on-premises and always direct. It comes from `--proxy URL` (host,
 * register, `dmgw proxy set`), then DMGW_PROXY, then the one stored in the gateway home (`proxy.json`), then
 * HTTPS_PROXY/https_proxy; `direct` (flag or DMGW_PROXY) means none. The stored proxy keeps its password only as an
 * EncryptedCredential (JWE) for the gateway certificate, so the file holds no plaintext secret.
 *
 * Hosts that bypass the proxy (`noProxyMatches`, the only place that decides it): NO_PROXY/no_proxy plus the list
 * stored with `dmgw proxy set --no-proxy`, whichever source the proxy itself comes from.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { openCredential, sealCredential } from '../../common/credential/envelope.js';
import { DmgwError } from '../../common/errors.js';
import { registerSecret } from '../../common/redact.js';
import { CertificateStore } from '../cert/store.js';
import type { GatewayHome } from '../config/home.js';

export interface ProxySettings {
  /** scheme, host and port only: never credentials */
  url: string;
  username?: string;
  /** in memory only */
  password?: string;
  source: '--proxy' | 'DMGW_PROXY' | 'gateway home' | 'HTTPS_PROXY';
  /** hosts reached directly (NO_PROXY entries): NO_PROXY/no_proxy and the list stored in the home; see noProxyMatches */
  noProxy?: string[];
}

export interface StoredProxy {
  url: string;
  username?: string;
  /** the password as a JWE for the gateway certificate */
  sealedPassword?: string;
  /** NO_PROXY entries stored with the proxy (`dmgw proxy set --no-proxy`) */
  noProxy?: string[];
  savedAt: string;
}

export const DIRECT = 'direct';
export const proxyFile = (home: GatewayHome): string => join(home.root, 'proxy.json');

/**
 * `http://[user[:password]@]host:port` → the parts, the credentials registered for redaction. A password is refused
 * when the URL comes from a command line (`--proxy`, `dmgw proxy set URL`).
 */
export function parseProxyUrl(text: string, source: ProxySettings['source']): ProxySettings {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    // never echo the text: it may hold a password
    throw new DmgwError('PROXY_URL', `the proxy from ${source} is not a URL`, { field: 'proxy' }, 'write it as http://host:port (credentials: http://user@host:port and the password on stdin, `dmgw proxy set URL --password-stdin`)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DmgwError('PROXY_URL', `the proxy from ${source} must be an http:// or https:// URL, not ${u.protocol}`, { field: 'proxy' });
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  registerSecret(password);
  const url = `${u.protocol}//${u.host}`;
  // the environment is the process's own; a command line is not (DMGW_PROXY, HTTPS_PROXY stay accepted)
  if (password !== undefined && source === '--proxy') {
    throw new DmgwError('USAGE', 'the proxy URL given on the command line holds a password, which other users of this machine can see (ps, shell history)', { field: 'proxy' }, `store it once, the password on stdin and kept encrypted: \`dmgw proxy set ${url} --user ${username ?? 'NAME'} --password-stdin\` (then leave the password out of --proxy, or --proxy out)`);
  }
  return { url, username, password, source };
}

/** Refuses a `--proxy` flag with a password (or not a URL) before a command does anything; `direct` passes. */
export function checkProxyFlag(flag: string | undefined): void {
  if (flag !== undefined && flag !== DIRECT) parseProxyUrl(flag, '--proxy');
}

/** Stores the proxy in the home; the password is sealed for the gateway's current certificate. */
export async function saveProxy(home: GatewayHome, p: Pick<ProxySettings, 'url' | 'username' | 'password' | 'noProxy'>): Promise<void> {
  const cert = new CertificateStore(home).current();
  if (p.password && !cert) throw new DmgwError('NO_CERTIFICATE', 'the proxy password is kept encrypted for the gateway certificate, and this home has none yet', { file: home.root }, 'run `dmgw cert new` (or `dmgw register`, which makes one) first');
  const stored: StoredProxy = {
    url: p.url,
    username: p.username,
    sealedPassword: p.password ? (await sealCredential({ proxyPassword: p.password }, cert!.certPem, 'the gateway certificate')).jwe : undefined,
    noProxy: p.noProxy?.length ? p.noProxy : undefined,
    savedAt: new Date().toISOString(),
  };
  home.ensure();
  const file = proxyFile(home);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function clearProxy(home: GatewayHome): boolean {
  const had = existsSync(proxyFile(home));
  rmSync(proxyFile(home), { force: true });
  return had;
}

/** proxy.json as stored (the password sealed); undefined when there is none. */
export function readStored(home: GatewayHome): StoredProxy | undefined {
  const file = proxyFile(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredProxy;
  } catch {
    throw new DmgwError('HOME_DAMAGED', `${file} is not readable JSON`, { file }, 'set the proxy again: dmgw proxy set URL');
  }
}

/** The bypass list stored with the proxy in the home (none without a stored proxy). */
export function storedNoProxy(home: GatewayHome): string[] {
  return readStored(home)?.noProxy ?? [];
}

/** The proxy stored in the home, its password opened with the gateway's keys. */
export async function storedProxy(home: GatewayHome): Promise<ProxySettings | undefined> {
  const file = proxyFile(home);
  const s = readStored(home);
  if (!s) return undefined;
  let password: string | undefined;
  if (s.sealedPassword) {
    const { payload } = await openCredential(s.sealedPassword, new CertificateStore(home).credentialKeys(), { file, field: 'sealedPassword' });
    password = (payload as { proxyPassword?: string }).proxyPassword;
    registerSecret(password);
  }
  return { url: s.url, username: s.username, password, source: 'gateway home', noProxy: s.noProxy };
}

/**
 * Which proxy this process uses, by the precedence above; undefined = connect directly (to everything). Its
 * `noProxy` is NO_PROXY/no_proxy plus the stored list: use `proxyFor` to ask about one destination.
 */
export async function resolveProxy(home: GatewayHome, env: NodeJS.ProcessEnv, flag?: string): Promise<ProxySettings | undefined> {
  let p: ProxySettings | undefined;
  if (flag !== undefined) p = flag === DIRECT ? undefined : parseProxyUrl(flag, '--proxy');
  else if (env.DMGW_PROXY) p = env.DMGW_PROXY === DIRECT ? undefined : parseProxyUrl(env.DMGW_PROXY, 'DMGW_PROXY');
  else p = (await storedProxy(home)) ?? environmentProxy(env);
  if (!p) return undefined;
  const noProxy = [...new Set([...envNoProxy(env), ...(p.source === 'gateway home' ? (p.noProxy ?? []) : storedNoProxy(home))])];
  return { ...p, noProxy };
}

/** The proxy from the environment alone (DMGW_PROXY, HTTPS_PROXY; NO_PROXY): for a process that has no gateway home to read. */
export function environmentProxy(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  if (env.DMGW_PROXY) return env.DMGW_PROXY === DIRECT ? undefined : { ...parseProxyUrl(env.DMGW_PROXY, 'DMGW_PROXY'), noProxy: envNoProxy(env) };
  const generic = env.HTTPS_PROXY || env.https_proxy;
  return generic ? { ...parseProxyUrl(generic, 'HTTPS_PROXY'), noProxy: envNoProxy(env) } : undefined;
}

const envNoProxy = (env: NodeJS.ProcessEnv): string[] => parseNoProxy(env.NO_PROXY || env.no_proxy || '');

/** `a.corp, .b.corp 10.0.0.0/8` → entries: separated by commas and/or white space, lower case. */
export function parseNoProxy(text: string): string[] {
  return text.split(/[\s,]+/).map((e) => e.trim().toLowerCase()).filter(Boolean);
}

/** The proxy for one destination: undefined when there is none or NO_PROXY covers the destination. */
export function proxyFor(proxy: ProxySettings | undefined, destination: string | URL): ProxySettings | undefined {
  return proxy && !noProxyMatches(destination, proxy.noProxy ?? []) ? proxy : undefined;
}

const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'http:': '80', 'wss:': '443', 'ws:': '80' };

/**
 * Whether a NO_PROXY list covers a destination URL — curl's rules, with Go's CIDR ranges:
 * - entries are separated by commas (and/or white space) and compared case-insensitively;
 * - `*` alone: every destination;
 * - a name (`corp.example`, `.corp.example` or `*.corp.example`: a leading `.` or `*.` changes nothing) covers
 *   that host and every host under it (`db.corp.example`), never a mere string suffix (`notcorp.example`);
 * - an IP address (`10.1.2.3`, `::1`, `[::1]`) covers exactly that address, a CIDR range (`10.0.0.0/8`, `fd00::/8`)
 *   every address in it; names are not resolved, so an IP entry covers a destination written as that IP only;
 * - `:port` after a name or address (`proxy-free.corp:8443`, `[::1]:10000`) limits the entry to that port (the
 *   URL's port, or 443/80 by its scheme);
 * - nothing is implicit: `localhost` and `127.0.0.1` go through the proxy unless listed (as with curl; unlike Go's
 *   net/http) — a proxy on the loopback interface, or a tunnel, is a real set-up, and a test needs it.
 */
export function noProxyMatches(destination: string | URL, noProxy: readonly string[]): boolean {
  if (noProxy.length === 0) return false;
  const url = typeof destination === 'string' ? new URL(destination) : destination;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const port = url.port || DEFAULT_PORTS[url.protocol] || '';
  const hostIp = isIP(host);
  for (const raw of noProxy) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { name, port: entryPort } = splitEntry(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    const slash = name.indexOf('/');
    if (slash > 0) {
      const base = name.slice(0, slash);
      const bits = Number(name.slice(slash + 1));
      const family = isIP(base);
      if (!family || !hostIp || family !== hostIp || !Number.isInteger(bits)) continue;
      const list = new BlockList();
      try {
        list.addSubnet(base, bits, family === 4 ? 'ipv4' : 'ipv6');
      } catch {
        continue;
      }
      if (list.check(host, hostIp === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const entryIp = isIP(name);
    if (entryIp) {
      if (hostIp !== entryIp) continue;
      const list = new BlockList();
      list.addAddress(name, entryIp === 4 ? 'ipv4' : 'ipv6');
      if (list.check(host, hostIp === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    if (hostIp) continue;
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    if (domain && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}

/**
 * Why a NO_PROXY entry can never match anything (a typo, a CIDR with too many bits, a port out of range), or
 * undefined when it is well formed. `dmgw proxy set --no-proxy` refuses such entries; NO_PROXY from the
 * environment is read leniently, as curl does (a bad entry just matches nothing).
 */
export function noProxyEntryProblem(raw: string): string | undefined {
  const entry = raw.trim().toLowerCase();
  if (entry === '*') return undefined;
  const { name, port } = splitEntry(entry);
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return `port ${port} is not 1–65535`;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const family = isIP(name.slice(0, slash));
    const bits = name.slice(slash + 1);
    if (!family) return 'a range needs an IP address before the "/"';
    if (!/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return `/${bits} is not a prefix length of an IPv${family} address (0–${family === 4 ? 32 : 128})`;
    return undefined;
  }
  if (isIP(name)) return undefined;
  const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(domain)) return 'it is neither a host name, a domain (.corp.example), an IP address, a CIDR range nor *';
  return undefined;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port`, a bare IPv6 address (two or more colons: no port). */
function splitEntry(entry: string): { name: string; port?: string } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracket) return { name: bracket[1]!, port: bracket[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name, port] = entry.split(':') as [string, string];
    if (/^\d+$/.test(port)) return { name, port };
  }
  return { name: entry };
}

/** `http://alice@proxy:3128 (from the gateway home)`: how messages name a proxy, without its password. */
export function describeProxy(p: ProxySettings): string {
  const u = new URL(p.url);
  if (p.username) u.username = encodeURIComponent(p.username);
  return `${u.toString().replace(/\/$/, '')} (from ${p.source})`;
}

/** `--proxy` of `dmgw host`/`dmgw register`: stored for later (`direct` removes the stored one); a stored bypass list stays. */
export async function storeProxyFlag(home: GatewayHome, flag: string): Promise<void> {
  if (flag === DIRECT) clearProxy(home);
  else await saveProxy(home, { ...parseProxyUrl(flag, '--proxy'), noProxy: storedNoProxy(home) });
}
