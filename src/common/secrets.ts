/**
 * Where a linked service keeps secrets, per type, in ADF's field names. Used by `dmgw validate` (plaintext
 * secret warning), by `dmgw encrypt` (what to move into the EncryptedCredential) and by redaction.
 */
import { ConnectionString, isUrlConnectionString, parseConnectionString, parseDatabaseUrl } from './connectionString.js';
import type { LinkedService, SecretValue } from './model/types.js';

/** Connection-string keys that hold a secret (case-insensitive), across SQL Server, PostgreSQL, MySQL and Azure Storage. */
export const SECRET_CONNECTION_KEYS = ['password', 'pwd', 'accountkey', 'sharedaccesssignature', 'sastoken'];

/** `typeProperties` fields that hold a secret (string or SecureString). */
export const SECRET_TYPE_PROPERTIES = ['password', 'accountKey', 'sasToken', 'servicePrincipalKey', 'servicePrincipalCredential', 'credential', 'privateKey'];

export interface PlaintextSecret {
  /** JSON path of the field that holds it */
  path: Array<string | number>;
  /** What it is: `connectionString:Password`, `password`, `sasUri:sig` */
  name: string;
}

/** The string inside a plain string or a SecureString; undefined for Key Vault references and absent values. */
export function secretText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && (v as SecretValue).type === 'SecureString' && typeof (v as SecretValue).value === 'string') return (v as SecretValue).value;
  return undefined;
}

/** Parses a connection string in ADO.NET or URL form; undefined when it cannot be parsed (validate reports that). */
export function tryParseConnection(text: string): ConnectionString | undefined {
  try {
    if (isUrlConnectionString(text)) {
      const u = parseDatabaseUrl(text);
      const cs = new ConnectionString();
      if (u.password !== undefined) cs.set('Password', u.password);
      return cs;
    }
    return parseConnectionString(text);
  } catch {
    return undefined;
  }
}

/** Every plaintext secret in a linked service (an empty value does not count). */
export function findPlaintextSecrets(ls: LinkedService): PlaintextSecret[] {
  const out: PlaintextSecret[] = [];
  const tp = (ls.properties.typeProperties ?? {}) as Record<string, unknown>;
  const base = ['properties', 'typeProperties'];
  const csText = secretText(tp.connectionString);
  if (csText) {
    const csPath = [...base, 'connectionString', ...(typeof tp.connectionString === 'object' ? ['value'] : [])];
    const cs = tryParseConnection(csText);
    for (const e of cs?.entries ?? []) {
      if (SECRET_CONNECTION_KEYS.includes(e.key.toLowerCase()) && e.value) out.push({ path: csPath, name: `connectionString:${e.key}` });
    }
  }
  for (const f of SECRET_TYPE_PROPERTIES) {
    const v = tp[f];
    const text = secretText(v);
    if (text) out.push({ path: [...base, f, ...(typeof v === 'object' ? ['value'] : [])], name: f });
  }
  const sas = secretText(tp.sasUri);
  if (sas && /[?&]sig=/i.test(sas)) out.push({ path: [...base, 'sasUri', ...(typeof tp.sasUri === 'object' ? ['value'] : [])], name: 'sasUri:sig' });
  return out;
}

/** The EncryptedCredential a linked service carries, in either form: `typeProperties.encryptedCredential` or inside the connection string. */
export function encryptedCredentialOf(ls: LinkedService): { value: string; path: Array<string | number>; form: 'typeProperty' | 'connectionString' } | undefined {
  const tp = (ls.properties.typeProperties ?? {}) as Record<string, unknown>;
  if (typeof tp.encryptedCredential === 'string' && tp.encryptedCredential) return { value: tp.encryptedCredential, path: ['properties', 'typeProperties', 'encryptedCredential'], form: 'typeProperty' };
  const csText = secretText(tp.connectionString);
  const v = csText && !isUrlConnectionString(csText) ? tryParseConnection(csText)?.get('EncryptedCredential') : undefined;
  if (v) return { value: v, path: ['properties', 'typeProperties', 'connectionString'], form: 'connectionString' };
  return undefined;
}
