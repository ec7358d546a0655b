/**
 * MySQL / MariaDB connection settings from a linked service (`MySql`, `MariaDB`, `AzureMySql`):
 * - v1: a connection string `Server=...;Port=...;Database=...;UID=...;PWD=...` (synonyms `User ID`/`User`,
 *   `Password`, `SslMode`), or the URL form `mysql://user:pass@host:3306/db?sslMode=REQUIRED`;
 * - v2 (`driverVersion: "v2"`): `typeProperties.server/port/database/username/password/sslMode`.
 * SslMode is ADF's: DISABLED (0), PREFERRED (1), REQUIRED (2), VERIFY_CA (3), VERIFY_IDENTITY (4). PREFERRED
 * connects without TLS (mysql2 cannot fall back from TLS to plain text), which the docs say.
 * `mysqlTarget` reads the target of a credential (target.ts) from the options this returns: what mysql2 connects with.
 */
import type { ConnectionOptions, SslOptions } from 'mysql2';
import { isUrlConnectionString, parseConnectionString, parseDatabaseUrl } from '../connectionString.js';
import { DmgwError } from '../errors.js';
import type { LinkedService } from '../model/types.js';
import { registerSecret } from '../redact.js';
import { secretText } from '../secrets.js';
import { checkedPort, databaseTarget, type DatabaseTarget } from './target.js';

export interface MySqlSettings {
  connection: ConnectionOptions;
  /** ADF's treatTinyAsBoolean (default true): TINYINT(1) reads as a boolean */
  tinyAsBoolean: boolean;
}

const SSL_MODES: Record<string, number> = { disabled: 0, none: 0, preferred: 1, required: 2, verify_ca: 3, verifyca: 3, verify_identity: 4, verifyfull: 4, verify_full: 4 };

function sslOf(mode: string | undefined, field: string): SslOptions | undefined {
  if (mode === undefined || mode === '') return undefined;
  const key = mode.trim().toLowerCase().replace(/[\s-]/g, '_');
  const n = /^\d$/.test(key) ? Number(key) : SSL_MODES[key];
  if (n === undefined || n > 4) throw new DmgwError('CONNECTION_STRING', `SslMode "${mode}" is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (0-4)`, { field }, 'write SslMode=REQUIRED');
  if (n <= 1) return undefined;
  if (n === 2) return { rejectUnauthorized: false };
  // mysql2 checks the host name only when asked (verifyIdentity): VERIFY_CA checks the chain alone
  return { rejectUnauthorized: true, verifyIdentity: n === 4 } as SslOptions;
}

const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : typeof v === 'string' || typeof v === 'number' ? /^(true|1|yes)$/i.test(String(v).trim()) : undefined);

export function mysqlSettings(ls: LinkedService): MySqlSettings {
  const tp = (ls.properties.typeProperties ?? {}) as Record<string, unknown>;
  const field = `linkedService ${ls.name}: typeProperties.connectionString`;
  const text = secretText(tp.connectionString);
  const c: ConnectionOptions = {};
  let tinyAsBoolean = bool(tp.treatTinyAsBoolean) ?? true;
  if (text && isUrlConnectionString(text)) {
    const u = parseDatabaseUrl(text);
    Object.assign(c, { host: u.host, port: u.port ?? 3306, database: u.database, user: u.user, password: u.password });
    const mode = Object.entries(u.options).find(([k]) => k.toLowerCase() === 'sslmode' || k.toLowerCase() === 'ssl-mode')?.[1];
    c.ssl = sslOf(mode, field);
  } else if (text) {
    const cs = parseConnectionString(text);
    const port = cs.get('Port');
    Object.assign(c, {
      host: cs.get('Server', 'Host', 'Data Source', 'DataSource'),
      port: port ? Number(port) : 3306,
      database: cs.get('Database', 'Initial Catalog', 'DB'),
      user: cs.get('UID', 'User ID', 'UserId', 'User', 'Username', 'User Name'),
      password: cs.get('PWD', 'Password'),
    });
    if (port && Number.isNaN(c.port)) throw new DmgwError('CONNECTION_STRING', `Port "${port}" is not a number`, { file: ls.file, field }, 'write Port=3306');
    c.ssl = sslOf(cs.get('SslMode', 'SSL Mode', 'Ssl-Mode'), field);
    const tiny = cs.get('TreatTinyAsBoolean');
    if (tiny !== undefined) tinyAsBoolean = bool(tiny) ?? true;
    const timeout = cs.get('Connection Timeout', 'ConnectionTimeout', 'Connect Timeout');
    if (timeout) c.connectTimeout = Number(timeout) * 1000;
  } else {
    const str = (k: string) => (typeof tp[k] === 'string' || typeof tp[k] === 'number' ? String(tp[k]) : undefined);
    Object.assign(c, { host: str('server') ?? str('host'), port: Number(str('port') ?? 3306), database: str('database'), user: str('username') ?? str('userName') ?? str('user') });
    c.ssl = sslOf(str('sslMode'), `linkedService ${ls.name}: typeProperties.sslMode`);
    const timeout = str('connectionTimeout');
    if (timeout) c.connectTimeout = Number(timeout) * 1000;
  }
  if (!c.password) c.password = secretText(tp.password);
  if (!c.ssl) delete c.ssl;
  c.port = checkedPort(c.port, { file: ls.file, field });
  if (!c.host) throw new DmgwError('CONNECTION_STRING', `linked service ${ls.name} names no ${ls.properties.type} server`, { file: ls.file, field }, 'add Server=host;Port=3306;Database=db;UID=user to the connection string (or server/port/database/username in typeProperties)');
  registerSecret(c.password);
  return { connection: c, tinyAsBoolean };
}

/** What a credential for these options is bound to. */
export function mysqlTarget(c: ConnectionOptions): DatabaseTarget {
  const ssl = c.ssl as SslOptions | undefined;
  const tls = !ssl ? 'off' : ssl.rejectUnauthorized === false ? 'unverified' : (ssl as { verifyIdentity?: boolean }).verifyIdentity ? 'verified' : 'ca';
  return databaseTarget('MySql', { host: String(c.host), port: c.port, database: c.database, user: c.user, tls });
}
