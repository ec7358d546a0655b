/**
 * The credential endpoint's bearer token: `dmgwc_<base64url 32 bytes>` in `DMGW_HOME/credential-endpoint.token`
 * (0600), made on first use. Compared in constant time (SHA-256 of both sides, so lengths never leak either).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { registerSecret } from '../../common/redact.js';
import type { GatewayHome } from '../config/home.js';

const PREFIX = 'dmgwc_';

export function readEndpointToken(home: GatewayHome): string | undefined {
  try {
    const t = readFileSync(home.credentialEndpointTokenFile, 'utf8').trim();
    if (!t.startsWith(PREFIX)) return undefined;
    registerSecret(t);
    return t;
  } catch {
    return undefined;
  }
}

/** The current token, made when there is none. */
export function ensureEndpointToken(home: GatewayHome): string {
  return readEndpointToken(home) ?? rotateEndpointToken(home);
}

/** A new token; the old one stops working at the next request (the endpoint reads the file each time). */
export function rotateEndpointToken(home: GatewayHome): string {
  home.ensure();
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const tmp = `${home.credentialEndpointTokenFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, home.credentialEndpointTokenFile);
  registerSecret(token);
  return token;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (!presented || !expected) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
