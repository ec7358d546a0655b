/**
 * The host's current link to its service: the registration it was built from and a client holding the node
 * credential, through the proxy if one is set. Reloaded when `dmgw register` rewrites the registration (after a
 * regenerated key, or a move to another service) — how a node in NeedRegistration comes back without a restart —
 * and when `dmgw proxy set|clear` rewrites the stored proxy.
 */
import { statSync } from 'node:fs';
import type { ChannelSettings } from '../../common/gateway/protocol.js';
import { ChannelClient } from '../channel/client.js';
import { nodeToken, readRegistration, registrationStamp, writeRegistration, type Registration } from '../channel/registration.js';
import { CertificateStore } from '../cert/store.js';
import { registerSecret } from '../../common/redact.js';
import { channelDispatcher } from '../channel/trust.js';
import type { GatewayHome } from '../config/home.js';
import { proxyFile, proxyFor, resolveProxy, type ProxySettings } from '../proxy/proxySettings.js';

export class Connection {
  registration?: Registration;
  client?: ChannelClient;
  settings: ChannelSettings = { pollWaitSeconds: 25, heartbeatSeconds: 10, leaseSeconds: 30 };
  /** the proxy in use for the service (undefined: direct); `dmgw proxy set|clear` rewrites proxy.json, which reloads like a registration */
  proxy?: ProxySettings;
  /** a proxy is configured, but NO_PROXY lists the service */
  bypassed = false;
  private stamp = '';

  /** `proxyFlag` is `dmgw host --proxy` (a URL or `direct`), which wins over the environment and the home. */
  constructor(
    private readonly home: GatewayHome,
    private readonly env: NodeJS.ProcessEnv,
    private readonly proxyFlag?: string,
  ) {}

  /** True when the registration or the stored proxy changed since the last load. */
  changed(): boolean {
    return this.currentStamp() !== this.stamp;
  }

  private currentStamp(): string {
    let proxy = 0;
    try {
      proxy = statSync(proxyFile(this.home)).mtimeMs;
    } catch {
      // no stored proxy
    }
    return `${registrationStamp(this.home)}:${proxy}`;
  }

  /** (Re)loads the registration; false when there is none. */
  async load(): Promise<boolean> {
    this.stamp = this.currentStamp();
    const reg = readRegistration(this.home);
    if (!reg) return false;
    const token = await nodeToken(this.home, reg);
    const old = this.client;
    this.registration = reg;
    const configured = await resolveProxy(this.home, this.env, this.proxyFlag);
    this.proxy = proxyFor(configured, reg.serviceUrl);
    this.bypassed = configured !== undefined && this.proxy === undefined;
    const trust = { certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint };
    const proxy = this.proxy;
    // a lease report that timed out is sent again on a connection of its own (the pooled ones may all be dead)
    this.client = new ChannelClient(reg.serviceUrl, channelDispatcher(trust, proxy), token, () => channelDispatcher(trust, proxy));
    // in-flight calls on the old client finish on their own connections
    if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
    return true;
  }

  /**
   * Puts a renewed credential in use: sealed into registration.json for the gateway certificate, and into the client
   * at once. False when `dmgw register` rewrote the registration meanwhile (that one wins: it is loaded next).
   */
  async useRenewedCredential(token: string, expiresAt: string): Promise<boolean> {
    const reg = this.registration;
    if (!reg || !this.client || this.changed()) return false;
    const { sealedToken: _s, ...rest } = reg;
    registerSecret(token);
    await writeRegistration(this.home, { ...rest, credentialExpiresAt: expiresAt, credentialRenewedAt: new Date().toISOString() }, token, new CertificateStore(this.home).require().certPem);
    this.client.setToken(token);
    this.registration = readRegistration(this.home);
    this.stamp = this.currentStamp();
    return true;
  }

  current(): ChannelClient {
    if (!this.client) throw new Error('not registered');
    return this.client;
  }
}
