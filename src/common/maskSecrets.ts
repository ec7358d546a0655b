/**
 * What an ARM answer shows in place of a secret: ADF's `**********`. `maskSecrets` returns a copy of a resource's
 * `properties` with every secret value replaced by it, so whatever leaves the factory service (and what it keeps
 * in the clear in its store) has no secret left:
 * - every SecureString value (`{ "type": "SecureString", "value": ... }`) anywhere, and the `defaultValue` of
 *   every parameter declared `SecureString` (pipelines, datasets, linked services);
 * - in a linked service's typeProperties also plain-string secrets: connection-string entries
 *   (`Password=`, `AccountKey=`, `SharedAccessSignature=`, ...), a URL's password (and a `password` option), the
 *   `sig` of a SAS URI, and the secret fields (`password`, `accountKey`, `sasToken`, ...).
 * An EncryptedCredential is ciphertext only the gateway can open and passes through; so do Key Vault references.
 * `echoedMask` finds the mask sent back in place of a secret (a GET edited and PUT again).
 */
import { formatConnectionString, formatDatabaseUrl, isUrlConnectionString, parseConnectionString, parseDatabaseUrl } from './connectionString.js';
import { SECRET_CONNECTION_KEYS, SECRET_TYPE_PROPERTIES, secretText } from './secrets.js';

export const MASK = '**********';

export interface Masked<T> {
  value: T;
  /** false when there was nothing to mask (the value is then the input itself) */
  masked: boolean;
}

export function maskSecrets(properties: Record<string, unknown>, linkedService: boolean): Masked<Record<string, unknown>> {
  let masked = false;
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (!x || typeof x !== 'object') return x;
    const o = x as Record<string, unknown>;
    const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v)]));
    if (isSecureString(o)) {
      for (const k of ['value', 'defaultValue']) {
        if (k in o && o[k] !== MASK) {
          out[k] = MASK;
          masked = true;
        }
      }
    }
    return out;
  };
  const value = walk(properties) as Record<string, unknown>;
  const tp = value.typeProperties;
  if (linkedService && tp && typeof tp === 'object' && !Array.isArray(tp)) {
    const t = tp as Record<string, unknown>;
    const set = (field: string, v: unknown): void => {
      if (v === t[field]) return;
      t[field] = v;
      masked = true;
    };
    set('connectionString', maskConnectionString(t.connectionString));
    for (const f of SECRET_TYPE_PROPERTIES) if (typeof t[f] === 'string' && t[f]) set(f, MASK);
    if (typeof t.sasUri === 'string') set('sasUri', maskSasSignature(t.sasUri));
  }
  return masked ? { value, masked } : { value: properties, masked };
}

/**
 * Where a resource carries the mask itself in place of a secret (an answer sent back as it came: GET, edit, PUT),
 * as a JSON path; undefined when it does not. Storing it would replace the secret with ten asterisks.
 */
export function echoedMask(properties: Record<string, unknown>, linkedService: boolean): string | undefined {
  const walk = (x: unknown, path: string): string | undefined => {
    if (!x || typeof x !== 'object') return undefined;
    const o = x as Record<string, unknown>;
    if (!Array.isArray(x) && isSecureString(o)) for (const k of ['value', 'defaultValue']) if (o[k] === MASK) return `${path}.${k}`;
    for (const [k, v] of Object.entries(o)) {
      const found = walk(v, Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`);
      if (found) return found;
    }
    return undefined;
  };
  const found = walk(properties, 'properties');
  const tp = properties.typeProperties as Record<string, unknown> | undefined;
  if (found || !linkedService || !tp || typeof tp !== 'object') return found;
  const at = (f: string): string => `properties.typeProperties.${f}`;
  const cs = secretText(tp.connectionString);
  if (cs && connectionStringEchoes(cs)) return at('connectionString');
  for (const f of SECRET_TYPE_PROPERTIES) if (tp[f] === MASK) return at(f);
  if (typeof tp.sasUri === 'string' && /[?&]sig=\*{10}(?:[&#]|$)/.test(tp.sasUri)) return at('sasUri');
  return undefined;
}

function connectionStringEchoes(cs: string): boolean {
  try {
    if (isUrlConnectionString(cs)) {
      const u = parseDatabaseUrl(cs);
      return u.password === MASK || Object.entries(u.options).some(([k, v]) => isSecretKey(k) && v === MASK);
    }
    return parseConnectionString(cs).entries.some((e) => isSecretKey(e.key) && e.value === MASK);
  } catch {
    return cs === MASK;
  }
}

const isSecureString = (o: Record<string, unknown>): boolean => typeof o.type === 'string' && o.type.toLowerCase() === 'securestring';

const isSecretKey = (k: string): boolean => SECRET_CONNECTION_KEYS.includes(k.toLowerCase());

/** A plain-string connection string with its secret entries masked (the same string when it holds none). */
function maskConnectionString(v: unknown): unknown {
  if (typeof v !== 'string' || !v) return v;
  try {
    if (isUrlConnectionString(v)) {
      const u = parseDatabaseUrl(v);
      const secretOptions = Object.keys(u.options).filter((k) => isSecretKey(k) && u.options[k] && u.options[k] !== MASK);
      if ((!u.password || u.password === MASK) && !secretOptions.length) return v;
      for (const k of secretOptions) u.options[k] = MASK;
      return formatDatabaseUrl({ ...u, password: u.password ? MASK : undefined });
    }
    const entries = parseConnectionString(v).entries;
    if (!entries.some((e) => isSecretKey(e.key) && e.value && e.value !== MASK)) return v;
    return formatConnectionString(entries.map((e) => (isSecretKey(e.key) && e.value ? { key: e.key, value: MASK } : e)));
  } catch {
    // Cannot tell what is secret in a string that does not parse: none of it is shown.
    return MASK;
  }
}

function maskSasSignature(uri: string): string {
  return uri.replace(/([?&]sig=)([^&#]*)/gi, (m, pre: string, sig: string) => (sig && sig !== MASK ? `${pre}${MASK}` : m));
}
