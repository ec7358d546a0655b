/**
 * Registration, the agent's side: a key in, a registered node out. Makes the gateway certificate if the home has
 * none, pins the service certificate named by the key, exchanges the key for a node credential and records it all
 * in the gateway home. Used by `dmgw register` (and the extension through it).
 */
import { hostname } from 'node:os';
import { DmgwError } from '../../common/errors.js';
import { parseGatewayKey } from '../../common/gateway/key.js';
import type { RegisterResponse } from '../../common/gateway/protocol.js';
import { registerSecret } from '../../common/redact.js';
import { newCertificate } from '../cert/create.js';
import { CertificateStore } from '../cert/store.js';
import type { GatewayHome } from '../config/home.js';
import { ChannelClient, ChannelFailure } from './client.js';
import { machineInfo } from './machine.js';
import { writeRegistration } from './registration.js';
import { describeProxy, proxyFor, resolveProxy, storeProxyFlag } from '../proxy/proxySettings.js';
import { channelDispatcher, fetchPinnedCertificate } from './trust.js';

export interface JoinResult extends RegisterResponse {
  serviceUrl: string;
  certificateThumbprint: string;
  createdCertificate: boolean;
  /** the proxy registration went through, as messages name it */
  proxy?: string;
}

/** `opts.proxy` is `--proxy`: a URL (used, and stored in the home for the host once registered) or `direct`. */
export async function joinGateway(home: GatewayHome, keyText: string, opts: { nodeName?: string; env?: NodeJS.ProcessEnv; proxy?: string } = {}): Promise<JoinResult> {
  registerSecret(keyText.trim());
  const key = parseGatewayKey(keyText);
  registerSecret(key.secret);
  const store = new CertificateStore(home);
  let cert = store.current();
  const createdCertificate = !cert;
  if (!cert) {
    store.install(newCertificate());
    cert = store.require();
  }
  const configured = await resolveProxy(home, opts.env ?? process.env, opts.proxy);
  // NO_PROXY may list the service: then registration goes direct, and a --proxy is still stored for the data traffic
  const proxy = proxyFor(configured, key.url);
  const servicePem = key.fingerprint ? await fetchPinnedCertificate(key.url, key.fingerprint, proxy) : undefined;
  const client = new ChannelClient(key.url, channelDispatcher({ certificatePem: servicePem, fingerprint: key.fingerprint }, proxy));
  const nodeName = opts.nodeName ?? hostname().split('.')[0]!.replace(/[^A-Za-z0-9_.-]/g, '-');
  let r: RegisterResponse;
  try {
    r = await client.register({ key: keyText.trim(), nodeName, certificatePem: cert.certPem, machine: machineInfo() });
  } catch (e) {
    if (e instanceof ChannelFailure) {
      if (e.kind === 'unauthorized') throw new DmgwError('KEY_REJECTED', `the service refused the key: ${e.message}`, { field: 'key' }, 'get a current key (`dmgw gateway keys NAME`); regenerating a key invalidates the old one');
      throw new DmgwError('REGISTER_FAILED', `registration failed${proxy ? ` through the proxy ${describeProxy(proxy)}` : ''}: ${e.message}`, { field: 'key' }, e.kind === 'unreachable' ? 'check outbound HTTPS to the service and the proxy settings (`dmgw proxy show`)' : undefined);
    }
    throw e;
  } finally {
    await client.close();
  }
  await writeRegistration(
    home,
    {
      serviceUrl: key.url,
      serviceCertificatePem: servicePem,
      serviceFingerprint: key.fingerprint,
      factory: r.factory,
      gateway: r.gatewayName,
      gatewayId: r.gatewayId,
      nodeName: r.nodeName,
      nodeId: r.nodeId,
      keyName: key.key,
      registeredAt: new Date().toISOString(),
      certificateThumbprint: cert.info.thumbprint,
      credentialExpiresAt: r.credentialExpiresAt,
    },
    r.token,
    cert.certPem,
  );
  if (opts.proxy !== undefined) await storeProxyFlag(home, opts.proxy);
  return { ...r, serviceUrl: key.url, certificateThumbprint: cert.info.thumbprint, createdCertificate, proxy: proxy ? describeProxy(proxy) : undefined };
}
