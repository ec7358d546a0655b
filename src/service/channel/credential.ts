/**
 * POST /gateway/v1/credential: a node renews its credential, authenticated by the one it has. The new one is valid for
 * the service's credential lifetime; the presented one stays valid a short overlap (a lost answer must not strand the
 * node: it asks again with the old one, and the credential it never received is dropped). Hosts renew at half the
 * lifetime (credentialRenewAfter in the register, renew and heartbeat answers), so a credential that expires belongs
 * to a node that was away for half a lifetime or more — or was copied: either way it is refused (nodeAuth.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { CredentialResponse, CredentialTimes } from '../../common/gateway/protocol.js';
import { HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import type { PresentedNode } from '../store/nodes.js';
import { NEED_REGISTRATION, newNodeToken, presentedHash, revalidate } from './nodeAuth.js';

/** Renew at half the lifetime; at once when the credential presented is one a renewal already replaced. */
export function credentialTimes(ctx: ServiceContext, expiresAt: Date, presented: PresentedNode['presented'] = 'current'): CredentialTimes {
  const renewAfter = presented === 'previous' ? new Date() : new Date(expiresAt.getTime() - ctx.credentials.lifetimeSeconds * 500);
  return { credentialExpiresAt: expiresAt.toISOString(), credentialRenewAfter: renewAfter.toISOString() };
}

export async function renewCredential(ctx: ServiceContext, req: IncomingMessage): Promise<CredentialResponse> {
  const hash = presentedHash(req);
  const node = await revalidate(ctx, hash);
  const { token, hash: newHash } = newNodeToken();
  const { lifetimeSeconds, overlapSeconds } = ctx.credentials;
  const expiresAt = await ctx.nodes.renewToken(node.id, hash, newHash, lifetimeSeconds, overlapSeconds);
  if (!expiresAt) throw new HttpError(401, NEED_REGISTRATION, 'this node credential was replaced meanwhile: register the node again with a gateway key');
  ctx.log('info', `node ${node.name} renewed its credential (valid until ${expiresAt.toISOString()})`);
  return { token, ...credentialTimes(ctx, expiresAt) };
}
