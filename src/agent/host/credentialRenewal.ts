/**
 * The host keeps its node credential alive: the service says in every heartbeat when the credential it presented
 * expires and from when to renew it (half its lifetime; at once when it is one a renewal already replaced). Once due,
 * the host asks for a new one with the current one (`POST /credential`) and seals it into registration.json. A
 * failure is tried again at the next heartbeat; the old credential stays valid until it expires, and a renewal whose
 * answer was lost can be asked for again with it for a short while (the service keeps it valid an overlap).
 */
import type { CredentialTimes } from '../../common/gateway/protocol.js';
import type { Logger } from '../../common/log.js';
import { ChannelFailure } from '../channel/client.js';
import type { Connection } from './connection.js';

export async function renewCredentialIfDue(conn: Connection, times: CredentialTimes | undefined, log: Logger, now = Date.now()): Promise<void> {
  if (!times || !conn.client || now < Date.parse(times.credentialRenewAfter)) return;
  try {
    const r = await conn.client.renewCredential();
    if (await conn.useRenewedCredential(r.token, r.credentialExpiresAt)) log.info(`node credential renewed: valid until ${r.credentialExpiresAt}`);
  } catch (e) {
    // 401: the listener owns NeedRegistration
    if (e instanceof ChannelFailure && e.kind === 'unauthorized') return;
    log.warn(`could not renew the node credential (${(e as Error).message}); it is valid until ${times.credentialExpiresAt}, trying again at the next heartbeat`);
  }
}
