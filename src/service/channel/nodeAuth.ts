/**
 * Node credentials: `dmgwn_<random>` bearer tokens. Only their SHA-256 is stored. A token is refused (401) when
 * unknown, when its node was deleted, when it expired (its host renews it at half its lifetime: credential.ts), or
 * when the key it was issued under has been regenerated since; the error code tells the host to stop taking work
 * and show NeedRegistration.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { markAuthenticated } from '../http/body.js';
import { HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import type { PresentedNode } from '../store/nodes.js';

export const NEED_REGISTRATION = 'NeedRegistration';

export function newNodeToken(): { token: string; hash: string } {
  const token = `dmgwn_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

export async function authenticateNode(ctx: ServiceContext, req: IncomingMessage): Promise<PresentedNode> {
  const node = await revalidate(ctx, presentedHash(req));
  markAuthenticated(req);
  return node;
}

/** The SHA-256 of the credential the request presents; 401 when it presents none. */
export function presentedHash(req: IncomingMessage): string {
  const token = bearerOf(req);
  if (!token) throw new HttpError(401, NEED_REGISTRATION, 'no node credential: register this node with a gateway key (dmgw register KEY)');
  return hashToken(token);
}

/** Looks the node up again (long polls do this while they wait, so a regenerated key stops them at once). */
export async function revalidate(ctx: ServiceContext, tokenHash: string): Promise<PresentedNode> {
  const node = await ctx.nodes.byTokenHash(tokenHash);
  if (!node) throw new HttpError(401, NEED_REGISTRATION, 'this node credential is not known to the service (the node was removed, registered again, or its credential was renewed long ago): register the node again with a gateway key');
  if (node.presented_expired) {
    throw new HttpError(401, NEED_REGISTRATION, `this node credential expired at ${node.presented_expires_at.toISOString()} (a host renews its credential at half its lifetime; this one was not renewed in time — the host was stopped or could not reach the service): register the node again with a gateway key`);
  }
  if (!node.credential_valid) throw new HttpError(401, NEED_REGISTRATION, `the ${node.key_name} this node registered with was regenerated, which revoked its credential: register again with a current key`);
  return node;
}
