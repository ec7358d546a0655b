/**
 * The target of a credential: the server (or storage account) a secret is for. An EncryptedCredential carries the
 * target it was encrypted for inside the JWE, and the worker refuses to connect when the linked service now names
 * another one (agent/credentials/binding.ts). Each store's target is derived from the very settings its driver gets
 * (postgresSettings.ts, mysqlSettings.ts, sqlServerSettings.ts, blobSettings.ts; storeTarget.ts picks one), so the
 * check and the connection cannot read a connection string two ways.
 *
 * Comparison: host names are compared lower-cased, without a trailing dot and without IPv6 brackets (DNS names are
 * case-insensitive); a name is bound, not the address it resolves to. Port is compared after the store's default is
 * filled in. Database and user are compared exactly (case-sensitive), as the driver sends them: PostgreSQL and MySQL
 * on Linux tell `Sales` from `sales`; on SQL Server a case change needs encrypting again (stricter than it must be).
 * `tls` is a floor, not an equality: the live connection may be more protected than the bound one, never less — an
 * author who also sits on the network must not be able to turn TLS off (or its checks down) and read the password on
 * the wire. `tlsName`, the name a SQL Server certificate is checked against when it is not the host
 * (HostNameInCertificate), is compared exactly: another name would let another certificate pass.
 */
import { DmgwError, type Place } from '../errors.js';

/**
 * How a database connection is protected: no TLS; TLS without checking the server's certificate; the certificate's
 * chain checked but not its name (MySQL VERIFY_CA); chain and name checked.
 */
export type TlsLevel = 'off' | 'unverified' | 'ca' | 'verified';
const TLS_RANK: Record<TlsLevel, number> = { off: 0, unverified: 1, ca: 2, verified: 3 };
const TLS_WORDS: Record<TlsLevel, string> = { off: '', unverified: ' with TLS (certificate not checked)', ca: ' with TLS (certificate chain checked, not its name)', verified: ' with verified TLS' };

export interface DatabaseTarget {
  type: 'PostgreSql' | 'MySql' | 'SqlServer';
  host: string;
  /** undefined only for a SQL Server named instance whose port the SQL Browser gives */
  port?: number;
  /** SQL Server `host\instance` */
  instance?: string;
  database?: string;
  user?: string;
  tls: TlsLevel;
  /** SQL Server HostNameInCertificate, when given */
  tlsName?: string;
}

export interface BlobTarget {
  type: 'AzureBlobStorage';
  account: string;
  /** scheme://host[:port][/path], no query: where every request goes */
  endpoint: string;
}

export interface FileServerTarget {
  type: 'FileServer';
  /** the root folder or share, as written */
  host: string;
  user?: string;
}

export type StoreTarget = DatabaseTarget | BlobTarget | FileServerTarget;

/** `DB1.Corp.` → `db1.corp`, `[::1]` → `::1`; a Unix socket folder (PostgreSQL `/var/run/postgresql`) is kept as is. */
export function normaliseHost(host: string): string {
  const h = host.trim();
  if (h.startsWith('/')) return h;
  return h.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

/** A port as the driver takes it: a whole number 1..65535, else a DmgwError naming where it came from. */
export function checkedPort(port: unknown, place: Place): number {
  const n = typeof port === 'number' ? port : Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new DmgwError('CONNECTION_STRING', `port ${JSON.stringify(port)} is not a port number (1-65535)`, place, 'write the server\'s TCP port, e.g. Port=5432');
  return n;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function databaseTarget(type: DatabaseTarget['type'], t: { host: string; port?: number; instance?: string; database?: unknown; user?: unknown; tls: TlsLevel; tlsName?: string }): DatabaseTarget {
  const out: DatabaseTarget = { type, host: normaliseHost(t.host), tls: t.tls };
  if (t.tlsName) out.tlsName = normaliseHost(t.tlsName);
  if (t.port !== undefined) out.port = t.port;
  if (t.instance) out.instance = t.instance.toLowerCase();
  const database = text(t.database);
  const user = text(t.user);
  if (database !== undefined) out.database = database;
  if (user !== undefined) out.user = user;
  return out;
}

/** `PostgreSql gateway@db1.corp:5432/sales with verified TLS`, `AzureBlobStorage acct at https://acct.blob.core.windows.net`. */
export function describeTarget(t: StoreTarget): string {
  if (t.type === 'AzureBlobStorage') return `AzureBlobStorage ${t.account} at ${t.endpoint}`;
  if (t.type === 'FileServer') return `FileServer ${t.host}${t.user ? ` as ${t.user}` : ''}`;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const server = `${host}${t.instance ? `\\${t.instance}` : ''}${t.port !== undefined ? `:${t.port}` : ''}`;
  const name = t.tlsName ? ` (certificate name ${t.tlsName})` : '';
  return `${t.type} ${t.user !== undefined ? `${t.user}@` : ''}${server}/${t.database ?? ''}${TLS_WORDS[t.tls]}${name}`;
}

/** What differs between the bound target and the live one (empty: the credential may be used). */
export function targetDifferences(bound: StoreTarget, live: StoreTarget): string[] {
  if (bound.type !== live.type) return ['store type'];
  const b = bound as unknown as Record<string, unknown>;
  const l = live as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const k of ['host', 'port', 'instance', 'database', 'user', 'account', 'endpoint']) if (b[k] !== l[k]) out.push(k);
  if (b.tlsName !== l.tlsName) out.push('certificate name');
  if (bound.type !== 'AzureBlobStorage' && bound.type !== 'FileServer' && TLS_RANK[(live as DatabaseTarget).tls] < TLS_RANK[bound.tls]) out.push('TLS (weaker than when it was encrypted)');
  return out;
}

/** Reads a target from a decrypted payload; anything else than what we write is refused (it was not made by dmgw). */
export function asStoreTarget(v: unknown): StoreTarget | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const only = (keys: string[]) => Object.keys(o).every((k) => keys.includes(k));
  const str = (k: string, optional = false) => (o[k] === undefined ? optional : typeof o[k] === 'string' && o[k] !== '');
  if (o.type === 'AzureBlobStorage') return only(['type', 'account', 'endpoint']) && str('account') && str('endpoint') ? (o as unknown as BlobTarget) : undefined;
  if (o.type === 'FileServer') return only(['type', 'host', 'user']) && str('host') && str('user', true) ? (o as unknown as FileServerTarget) : undefined;
  if (o.type !== 'PostgreSql' && o.type !== 'MySql' && o.type !== 'SqlServer') return undefined;
  const portOk = o.port === undefined || (Number.isInteger(o.port) && (o.port as number) >= 1 && (o.port as number) <= 65535);
  const tlsOk = typeof o.tls === 'string' && Object.hasOwn(TLS_RANK, o.tls);
  return only(['type', 'host', 'port', 'instance', 'database', 'user', 'tls', 'tlsName']) && str('host') && portOk && str('instance', true) && str('database', true) && str('user', true) && str('tlsName', true) && tlsOk ? (o as unknown as DatabaseTarget) : undefined;
}
