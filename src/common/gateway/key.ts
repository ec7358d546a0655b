/**
 * Gateway keys (authKey1/authKey2): everything a fresh agent needs to find, trust and join its gateway, in one
 * copy-pasteable string `DMGW@<base64url JSON>`. The service keeps the secret; the generation lets it revoke
 * every node credential issued under a key the moment the key is regenerated.
 */
import { DmgwError } from '../errors.js';

export const KEY_PREFIX = 'DMGW@';
export type KeyName = 'authKey1' | 'authKey2';
export const KEY_NAMES: KeyName[] = ['authKey1', 'authKey2'];

export interface GatewayKey {
  v: 1;
  /** Base URL of the factory service, e.g. https://factory.example:8443 */
  url: string;
  /** ARM id of the factory */
  factory: string;
  /** Gateway (self-hosted integration runtime) name */
  gateway: string;
  gatewayId: string;
  /** SHA-256 of the service's TLS certificate (DER), upper-case hex; absent when the service has a publicly trusted one. */
  fingerprint?: string;
  key: KeyName;
  /** Bumped by regenerateAuthKey; node credentials issued under an older generation are revoked. */
  gen: number;
  secret: string;
}

export function formatGatewayKey(k: GatewayKey): string {
  return KEY_PREFIX + Buffer.from(JSON.stringify(k), 'utf8').toString('base64url');
}

export function parseGatewayKey(text: string): GatewayKey {
  const t = text.trim();
  const bad = (why: string): never => {
    throw new DmgwError('KEY_INVALID', `the gateway key is not valid: ${why}`, { field: 'key' }, 'copy authKey1 or authKey2 again (`dmgw gateway keys NAME`, or the portal/extension), whole, starting with DMGW@');
  };
  if (!t.startsWith(KEY_PREFIX)) bad(`it does not start with ${KEY_PREFIX}`);
  let v: Partial<GatewayKey>;
  try {
    v = JSON.parse(Buffer.from(t.slice(KEY_PREFIX.length), 'base64url').toString('utf8')) as Partial<GatewayKey>;
  } catch {
    return bad('it is truncated or altered');
  }
  // valid JSON that is not an object (`null`, a number) was a TypeError below
  if (!v || typeof v !== 'object' || Array.isArray(v)) return bad('it is truncated or altered');
  // values are looked at by type before they are shown or matched: a `{"toString": 0}` cannot become a string
  if (v.v !== 1) bad(`unknown key version ${typeof v.v === 'number' ? v.v : '(not a number)'}`);
  for (const f of ['url', 'factory', 'gateway', 'gatewayId', 'secret'] as const) if (typeof v[f] !== 'string' || !v[f]) bad(`"${f}" is missing`);
  if (!KEY_NAMES.includes(v.key as KeyName)) bad('"key" must be authKey1 or authKey2');
  if (typeof v.gen !== 'number') bad('"gen" is missing');
  if (v.fingerprint !== undefined && (typeof v.fingerprint !== 'string' || !/^[0-9A-F]{64}$/.test(v.fingerprint))) bad('"fingerprint" is not a SHA-256 hex digest');
  try {
    const u = new URL(v.url!);
    if (u.protocol !== 'https:') bad('the service URL must be https');
  } catch {
    bad('the service URL is not a URL');
  }
  return v as GatewayKey;
}
