/**
 * SQL Server / Azure SQL Database connection settings from a linked service (`SqlServer`, `AzureSqlDatabase`,
 * `AzureSqlMI`), in ADF's two shapes:
 * - a connection string: `Data Source=host\instance,port;Initial Catalog=db;User ID=..;Password=..;
 *   Integrated Security=..;Encrypt=..;TrustServerCertificate=..` (synonyms Server/Address, Database, UID/PWD);
 *   Windows authentication takes `typeProperties.userName` (DOMAIN\user) and `password` beside it;
 * - the recommended fields: `server`, `database`, `authenticationType` (SQL | Windows), `userName`, `password`,
 *   `encrypt` (mandatory | optional | strict, or true/false), `trustServerCertificate`, `hostNameInCertificate`.
 * Windows authentication is NTLM through tedious. Other authentication types (service principal, managed
 * identity) are refused with a message, not tried.
 * `sqlServerTarget` reads the target of a credential (target.ts) from the config this returns, as mssql/tedious use it.
 */
import type { config as MssqlConfig } from 'mssql';
import { parseConnectionString } from '../connectionString.js';
import { DmgwError } from '../errors.js';
import type { LinkedService } from '../model/types.js';
import { registerSecret } from '../redact.js';
import { secretText } from '../secrets.js';
import { checkedPort, databaseTarget, type DatabaseTarget } from './target.js';

const yes = (v: unknown) => (typeof v === 'boolean' ? v : /^(true|yes|1|mandatory|strict|sspi)$/i.test(String(v ?? '').trim()));

export function sqlServerConfig(ls: LinkedService): MssqlConfig {
  const tp = (ls.properties.typeProperties ?? {}) as Record<string, unknown>;
  const field = `linkedService ${ls.name}: typeProperties`;
  const str = (k: string) => (typeof tp[k] === 'string' || typeof tp[k] === 'number' || typeof tp[k] === 'boolean' ? String(tp[k]) : undefined);
  const text = secretText(tp.connectionString);
  let server: string | undefined;
  let database: string | undefined;
  let user = str('userName');
  let password = secretText(tp.password);
  let encrypt: string | undefined = str('encrypt');
  let trust: string | undefined = str('trustServerCertificate');
  let hostName = str('hostNameInCertificate');
  let auth = str('authenticationType') ?? 'SQL';
  let timeout: number | undefined;
  if (text) {
    const cs = parseConnectionString(text);
    server = cs.get('Data Source', 'Server', 'Address', 'Addr', 'Network Address');
    database = cs.get('Initial Catalog', 'Database');
    user = cs.get('User ID', 'UID', 'User') ?? user;
    password = cs.get('Password', 'PWD') ?? password;
    encrypt = cs.get('Encrypt') ?? encrypt;
    trust = cs.get('TrustServerCertificate', 'Trust Server Certificate') ?? trust;
    hostName = cs.get('HostNameInCertificate', 'Host Name In Certificate') ?? hostName;
    if (yes(cs.get('Integrated Security', 'Trusted_Connection'))) auth = 'Windows';
    const t = cs.get('Connect Timeout', 'Connection Timeout', 'Timeout');
    if (t) timeout = Number(t) * 1000;
  } else {
    server = str('server');
    database = str('database');
  }
  if (!server) throw new DmgwError('CONNECTION_STRING', `linked service ${ls.name} names no SQL Server`, { file: ls.file, field: `${field}.server` }, 'set "server" (or Data Source=host,1433 in the connection string)');
  // tcp:host\instance,port — the forms SQL Server's own clients take
  const m = /^(?:tcp:)?([^\\,]+)(?:\\([^,]+))?(?:,(\d+))?$/i.exec(server.trim());
  if (!m) throw new DmgwError('CONNECTION_STRING', `"${server}" is not a SQL Server address`, { file: ls.file, field: `${field}.server` }, 'write host, host,port or host\\instance');
  const cfg: MssqlConfig = {
    server: m[1]!,
    port: m[3] ? checkedPort(m[3], { file: ls.file, field: `${field}.server` }) : undefined,
    database,
    connectionTimeout: timeout ?? 30_000,
    requestTimeout: 0,
    pool: { max: 10, min: 0, idleTimeoutMillis: 30_000 },
    options: {
      instanceName: m[2],
      // ADF's default is mandatory encryption; "optional"/false turns it off
      encrypt: encrypt === undefined ? true : yes(encrypt),
      trustServerCertificate: yes(trust),
      ...(hostName ? { serverName: hostName } : {}),
      useUTC: true,
      appName: 'dmgw',
    },
  };
  const kind = auth.toLowerCase();
  if (kind === 'windows') {
    const [domain, name] = user?.includes('\\') ? (user.split('\\', 2) as [string, string]) : [undefined, user];
    if (!name) throw new DmgwError('CREDENTIAL_MISSING', `linked service ${ls.name} uses Windows authentication but names no user`, { file: ls.file, field: `${field}.userName` }, 'set "userName": "DOMAIN\\\\user" and "password"');
    cfg.authentication = { type: 'ntlm', options: { userName: name, password: password ?? '', domain: domain ?? '' } };
  } else if (kind === 'sql' || kind === 'basic') {
    cfg.user = user;
    cfg.password = password;
  } else {
    throw new DmgwError('AUTHENTICATION_UNSUPPORTED', `authenticationType "${auth}" of linked service ${ls.name} is not supported by the gateway`, { file: ls.file, field: `${field}.authenticationType` }, 'use SQL or Windows authentication');
  }
  registerSecret(password);
  return cfg;
}

/**
 * What a credential for this config is bound to. mssql defaults the port to 1433 and drops it for a named instance
 * (tedious then asks the SQL Browser on the same host for the instance's port), so a named instance binds no port.
 */
export function sqlServerTarget(cfg: MssqlConfig): DatabaseTarget {
  const o = cfg.options ?? {};
  const tls = o.encrypt === false ? 'off' : o.trustServerCertificate ? 'unverified' : 'verified';
  const ntlm = cfg.authentication?.type === 'ntlm' ? (cfg.authentication.options as { userName?: string; domain?: string }) : undefined;
  const user = ntlm ? `${ntlm.domain ? `${ntlm.domain}\\` : ''}${ntlm.userName ?? ''}` : cfg.user;
  return databaseTarget('SqlServer', { host: cfg.server, port: o.instanceName ? undefined : (cfg.port ?? 1433), instance: o.instanceName, database: cfg.database, user, tls, tlsName: o.serverName });
}
