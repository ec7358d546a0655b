/**
 * Connection strings as ADF linked services carry them.
 * - ADO.NET / OLE DB style `key=value;key2="quoted; value";` (System.Data.Common.DbConnectionStringBuilder rules):
 *   keys are case-insensitive and trimmed, `==` in a key is a literal `=`, values may be wrapped in `"` or `'`
 *   (a doubled quote inside is a literal quote), unquoted values are trimmed and end at `;`.
 * - URL style `postgres://user:pass@host:5432/db?sslmode=require` (also `postgresql:`, `mysql:`, `mariadb:`).
 * Parsing keeps the original key spelling and order so that formatting round-trips.
 */
import { DmgwError } from './errors.js';

export interface ConnectionStringEntry {
  key: string;
  value: string;
}

export class ConnectionString {
  constructor(readonly entries: ConnectionStringEntry[] = []) {}

  /** Case-insensitive lookup; the first of several synonyms that is present wins. */
  get(...keys: string[]): string | undefined {
    for (const k of keys) {
      const lk = k.toLowerCase();
      for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.key.toLowerCase() === lk) return this.entries[i]!.value;
    }
    return undefined;
  }

  has(...keys: string[]): boolean {
    return this.get(...keys) !== undefined;
  }

  /** Sets (replacing the first entry with the same key, case-insensitively) or appends. */
  set(key: string, value: string): this {
    const lk = key.toLowerCase();
    const i = this.entries.findIndex((e) => e.key.toLowerCase() === lk);
    if (i >= 0) this.entries[i] = { key: this.entries[i]!.key, value };
    else this.entries.push({ key, value });
    return this;
  }

  /** Removes every entry with any of the keys; returns the removed values. */
  delete(...keys: string[]): string[] {
    const lks = new Set(keys.map((k) => k.toLowerCase()));
    const removed = this.entries.filter((e) => lks.has(e.key.toLowerCase())).map((e) => e.value);
    const kept = this.entries.filter((e) => !lks.has(e.key.toLowerCase()));
    this.entries.splice(0, this.entries.length, ...kept);
    return removed;
  }

  toString(): string {
    return formatConnectionString(this.entries);
  }
}

/** Parses `key=value;...`. Throws DmgwError with the character offset of the problem. */
export function parseConnectionString(text: string): ConnectionString {
  const entries: ConnectionStringEntry[] = [];
  let i = 0;
  const n = text.length;
  const fail = (msg: string, at: number, hint?: string): never => {
    throw new DmgwError('CONNECTION_STRING', `connection string: ${msg} at character ${at + 1}`, { field: 'connectionString' }, hint);
  };
  while (i < n) {
    // skip separators and whitespace before a key
    while (i < n && (text[i] === ';' || isSpace(text[i]!))) i++;
    if (i >= n) break;
    // key: up to a single '=' ('==' is a literal '=')
    let key = '';
    const keyStart = i;
    for (;;) {
      // The text itself is never echoed: after an unquoted ';' inside a password it may be part of the secret.
      if (i >= n) fail('an entry has no "=value"', keyStart, 'write entries as key=value separated by ";", and quote values that contain ";"');
      const c = text[i]!;
      if (c === '=') {
        if (text[i + 1] === '=') {
          key += '=';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      if (c === ';') fail('an entry has no "=value"', keyStart, 'write entries as key=value separated by ";", and quote values that contain ";"');
      key += c;
      i++;
    }
    key = key.trim();
    if (!key) fail('an entry has an empty key', keyStart);
    // value
    while (i < n && isSpace(text[i]!)) i++;
    let value = '';
    const q = text[i];
    if (q === '"' || q === "'") {
      const quoteStart = i;
      i++;
      for (;;) {
        if (i >= n) fail(`the value of "${safeKey(key)}" opens a ${q} quote that is never closed`, quoteStart, `close it, or double a literal ${q} inside the value (${q}${q})`);
        const c = text[i]!;
        if (c === q) {
          if (text[i + 1] === q) {
            value += q;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      while (i < n && isSpace(text[i]!)) i++;
      if (i < n && text[i] !== ';') fail(`unexpected text after the quoted value of "${safeKey(key)}"`, i, 'put ";" between entries');
    } else {
      const start = i;
      while (i < n && text[i] !== ';') i++;
      value = text.slice(start, i).trim();
    }
    entries.push({ key, value });
  }
  return new ConnectionString(entries);
}

/** Formats entries so that `parseConnectionString(format(e))` gives `e` back. */
export function formatConnectionString(entries: ConnectionStringEntry[]): string {
  return entries.map((e) => `${e.key.replace(/=/g, '==')}=${quoteValue(e.value)}`).join(';');
}

function quoteValue(v: string): string {
  // A leading '=' must be quoted too: the key scanner reads '==' as a literal '=' in the key.
  const needsQuote = v !== '' && (/[;'"]/.test(v) || v !== v.trim() || v.startsWith('='));
  if (!needsQuote) return v;
  if (!v.includes('"')) return `"${v}"`;
  if (!v.includes("'")) return `'${v}'`;
  return `"${v.replace(/"/g, '""')}"`;
}

/** Key names are echoed in errors only when they look like key names (not like a fragment of a value). */
function safeKey(key: string): string {
  return /^[A-Za-z][A-Za-z0-9 _.-]{0,40}$/.test(key) ? key : '(key)';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Parsed URL-form connection strings. */
export interface DatabaseUrl {
  scheme: string;
  host: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  options: Record<string, string>;
}

const URL_SCHEMES = ['postgres', 'postgresql', 'mysql', 'mariadb', 'sqlserver', 'mssql'];

export function isUrlConnectionString(text: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text.trim());
  return !!m && URL_SCHEMES.includes(m[1]!.toLowerCase());
}

export function parseDatabaseUrl(text: string): DatabaseUrl {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new DmgwError('CONNECTION_STRING', 'connection string: not a valid URL', { field: 'connectionString' }, 'use scheme://user:password@host:port/database');
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (!URL_SCHEMES.includes(scheme)) throw new DmgwError('CONNECTION_STRING', `connection string: unsupported URL scheme "${scheme}"`, { field: 'connectionString' }, `use one of ${URL_SCHEMES.join(', ')}`);
  const options: Record<string, string> = {};
  u.searchParams.forEach((v, k) => (options[k] = v));
  const port = u.port ? Number(u.port) : undefined;
  // the URL parser keeps a lone "%" as it is; decoding it would throw a URIError (the value is never shown: it may be the password)
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new DmgwError('CONNECTION_STRING', `connection string: the ${what} in the URL has a "%" that is not followed by two hex digits`, { field: 'connectionString' }, 'write a literal % as %25');
    }
  };
  return {
    scheme,
    host: decode(u.hostname.replace(/^\[|\]$/g, ''), 'host'),
    port,
    database: u.pathname.length > 1 ? decode(u.pathname.slice(1), 'database') : undefined,
    user: u.username ? decode(u.username, 'user') : undefined,
    password: u.password ? decode(u.password, 'password') : undefined,
    options,
  };
}

export function formatDatabaseUrl(d: DatabaseUrl): string {
  const auth = d.user !== undefined ? `${encodeURIComponent(d.user)}${d.password !== undefined ? `:${encodeURIComponent(d.password)}` : ''}@` : '';
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  const q = new URLSearchParams(d.options).toString();
  return `${d.scheme}://${auth}${host}${d.port !== undefined ? `:${d.port}` : ''}/${d.database !== undefined ? encodeURIComponent(d.database) : ''}${q ? `?${q}` : ''}`;
}
