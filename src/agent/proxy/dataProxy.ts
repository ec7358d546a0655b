/**
 * The proxy of a worker's cloud data traffic (Azure Blob Storage): the same proxy the node's channel uses
 * (proxySettings.ts: `--proxy` of the host, DMGW_PROXY, the home's `proxy.json`, HTTPS_PROXY) with the same
 * NO_PROXY rules (`proxyFor`). Database connections and file shares are on-premises: always direct.
 *
 * A worker resolves it itself, at start (`initDataProxy`), from its gateway home and environment: the host gives
 * it DMGW_HOME (and DMGW_PROXY=direct for `dmgw host --proxy direct`), never the proxy password — a stored
 * password is opened with the home's keys, like the job's EncryptedCredentials. A process that never called
 * `initDataProxy` (the engine in a test) uses the environment alone.
 *
 * The Azure SDK gets the proxy as `proxyOptions` (core-rest-pipeline's proxyPolicy: https-proxy-agent's CONNECT
 * for https://, an absolute-URI request through http-proxy-agent for http://). Left alone, the SDK would read
 * HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and its own, narrower NO_PROXY itself; a client that goes direct therefore gets
 * a plain keep-alive agent (`agent`, set on every request before the proxy policy looks), like the SDK's default
 * one. Failures that are the proxy's — it cannot be reached, or it answers itself (407, or any error without
 * Azure Storage's x-ms-request-id) — are reworded to name the proxy (without its password).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { newPipeline as NewPipeline, Pipeline, RequestPolicy, RequestPolicyFactory, StoragePipelineOptions, WebResource } from '@azure/storage-blob';
import { DmgwError } from '../../common/errors.js';
import { registerSecret } from '../../common/redact.js';
import { GatewayHome } from '../config/home.js';
import { storageBlob } from '../libraries.js';
import { proxyRefusal, type ProxyDestination } from './proxyErrors.js';
import { describeProxy, environmentProxy, proxyFor, resolveProxy, type ProxySettings } from './proxySettings.js';

type State = { proxy?: ProxySettings } | { error: unknown };
let state: State | undefined;

/**
 * Resolves this process's proxy once (`dmgw run`, `dmgw worker`, `dmgw test-connection`). A failure (a damaged
 * proxy.json, a bad DMGW_PROXY) is kept and thrown where cloud data traffic needs the proxy, so a run that only
 * touches databases is not stopped by it.
 */
export async function initDataProxy(o: { home?: string; env: NodeJS.ProcessEnv }): Promise<void> {
  try {
    state = { proxy: await resolveProxy(GatewayHome.resolve({ home: o.home, env: o.env }), o.env) };
  } catch (e) {
    state = { error: e };
  }
}

/** The configured proxy of this process (before NO_PROXY); throws when it could not be resolved. */
export function dataProxy(): ProxySettings | undefined {
  state ??= { proxy: environmentProxy(process.env) };
  if ('error' in state) throw state.error;
  return state.proxy;
}

let direct: { http?: HttpAgent; https?: HttpsAgent } = {};

/** Options for the SDK's proxy policy: scheme and host, port, credentials (never logged by us; the password is registered for redaction). */
function sdkProxyOptions(p: ProxySettings): NonNullable<StoragePipelineOptions['proxyOptions']> {
  const u = new URL(p.url);
  if (p.username !== undefined) registerSecret(Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64'));
  return { host: `${u.protocol}//${u.hostname}`, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), username: p.username, password: p.password };
}

/**
 * A storage pipeline for a client of `url`: through the data proxy unless NO_PROXY covers the URL's host, and
 * direct then even when HTTPS_PROXY is set. `base` is the caller's options (retries).
 */
export function blobPipeline(url: string, credential: Parameters<typeof NewPipeline>[0], base: StoragePipelineOptions): Pipeline {
  const { newPipeline } = storageBlob();
  const proxy = proxyFor(dataProxy(), url);
  if (!proxy) {
    const secure = new URL(url).protocol === 'https:';
    const agent = secure ? (direct.https ??= new HttpsAgent({ keepAlive: true })) : (direct.http ??= new HttpAgent({ keepAlive: true }));
    // `agent` is a core-rest-pipeline option the storage options pass through without typing it
    return newPipeline(credential, { ...base, agent } as StoragePipelineOptions);
  }
  const pipeline = newPipeline(credential, { ...base, proxyOptions: sdkProxyOptions(proxy) });
  pipeline.factories.push(proxyFailures(proxy, url));
  return pipeline;
}

/** For tests: forget the resolved proxy and the direct agents. */
export function resetDataProxy(): void {
  state = undefined;
  direct.http?.destroy();
  direct.https?.destroy();
  direct = {};
}

/** failures to open a connection (to the proxy: everything goes to it); a reset mid-transfer is not among them */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A storage account, reached by a forwarded request (http) or a CONNECT tunnel (https). */
const STORAGE_DESTINATION: ProxyDestination = {
  refused: 'the request',
  allow: "the storage account's host and port (CONNECT for https), or list the host in NO_PROXY / `dmgw proxy set --no-proxy`",
};

/** The error a request through `proxy` ended with, reworded when it is the proxy's; the storage service's own errors pass unchanged. */
export function explainProxyFailure(e: unknown, proxy: ProxySettings, url: string): unknown {
  const err = e as { code?: string; statusCode?: number; message?: string; response?: { headers?: { get(name: string): string | undefined } }; name?: string };
  if (!err || typeof err !== 'object' || err.name === 'AbortError') return e;
  const via = `Azure Blob Storage at ${new URL(url).host} through the proxy ${describeProxy(proxy)}`;
  const status = err.statusCode;
  if (typeof status === 'number') {
    // every answer of Azure Storage (and Azurite) carries x-ms-request-id; the proxy's own answers do not
    if (err.response?.headers?.get('x-ms-request-id')) return e;
    const refusal = proxyRefusal(status, STORAGE_DESTINATION);
    if (refusal) return new DmgwError('PROXY_REFUSED', `${via}: ${refusal.message}`, {}, refusal.hint, { cause: e });
    // 502/503/504: the proxy could not reach the storage account; transient, like the status says
    return Object.assign(new Error(`${via}: the proxy answered HTTP ${status}${status >= 502 ? ' (it could not reach the storage account)' : ''}`, { cause: e }), { statusCode: status });
  }
  if (err.code && UNREACHABLE.has(err.code)) {
    // kept transient (its code): the copy engine tries the partition again; no cause: the message already holds it
    return Object.assign(new Error(`${via}: cannot reach the proxy: ${err.message ?? err.code} — check the proxy (\`dmgw proxy show\`), or list the host in NO_PROXY`), { code: err.code });
  }
  return e;
}

/** A v1 request policy (the storage SDK's public way to add one) that rewords the proxy's failures, outside the SDK's retries. */
function proxyFailures(proxy: ProxySettings, url: string): RequestPolicyFactory {
  return {
    create: (next: RequestPolicy): RequestPolicy => ({
      async sendRequest(request: WebResource) {
        try {
          return await next.sendRequest(request);
        } catch (e) {
          throw explainProxyFailure(e, proxy, url);
        }
      },
    }),
  };
}
