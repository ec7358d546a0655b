/**
 * The HTTP proxy the node reaches its factory service through (outbound HTTPS tunnelled with CONNECT). It comes
 * from `--proxy URL` (host, register, `dmgw proxy set`), then DMGW_PROXY, then the one stored in the gateway home
 * (`proxy.json`), then HTTPS_PROXY/https_proxy; `direct` (flag or DMGW_PROXY) means none. The stored proxy keeps its
 * password only as an EncryptedCredential (JWE) for the gateway certificate, so the file holds no plaintext secret.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
}

interface StoredProxy {
  url: string;
  username?: string;
  /** the password as a JWE for the gateway certificate */
  sealedPassword?: string;
  savedAt: string;
}

export const DIRECT = 'direct';
export const proxyFile = (home: GatewayHome): string => join(home.root, 'proxy.json');

/** `http://[user[:password]@]host:port` → the parts, the credentials registered for redaction. */
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
  return { url: `${u.protocol}//${u.host}`, username, password, source };
}

/** Stores the proxy in the home; the password is sealed for the gateway's current certificate. */
export async function saveProxy(home: GatewayHome, p: Pick<ProxySettings, 'url' | 'username' | 'password'>): Promise<void> {
  const cert = new CertificateStore(home).current();
  if (p.password && !cert) throw new DmgwError('NO_CERTIFICATE', 'the proxy password is kept encrypted for the gateway certificate, and this home has none yet', { file: home.root }, 'run `dmgw cert new` (or `dmgw register`, which makes one) first');
  const stored: StoredProxy = {
    url: p.url,
    username: p.username,
    sealedPassword: p.password ? (await sealCredential({ proxyPassword: p.password }, cert!.certPem, 'the gateway certificate')).jwe : undefined,
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

/** The proxy stored in the home, its password opened with the gateway's keys. */
export async function storedProxy(home: GatewayHome): Promise<ProxySettings | undefined> {
  const file = proxyFile(home);
  if (!existsSync(file)) return undefined;
  let s: StoredProxy;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as StoredProxy;
  } catch {
    throw new DmgwError('HOME_DAMAGED', `${file} is not readable JSON`, { file }, 'set the proxy again: dmgw proxy set URL');
  }
  let password: string | undefined;
  if (s.sealedPassword) {
    const { payload } = await openCredential(s.sealedPassword, new CertificateStore(home).credentialKeys(), { file, field: 'sealedPassword' });
    password = (payload as { proxyPassword?: string }).proxyPassword;
    registerSecret(password);
  }
  return { url: s.url, username: s.username, password, source: 'gateway home' };
}

/** Which proxy this process uses, by the precedence above; undefined = connect directly. */
export async function resolveProxy(home: GatewayHome, env: NodeJS.ProcessEnv, flag?: string): Promise<ProxySettings | undefined> {
  if (flag !== undefined) return flag === DIRECT ? undefined : parseProxyUrl(flag, '--proxy');
  if (env.DMGW_PROXY) return env.DMGW_PROXY === DIRECT ? undefined : parseProxyUrl(env.DMGW_PROXY, 'DMGW_PROXY');
  const stored = await storedProxy(home);
  if (stored) return stored;
  const generic = env.HTTPS_PROXY || env.https_proxy;
  return generic ? parseProxyUrl(generic, 'HTTPS_PROXY') : undefined;
}

/** `http://alice@proxy:3128 (from the gateway home)`: how messages name a proxy, without its password. */
export function describeProxy(p: ProxySettings): string {
  const u = new URL(p.url);
  if (p.username) u.username = encodeURIComponent(p.username);
  return `${u.toString().replace(/\/$/, '')} (from ${p.source})`;
}

/** `--proxy` of `dmgw host`/`dmgw register`: stored for later (`direct` removes the stored one). */
export async function storeProxyFlag(home: GatewayHome, flag: string): Promise<void> {
  if (flag === DIRECT) clearProxy(home);
  else await saveProxy(home, parseProxyUrl(flag, '--proxy'));
}
