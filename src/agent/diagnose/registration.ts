/**
 * Registration: whether this home holds one, and whether the service still accepts its credential (`POST /whoami`
 * over the pinned channel) — a regenerated key, a deleted node or an expired credential shows here with the way back.
 */
import { CertificateStore } from '../cert/store.js';
import { ChannelClient, ChannelFailure } from '../channel/client.js';
import { nodeToken, type Registration } from '../channel/registration.js';
import { channelDispatcher } from '../channel/trust.js';
import type { GatewayHome } from '../config/home.js';
import type { ProxySettings } from '../proxy/proxySettings.js';
import { fail, ok, skip, warn, type Check } from './check.js';

const DAY = 86_400_000;
const REGISTER_FIX = 'get a current key (dmgw gateway keys NAME --key authKey1, or the Azure portal) and register again: dmgw register --key-stdin';

export function registrationCheck(reg: Registration | undefined): Check {
  const c = { id: 'registration', group: 'registration' as const, title: 'Registration' };
  if (!reg) return fail({ ...c, detail: 'this gateway home is not registered with a gateway', fix: 'dmgw register KEY (the key: dmgw gateway keys NAME, or the portal)' });
  return ok({ ...c, detail: `node ${reg.nodeName} of gateway ${reg.gateway} (factory ${reg.factory}) at ${reg.serviceUrl}, registered ${reg.registeredAt} with ${reg.keyName}` });
}

export async function credentialCheck(home: GatewayHome, reg: Registration | undefined, proxy: ProxySettings | undefined, reached: boolean): Promise<Check> {
  const c = { id: 'node-credential', group: 'registration' as const, title: 'Node credential and key generation' };
  if (!reg) return skip({ ...c, detail: 'not registered' });
  if (!reached) return skip({ ...c, detail: 'not tried: the service cannot be reached (see the connection checks)' });
  let token: string;
  try {
    token = await nodeToken(home, reg);
  } catch (e) {
    return fail({ ...c, detail: `cannot open the node credential: ${(e as Error).message}`, fix: REGISTER_FIX });
  }
  const client = new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }, proxy), token);
  try {
    const w = await client.whoami();
    const days = Math.floor((Date.parse(w.credentialExpiresAt) - Date.now()) / DAY);
    const detail = `the service knows node ${w.nodeName} of gateway ${w.gatewayName} (${w.keyName}, generation ${w.keyGeneration}); the credential is valid until ${w.credentialExpiresAt} (${days} days; the host renews it from ${w.credentialRenewAfter})`;
    const local = new CertificateStore(home).current()?.info.thumbprint;
    if (local && local !== w.certificateThumbprint) {
      return warn({ ...c, detail: `${detail}; but the service publishes certificate ${w.certificateThumbprint.slice(0, 16)}… for this node, and its current one is ${local.slice(0, 16)}…`, fix: 'register again so the service encrypts new credentials for the current certificate: dmgw register --key-stdin' });
    }
    if (Date.parse(w.credentialRenewAfter) < Date.now() - 2 * DAY) return warn({ ...c, detail: `${detail}; it is overdue for renewal`, fix: 'start the host (dmgw start): it renews the credential itself; an expired one needs a new registration' });
    return ok({ ...c, detail });
  } catch (e) {
    if (e instanceof ChannelFailure && e.kind === 'unauthorized') return fail({ ...c, detail: `the service refuses this node's credential: ${e.message}`, fix: REGISTER_FIX });
    return fail({ ...c, detail: `the service did not answer: ${(e as Error).message}`, fix: 'see the connection checks and the service\'s log' });
  } finally {
    await client.close().catch(() => undefined);
  }
}
