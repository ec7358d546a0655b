/**
 * How the agent trusts its factory service. A gateway key carries the SHA-256 fingerprint of the service's TLS
 * certificate; on registration the agent fetches the certificate once, checks it against that fingerprint, and from
 * then on every connection trusts exactly that certificate (`ca`) and checks the fingerprint again instead of the
 * host name (`checkServerIdentity`) — so a self-signed service is pinned, and a moved host name still works. A key
 * without a fingerprint means a publicly trusted service: the system's CAs and normal host name checks apply.
 * A proxy (proxy/proxySettings.ts) goes through undici's ProxyAgent with the same TLS settings for the tunnel; its
 * credentials travel as a Proxy-Authorization header, never in a URL that an error message could echo.
 */
import type { PeerCertificate } from 'node:tls';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { createHash, X509Certificate } from 'node:crypto';
import { DmgwError } from '../../common/errors.js';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import { registerSecret } from '../../common/redact.js';
import { explainConnectionError } from '../proxy/proxyErrors.js';
import { describeProxy, type ProxySettings } from '../proxy/proxySettings.js';

export interface ServiceTrust {
  /** The pinned certificate (PEM); absent for a publicly trusted service. */
  certificatePem?: string;
  fingerprint?: string;
}

export type { ProxySettings };

function proxyAgent(proxy: ProxySettings, requestTls: Record<string, unknown>, extra: Record<string, unknown> = {}): ProxyAgent {
  let token: string | undefined;
  if (proxy.username !== undefined) {
    token = `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
    registerSecret(token.slice(6));
  }
  return new ProxyAgent({ uri: proxy.url, ...(token ? { token } : {}), requestTls, ...extra });
}

const normal = (fp: string) => fp.replace(/:/g, '').toUpperCase();

export function fingerprintOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();
}

function tlsOptions(trust: ServiceTrust): Record<string, unknown> {
  if (!trust.certificatePem) return {};
  const pin = normal(trust.fingerprint ?? fingerprintOf(trust.certificatePem));
  return {
    ca: trust.certificatePem,
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      normal(cert.fingerprint256 ?? '') === pin ? undefined : new Error(`the service presented certificate ${normal(cert.fingerprint256 ?? '?')}, not the pinned ${pin}`),
  };
}

export function channelDispatcher(trust: ServiceTrust, proxy?: ProxySettings): Dispatcher {
  const tls = tlsOptions(trust);
  // A poll is held up to ~25 s by the service; anything much longer means the connection is dead. Other calls set
  // shorter timeouts of their own (client.ts: CALL_TIMEOUT_MS, reportTimeoutMs).
  const timeouts = { headersTimeout: 70_000, bodyTimeout: 70_000 };
  if (proxy) return proxyAgent(proxy, tls, timeouts);
  return new Agent({ connect: tls, keepAliveTimeout: 30_000, ...timeouts });
}

/**
 * Fetches the service certificate for a fresh registration and checks it against the key's fingerprint. The fetch
 * itself cannot verify anything (that is what it is for); the fingerprint comparison is the check.
 */
export async function fetchPinnedCertificate(serviceUrl: string, fingerprint: string, proxy?: ProxySettings): Promise<string> {
  const insecure = proxy ? proxyAgent(proxy, { rejectUnauthorized: false }) : new Agent({ connect: { rejectUnauthorized: false } });
  let pem: string;
  try {
    const res = await request(`${serviceUrl}${CHANNEL_PREFIX}/certificate`, { dispatcher: insecure, headersTimeout: 15_000, bodyTimeout: 15_000 });
    pem = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  } catch (e) {
    const via = proxy ? ` through the proxy ${describeProxy(proxy)}` : '';
    throw new DmgwError('SERVICE_UNREACHABLE', `cannot reach the factory service at ${serviceUrl}${via}: ${explainConnectionError(e)}`, { field: 'key.url' }, proxy ? 'check the proxy (`dmgw proxy show`; --proxy direct connects without one)' : 'check the network path (outbound HTTPS); behind a proxy: --proxy URL, DMGW_PROXY or HTTPS_PROXY');
  } finally {
    await insecure.close();
  }
  let actual: string;
  try {
    actual = fingerprintOf(pem);
  } catch {
    throw new DmgwError('SERVICE_CERTIFICATE', `${serviceUrl} did not answer with a certificate`, { field: 'key.url' }, 'is the key\'s URL a dmgw factory service?');
  }
  if (actual !== normal(fingerprint)) {
    throw new DmgwError('SERVICE_CERTIFICATE', `the service at ${serviceUrl} presents certificate ${actual}, but the key pins ${normal(fingerprint)}`, { field: 'key.fingerprint' }, 'someone may be intercepting the connection, or the service certificate was replaced: get a current key from the service');
  }
  return pem;
}
