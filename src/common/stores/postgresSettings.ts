/**
 * PostgreSQL connection settings from a linked service: ADF's `PostgreSql` connection string
 * (`Server=...;Port=...;Database=...;UID=...;Password=...`, Npgsql synonyms Host/Username/User Id/User/Pwd),
 * the URL form (`postgres://user:pass@host:port/db`), or `PostgreSqlV2` typeProperties (server, port,
 * database, username, password).
 * `postgresTarget` reads the target of a credential (target.ts) from the config this returns: the fields pg connects with.
 */
import type { ClientConfig } from 'pg';
import { isUrlConnectionString, parseConnectionString, parseDatabaseUrl } from '../connectionString.js';
import { DmgwError } from '../errors.js';
import type { LinkedService } from '../model/types.js';
import { registerSecret } from '../redact.js';
import { secretText } from '../secrets.js';
import { checkedPort, databaseTarget, type DatabaseTarget } from './target.js';

const SSL_REQUIRED = new Set(['require', 'verify-ca', 'verify-full', 'verifyca', 'verifyfull']);

export function postgresConfig(ls: LinkedService): ClientConfig {
  const tp = ls.properties.typeProperties ?? {};
  const field = `linkedService ${ls.name}: typeProperties.connectionString`;
  const text = secretText(tp.connectionString);
  const cfg: ClientConfig = { application_name: 'dmgw' };
  if (text && isUrlConnectionString(text)) {
    const u = parseDatabaseUrl(text);
    Object.assign(cfg, { host: u.host, port: u.port ?? 5432, database: u.database, user: u.user, password: u.password });
    // the URL's query options (`?host=`, `?options=`) are not passed on: pg gets only these fields
    const mode = u.options.sslmode?.toLowerCase();
    if (mode && SSL_REQUIRED.has(mode)) cfg.ssl = { rejectUnauthorized: mode.startsWith('verify') };
  } else if (text) {
    const cs = parseConnectionString(text);
    const port = cs.get('Port');
    Object.assign(cfg, {
      host: cs.get('Server', 'Host', 'Data Source'),
      port: port ? Number(port) : 5432,
      database: cs.get('Database', 'Initial Catalog', 'DB'),
      user: cs.get('UID', 'User Id', 'UserId', 'Username', 'User Name', 'User'),
      password: cs.get('Password', 'Pwd', 'PWD'),
    });
    const mode = cs.get('SSL Mode', 'SslMode', 'EncryptionMethod')?.toLowerCase().replace(/\s/g, '');
    if (mode && (SSL_REQUIRED.has(mode) || mode === '1')) cfg.ssl = { rejectUnauthorized: mode.startsWith('verify') };
    const timeout = cs.get('Timeout', 'Connection Timeout', 'ConnectionTimeout');
    if (timeout) cfg.connectionTimeoutMillis = Number(timeout) * 1000;
    if (Number.isNaN(cfg.port)) throw new DmgwError('CONNECTION_STRING', `Port "${port}" is not a number`, { field }, 'write Port=5432');
  } else {
    // PostgreSqlV2: separate fields
    const str = (k: string) => (typeof tp[k] === 'string' || typeof tp[k] === 'number' ? String(tp[k]) : undefined);
    Object.assign(cfg, { host: str('server') ?? str('host'), port: Number(str('port') ?? 5432), database: str('database'), user: str('username') ?? str('userName'), password: secretText(tp.password) });
    const mode = str('sslMode');
    if (mode && SSL_REQUIRED.has(mode.toLowerCase())) cfg.ssl = { rejectUnauthorized: mode.toLowerCase().startsWith('verify') };
  }
  if (!cfg.password) cfg.password = secretText(tp.password);
  cfg.port = checkedPort(cfg.port, { file: ls.file, field });
  if (!cfg.host) {
    throw new DmgwError('CONNECTION_STRING', `linked service ${ls.name} names no PostgreSQL server`, { file: ls.file, field }, 'add Server=host;Port=5432;Database=db;UID=user to the connection string');
  }
  registerSecret(typeof cfg.password === 'string' ? cfg.password : undefined);
  return cfg;
}

/** What a credential for these settings is bound to. pg reads an empty or missing database as the user's name. */
export function postgresTarget(cfg: ClientConfig): DatabaseTarget {
  const ssl = cfg.ssl;
  const tls = !ssl ? 'off' : typeof ssl === 'object' && ssl.rejectUnauthorized === false ? 'unverified' : 'verified';
  return databaseTarget('PostgreSql', { host: String(cfg.host), port: cfg.port, database: cfg.database || cfg.user, user: cfg.user, tls });
}
