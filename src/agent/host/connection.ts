/**
 * The host's current link to its service: the registration it was built from and a client holding the node
 * credential. Reloaded when `dmgw register` rewrites the registration (after a regenerated key, or a move to
 * another service), which is how a node in NeedRegistration comes back without a restart.
 */
import type { ChannelSettings } from '../../common/gateway/protocol.js';
import { ChannelClient } from '../channel/client.js';
import { nodeToken, readRegistration, registrationStamp, type Registration } from '../channel/registration.js';
import { channelDispatcher, proxyFromEnv } from '../channel/trust.js';
import type { GatewayHome } from '../config/home.js';

export class Connection {
  registration?: Registration;
  client?: ChannelClient;
  settings: ChannelSettings = { pollWaitSeconds: 25, heartbeatSeconds: 10, leaseSeconds: 30 };
  private stamp = -1;

  constructor(
    private readonly home: GatewayHome,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** True when the registration file changed since the last load. */
  changed(): boolean {
    return registrationStamp(this.home) !== this.stamp;
  }

  /** (Re)loads the registration; false when there is none. */
  async load(): Promise<boolean> {
    this.stamp = registrationStamp(this.home);
    const reg = readRegistration(this.home);
    if (!reg) return false;
    const token = await nodeToken(this.home, reg);
    const old = this.client;
    this.registration = reg;
    this.client = new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }, proxyFromEnv(this.env)), token);
    // in-flight calls on the old client finish on their own connections
    if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
    return true;
  }

  current(): ChannelClient {
    if (!this.client) throw new Error('not registered');
    return this.client;
  }
}
