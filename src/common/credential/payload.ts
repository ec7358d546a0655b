/**
 * What goes into an EncryptedCredential and how it comes back out: the two directions of one mapping, kept in
 * one file so they cannot drift apart.
 *
 * The payload is JSON:
 *   { "version": 2,
 *     "target": { "type": "PostgreSql", "host": "db1.corp", "port": 5432, "database": "sales", "user": "gateway",
 *                 "tls": "off" },                             the server the secrets are for (stores/target.ts); the
 *                                                              worker refuses to send them anywhere else
 *     "connectionString": { "Password": "..." },              secret entries of the connection string, key spelled
 *                                                              as the user wrote it; for a URL-form string the key
 *                                                              is "password" (the URL's password)
 *     "typeProperties":   { "password": {"type": "SecureString", "value": "..."},
 *                           "sasUri": "https://...?sv=...&sig=..." } }   secret typeProperties, each with its
 *                                                              original JSON value, so it comes back in the same form
 * Two sections rather than one flat object because a connection-string key and a typeProperties field may share a name.
 * Credentials made before version 2 have neither version nor target: they open, but the worker refuses to use them.
 */
import { type ConnectionStringEntry, formatConnectionString, formatDatabaseUrl, isUrlConnectionString, parseConnectionString, parseDatabaseUrl, type DatabaseUrl } from '../connectionString.js';
import { DmgwError, type Place } from '../errors.js';
import { SECRET_CONNECTION_KEYS, SECRET_TYPE_PROPERTIES, secretText } from '../secrets.js';
import type { SecretValue } from '../model/types.js';
import { asStoreTarget, type StoreTarget } from '../stores/target.js';
import { likeType } from '../model/linkedServiceTypes.js';

export const PAYLOAD_VERSION = 2;

export interface CredentialPayload {
  /** 2 for a bound credential; absent in credentials made before binding */
  version?: number;
  /** The server the secrets may be sent to; absent in credentials made before binding. */
  target?: StoreTarget;
  connectionString?: Record<string, string>;
  typeProperties?: Record<string, unknown>;
}

export const ENCRYPTED_CREDENTIAL_KEY = 'EncryptedCredential';

/** The connection string a linked service holds, plain or as a SecureString. */
export interface ConnectionStringField {
  text: string;
  secure: boolean;
  form: 'ado' | 'url';
}

export function connectionStringField(tp: Record<string, unknown>): ConnectionStringField | undefined {
  const v = tp.connectionString;
  const text = secretText(v);
  if (text === undefined) return undefined;
  return { text, secure: typeof v === 'object', form: isUrlConnectionString(text) ? 'url' : 'ado' };
}

export function isSecretConnectionKey(key: string): boolean {
  return SECRET_CONNECTION_KEYS.includes(key.toLowerCase());
}

/** Everything secret a linked service holds in plaintext, and what is left of it once they are taken out. */
export interface SecretSplit {
  payload: CredentialPayload;
  /** The connection string without its secret entries and without any EncryptedCredential entry. */
  connection?: {
    field: ConnectionStringField;
    /** ADO.NET form: the remaining entries; `at` is where the secrets (or an EncryptedCredential) were. */
    entries?: ConnectionStringEntry[];
    at?: number;
    /** URL form: the URL without its password. */
    url?: DatabaseUrl;
    /** An EncryptedCredential found inside the connection string. */
    credential?: string;
  };
  /** typeProperties fields to take out (secrets) or to rewrite (a SAS URI without its token). */
  removeFields: string[];
  rewriteFields: Record<string, unknown>;
}

/** Finds the plaintext secrets of `typeProperties`; a connection string that cannot be parsed is an error (we cannot tell what is secret in it). */
export function splitSecrets(tp: Record<string, unknown>, place: Place = {}): SecretSplit {
  const split: SecretSplit = { payload: {}, removeFields: [], rewriteFields: {} };
  const cs = connectionStringField(tp);
  if (cs?.form === 'ado') {
    let entries: ConnectionStringEntry[];
    try {
      entries = parseConnectionString(cs.text).entries;
    } catch (e) {
      throw unparseable(e, place);
    }
    const kept: ConnectionStringEntry[] = [];
    let at: number | undefined;
    let credential: string | undefined;
    for (const e of entries) {
      if (e.key.toLowerCase() === ENCRYPTED_CREDENTIAL_KEY.toLowerCase()) {
        at ??= kept.length;
        credential = e.value || credential;
      } else if (isSecretConnectionKey(e.key) && e.value) {
        at ??= kept.length;
        const section = (split.payload.connectionString ??= {});
        // Of repeated keys the last one is the one drivers use; keep that one under its own spelling.
        for (const k of Object.keys(section)) if (k.toLowerCase() === e.key.toLowerCase()) delete section[k];
        section[e.key] = e.value;
      } else kept.push(e);
    }
    split.connection = { field: cs, entries: kept, at, credential };
  } else if (cs?.form === 'url') {
    let url: DatabaseUrl;
    try {
      url = parseDatabaseUrl(cs.text);
    } catch (e) {
      throw unparseable(e, place);
    }
    if (url.password) split.payload.connectionString = { password: url.password };
    split.connection = { field: cs, url: { ...url, password: undefined } };
  }
  for (const f of SECRET_TYPE_PROPERTIES) {
    if (secretText(tp[f])) {
      (split.payload.typeProperties ??= {})[f] = tp[f];
      split.removeFields.push(f);
    }
  }
  const sas = secretText(tp.sasUri);
  if (sas && sas.includes('?')) {
    (split.payload.typeProperties ??= {}).sasUri = tp.sasUri;
    const bare = sas.slice(0, sas.indexOf('?'));
    split.rewriteFields.sasUri = typeof tp.sasUri === 'object' ? { ...(tp.sasUri as SecretValue), value: bare } : bare;
  }
  return split;
}

/**
 * The parser quotes the text it stumbled on, and in a connection string that does not parse that text may be part
 * of a password (an unquoted `;` inside it), so only the position is kept.
 */
function unparseable(e: unknown, place: Place): DmgwError {
  const at = /at character \d+/.exec((e as Error).message)?.[0];
  return new DmgwError(
    'CONNECTION_STRING',
    `the connection string cannot be parsed${at ? ` (${at})` : ''}, so its secrets cannot be found`,
    place,
    'write entries as key=value separated by ";" and put a value that contains ";" or quotes in double quotes (a literal " doubled)',
  );
}

/** Where a secret given on the command line goes, by linked-service type: the field a user would have typed it in. */
export type SecretTarget = { section: 'connectionString'; key: string } | { section: 'typeProperties'; field: string };

export function suppliedSecretTarget(type: string, tp: Record<string, unknown>, place: Place = {}): SecretTarget {
  const cs = connectionStringField(tp);
  // AzureStorage is the older name of AzureBlobStorage: the same fields (src/common/model/linkedServiceTypes.ts)
  if (likeType(type) === 'AzureBlobStorage') {
    if (cs?.form === 'ado') {
      const entries = safeEntries(cs.text);
      const sasKey = entries.find((e) => e.key.toLowerCase() === 'sharedaccesssignature');
      if (sasKey) return { section: 'connectionString', key: sasKey.key };
      const accountKey = entries.find((e) => e.key.toLowerCase() === 'accountkey');
      if (!entries.some((e) => e.key.toLowerCase() === 'usedevelopmentstorage')) return { section: 'connectionString', key: accountKey?.key ?? 'AccountKey' };
    }
    if (secretText(tp.sasUri) !== undefined) return { section: 'typeProperties', field: 'sasToken' };
    throw new DmgwError('NO_SECRET_FIELD', 'this AzureBlobStorage linked service has neither an account connection string nor a sasUri to add the secret to', place, 'write the secret into the file (AccountKey=... in connectionString, or the SAS in sasUri), then run `dmgw encrypt FILE`');
  }
  if (cs?.form === 'url') return { section: 'connectionString', key: 'password' };
  if (cs?.form === 'ado') {
    const existing = safeEntries(cs.text).find((e) => e.key.toLowerCase() === 'password' || e.key.toLowerCase() === 'pwd');
    return { section: 'connectionString', key: existing?.key ?? 'Password' };
  }
  return { section: 'typeProperties', field: 'password' };
}

function safeEntries(text: string): ConnectionStringEntry[] {
  try {
    return parseConnectionString(text).entries;
  } catch {
    return [];
  }
}

/** Adds `secret` at `target`, replacing whatever the payload had there. */
export function addSecret(payload: CredentialPayload, target: SecretTarget, secret: string): void {
  if (target.section === 'connectionString') {
    const section = (payload.connectionString ??= {});
    for (const k of Object.keys(section)) if (k.toLowerCase() === target.key.toLowerCase()) delete section[k];
    section[target.key] = secret;
  } else {
    (payload.typeProperties ??= {})[target.field] = { type: 'SecureString', value: secret };
  }
}

/** `older` with `newer` laid over it (connection-string keys compared case-insensitively). */
export function mergePayloads(older: CredentialPayload, newer: CredentialPayload): CredentialPayload {
  const out: CredentialPayload = {};
  const cs = { ...(older.connectionString ?? {}) };
  for (const [k, v] of Object.entries(newer.connectionString ?? {})) {
    for (const old of Object.keys(cs)) if (old.toLowerCase() === k.toLowerCase()) delete cs[old];
    cs[k] = v;
  }
  if (Object.keys(cs).length) out.connectionString = cs;
  const tp = { ...(older.typeProperties ?? {}), ...(newer.typeProperties ?? {}) };
  if (Object.keys(tp).length) out.typeProperties = tp;
  return out;
}

export function isEmptyPayload(p: CredentialPayload): boolean {
  return !Object.keys(p.connectionString ?? {}).length && !Object.keys(p.typeProperties ?? {}).length;
}

/** Checks that an opened payload has our shape; never echoes its content. */
export function asCredentialPayload(v: unknown, place: Place = {}): CredentialPayload {
  const bad = (why: string): never => {
    throw new DmgwError('CREDENTIAL_PAYLOAD', `EncryptedCredential decrypts, but ${why}: it was not made by dmgw`, place, 'encrypt the secret again with `dmgw encrypt FILE`');
  };
  if (!isPlainObject(v)) return bad('not to a JSON object');
  for (const k of Object.keys(v)) if (!['version', 'target', 'connectionString', 'typeProperties'].includes(k)) bad(`it has an unknown section ${JSON.stringify(k)}`);
  if ((v.version !== undefined || v.target !== undefined) && v.version !== PAYLOAD_VERSION) bad(`its version ${JSON.stringify(v.version)} is not ${PAYLOAD_VERSION}`);
  if (v.version !== undefined && !asStoreTarget(v.target)) bad('its target is not one dmgw writes');
  if (v.connectionString !== undefined) {
    if (!isPlainObject(v.connectionString)) bad('its connectionString section is not an object');
    for (const [k, x] of Object.entries(v.connectionString as object)) if (typeof x !== 'string') bad(`its connection-string entry ${JSON.stringify(k)} is not a string`);
  }
  if (v.typeProperties !== undefined) {
    if (!isPlainObject(v.typeProperties)) bad('its typeProperties section is not an object');
    for (const [k, x] of Object.entries(v.typeProperties as object)) if (secretText(x) === undefined) bad(`its field ${JSON.stringify(k)} is neither a string nor a SecureString`);
  }
  return v as CredentialPayload;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Names (never values) of what a payload holds: `connectionString:Password`, `password`. */
export function payloadFieldNames(p: CredentialPayload): string[] {
  return [...Object.keys(p.connectionString ?? {}).map((k) => `connectionString:${k}`), ...Object.keys(p.typeProperties ?? {})];
}

/** Every secret string a payload holds, including the token of a SAS URI, for `registerSecret`. */
export function payloadSecretValues(p: CredentialPayload): string[] {
  const out = Object.values(p.connectionString ?? {});
  for (const v of Object.values(p.typeProperties ?? {})) {
    const text = secretText(v);
    if (!text) continue;
    out.push(text);
    const q = text.indexOf('?');
    if (q >= 0 && /^https?:/i.test(text)) {
      out.push(text.slice(q + 1));
      const sig = /[?&]sig=([^&]+)/i.exec(text)?.[1];
      if (sig) out.push(sig, decodeURIComponent(sig));
    }
  }
  for (const v of [...out]) {
    // A SAS given as a connection-string value or token also shows up by its signature alone.
    const sig = /(?:^|[?&])sig=([^&]+)/i.exec(v)?.[1];
    if (sig && !out.includes(sig)) out.push(sig);
  }
  return out.filter((v) => v !== '');
}

/**
 * `typeProperties` as the file holds them once `split`'s secrets are encrypted, without the EncryptedCredential
 * itself: what a run resolves expressions over before the secrets are put back.
 */
export function withoutSecrets(tp: Record<string, unknown>, split: SecretSplit): Record<string, unknown> {
  const out: Record<string, unknown> = { ...tp };
  delete out.encryptedCredential;
  const conn = split.connection;
  if (conn?.entries) out.connectionString = withText(tp.connectionString, formatConnectionString(conn.entries));
  else if (conn?.url) out.connectionString = withText(tp.connectionString, formatDatabaseUrl(conn.url));
  for (const f of split.removeFields) delete out[f];
  Object.assign(out, split.rewriteFields);
  return out;
}

/**
 * The inverse of encryption: `typeProperties` with the payload's secrets put back where they came from and the
 * EncryptedCredential gone. Returns a new object; the input is not modified.
 */
export function restoreSecrets(tp: Record<string, unknown>, payload: CredentialPayload, place: Place = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...tp };
  delete out.encryptedCredential;
  const cs = connectionStringField(tp);
  const csSecrets = Object.entries(payload.connectionString ?? {});
  if (cs?.form === 'ado') {
    const entries = parseConnectionString(cs.text).entries;
    const at = entries.findIndex((e) => e.key.toLowerCase() === ENCRYPTED_CREDENTIAL_KEY.toLowerCase());
    const kept = entries.filter((e) => e.key.toLowerCase() !== ENCRYPTED_CREDENTIAL_KEY.toLowerCase());
    const restored = csSecrets.map(([key, value]) => ({ key, value }));
    kept.splice(at >= 0 ? Math.min(at, kept.length) : kept.length, 0, ...restored);
    out.connectionString = withText(tp.connectionString, formatConnectionString(kept));
  } else if (cs?.form === 'url') {
    const password = csSecrets.find(([k]) => k.toLowerCase() === 'password')?.[1];
    if (password !== undefined) out.connectionString = withText(tp.connectionString, formatDatabaseUrl({ ...parseDatabaseUrl(cs.text), password }));
  } else if (csSecrets.length) {
    throw new DmgwError('CREDENTIAL_MISMATCH', `the EncryptedCredential holds connection-string secrets (${csSecrets.map(([k]) => k).join(', ')}) but the linked service has no connection string`, place, 'restore the connectionString the credential was made for, or encrypt the secret again with `dmgw encrypt FILE`');
  }
  for (const [k, v] of Object.entries(payload.typeProperties ?? {})) out[k] = v;
  return out;
}

/** A new string in the same JSON form (plain or SecureString) as `original`. */
function withText(original: unknown, text: string): unknown {
  return typeof original === 'object' && original ? { ...(original as SecretValue), value: text } : text;
}
