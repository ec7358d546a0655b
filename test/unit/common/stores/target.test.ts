/**
 * The credential target of each store, checked against the drivers themselves: whatever a connection string says,
 * the target (what a credential is bound to and checked against) must be where pg, mysql2, mssql/tedious and the blob
 * client actually go. Tables for the tricks an author might try (synonyms, repeated keys, `host` in a URL's query,
 * quotes hiding a `;`), properties for everything else.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import fc from 'fast-check';
import mssql from 'mssql';
import mysql2 from 'mysql2';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { blobServiceClient } from '../../../../src/agent/connectors/azureBlob.js';
import { SUPPORTED_LINKED_SERVICE_TYPES } from '../../../../src/agent/connectors/registry.js';
import { formatConnectionString } from '../../../../src/common/connectionString.js';
import type { LinkedService } from '../../../../src/common/model/types.js';
import { blobConnection, blobTarget } from '../../../../src/common/stores/blobSettings.js';
import { mysqlSettings, mysqlTarget } from '../../../../src/common/stores/mysqlSettings.js';
import { postgresConfig, postgresTarget } from '../../../../src/common/stores/postgresSettings.js';
import { sqlServerConfig, sqlServerTarget } from '../../../../src/common/stores/sqlServerSettings.js';
import { BINDABLE_TYPES, storeTargetOf, withParameterDefaults } from '../../../../src/common/stores/storeTarget.js';
import { describeTarget, normaliseHost, targetDifferences, type DatabaseTarget } from '../../../../src/common/stores/target.js';

const MySqlConnectionConfig = (mysql2 as unknown as { ConnectionConfig: new (o: object) => { host: string; port: number; user?: string; database?: string } }).ConnectionConfig;

const ls = (type: string, typeProperties: Record<string, unknown>, extra: Partial<LinkedService['properties']> = {}): LinkedService => ({ name: 'L', properties: { type, typeProperties, ...extra } }) as LinkedService;

/** What pg will connect to with this config (its own defaults applied; no connection is made). */
function pgDestination(cfg: pg.ClientConfig) {
  const p = (new pg.Client(cfg) as unknown as { connectionParameters: { host: string; port: number; user: string; database: string } }).connectionParameters;
  return { host: p.host, port: p.port, user: p.user, database: p.database };
}

describe('PostgreSQL: the target is where pg connects', () => {
  const cases: Array<[string, Record<string, unknown>, Partial<DatabaseTarget>]> = [
    ['Npgsql keys', { connectionString: 'Host=DB1.Corp.;Port=5433;Database=Sales;Username=gw' }, { host: 'db1.corp', port: 5433, database: 'Sales', user: 'gw' }],
    ['Server beats Host (first synonym)', { connectionString: 'Host=evil;Server=good;Database=d;UID=u' }, { host: 'good' }],
    ['the last of repeated keys', { connectionString: 'Server=evil;Server=good;Database=d;UID=u' }, { host: 'good' }],
    ['a quoted ";" hides no key', { connectionString: 'Server=good;Database="x;Server=evil";UID=u' }, { host: 'good', database: 'x;Server=evil' }],
    ['Options= and Search Path are not passed on', { connectionString: 'Server=good;Options=-c host=evil;Database=d;UID=u' }, { host: 'good' }],
    ['URL: ?host= in the query is not passed on', { connectionString: 'postgres://u@good:5432/d?host=evil&port=1' }, { host: 'good', port: 5432 }],
    ['URL: IPv6 brackets', { connectionString: 'postgresql://u@[::1]/d' }, { host: '::1', port: 5432 }],
    ['URL: userinfo with @ goes to the last @', { connectionString: 'postgres://u%40evil:p@good/d' }, { host: 'good', user: 'u@evil' }],
    ['V2 fields', { server: 'pg.corp', port: 6543, database: 'd', username: 'u' }, { host: 'pg.corp', port: 6543 }],
    ['no database: pg uses the user name', { connectionString: 'Server=h;UID=gw' }, { database: 'gw' }],
  ];
  it.each(cases)('%s', (_n, tp, want) => {
    const cfg = postgresConfig(ls('PostgreSql', tp));
    const t = postgresTarget(cfg);
    expect(t).toMatchObject(want);
    const d = pgDestination(cfg);
    expect({ host: normaliseHost(d.host), port: d.port, user: d.user, database: d.database }).toEqual({ host: t.host, port: t.port, user: t.user, database: t.database });
  });

  it('TLS: the mode pg gets is the floor that is bound', () => {
    const tls = (cs: string) => postgresTarget(postgresConfig(ls('PostgreSql', { connectionString: cs }))).tls;
    expect(tls('Server=h')).toBe('off');
    expect(tls('Server=h;SSL Mode=Require')).toBe('unverified');
    expect(tls('Server=h;SslMode=VerifyFull')).toBe('verified');
    expect(tls('postgres://u@h/d?sslmode=verify-ca')).toBe('verified');
  });

  it('a port that is not a port is refused (pg would quietly use 5432 for 0)', () => {
    expect(() => postgresConfig(ls('PostgreSql', { connectionString: 'Server=h;Port=0' }))).toThrow(/port 0 is not a port number/);
    expect(() => postgresConfig(ls('PostgreSqlV2', { server: 'h', port: 'x' }))).toThrow(/is not a port number|is not a number/);
  });

  it('property: for any connection string of these keys, pg goes where the target says', () => {
    const keys = ['Server', 'Host', 'Data Source', 'server', 'HOST', 'Port', 'Database', 'DB', 'Initial Catalog', 'UID', 'User Id', 'Username', 'User', 'Options', 'SslMode', 'Password'];
    const values = fc.oneof(fc.constantFrom('good', 'evil', 'Evil.Example.', '10.0.0.1', '5432', '6000', 'd', 'u', 'x;y', '"', ''), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.constantFrom(...keys), value: values }), { minLength: 1, maxLength: 8 }), (entries) => {
        let cfg: pg.ClientConfig;
        try {
          cfg = postgresConfig(ls('PostgreSql', { connectionString: formatConnectionString(entries) }));
        } catch {
          return; // refused: nothing connects
        }
        const t = postgresTarget(cfg);
        const d = pgDestination(cfg);
        expect(normaliseHost(d.host)).toBe(t.host);
        expect(d.port).toBe(t.port);
        expect(d.user).toBe(t.user);
        // an empty or missing database is read by pg as PGDATABASE or the user: the target names the user
        expect(d.database || d.user).toBe(t.database ?? t.user);
      }),
      { numRuns: 400 },
    );
  });
});

describe('MySQL/MariaDB: the target is where mysql2 connects', () => {
  const cases: Array<[string, Record<string, unknown>, Partial<DatabaseTarget>]> = [
    ['synonyms and defaults', { connectionString: 'Data Source=My.Corp;Database=d;User ID=root' }, { host: 'my.corp', port: 3306, user: 'root' }],
    ['Server beats Host', { connectionString: 'Host=evil;Server=good;UID=u' }, { host: 'good' }],
    ['the last of repeated keys', { connectionString: 'Server=evil;Server=good;Port=1;Port=3307' }, { host: 'good', port: 3307 }],
    ['URL form, query ignored', { connectionString: 'mysql://u@good:3310/d?host=evil' }, { host: 'good', port: 3310 }],
    ['v2 fields', { server: 'm', port: '3311', database: 'd', username: 'u', driverVersion: 'v2' }, { host: 'm', port: 3311 }],
  ];
  it.each(cases)('%s', (_n, tp, want) => {
    const c = mysqlSettings(ls('MariaDB', tp)).connection;
    const t = mysqlTarget(c);
    expect(t).toMatchObject(want);
    const d = new MySqlConnectionConfig({ host: c.host, port: c.port, user: c.user, database: c.database });
    expect({ host: normaliseHost(d.host), port: d.port, user: d.user, database: d.database }).toEqual({ host: t.host, port: t.port, user: t.user, database: t.database });
  });

  it('TLS: SslMode sets the floor', () => {
    const tls = (mode: string) => mysqlTarget(mysqlSettings(ls('MySql', { connectionString: `Server=h;SslMode=${mode}` })).connection).tls;
    expect([tls('None'), tls('Preferred'), tls('Required'), tls('VERIFY_CA'), tls('VerifyFull')]).toEqual(['off', 'off', 'unverified', 'ca', 'verified']);
    // VERIFY_IDENTITY → VERIFY_CA is a downgrade (any certificate of the CA would do): refused
    const bound = storeTargetOf(ls('MySql', { connectionString: 'Server=h;SslMode=VERIFY_IDENTITY' }));
    expect(targetDifferences(bound, storeTargetOf(ls('MySql', { connectionString: 'Server=h;SslMode=VERIFY_CA' })))).toEqual(['TLS (weaker than when it was encrypted)']);
  });
});

describe('SQL Server: the target is what mssql hands tedious', () => {
  /** mssql's own config for tedious, made without connecting. */
  function tediousConfig(cfg: mssql.config) {
    const pool = new mssql.ConnectionPool({ ...cfg, options: { ...cfg.options } });
    return (pool as unknown as { _config(): { server: string; options: { port?: number; instanceName?: string; database?: string; encrypt: boolean; trustServerCertificate: boolean } } })._config();
  }
  const cases: Array<[string, Record<string, unknown>, Partial<DatabaseTarget>]> = [
    ['host only: 1433', { connectionString: 'Data Source=SQL01;Initial Catalog=Sales;User ID=loader' }, { host: 'sql01', port: 1433, database: 'Sales', user: 'loader', tls: 'verified' }],
    ['host,port', { connectionString: 'Server=tcp:sql01,1500;Database=d;UID=u' }, { host: 'sql01', port: 1500 }],
    ['named instance: no port (mssql drops it; the SQL Browser of that host gives it)', { connectionString: 'Data Source=sql01\\SALES,1500;Database=d;UID=u' }, { host: 'sql01', instance: 'sales' }],
    ['Address synonym, last of repeated keys', { connectionString: 'Address=evil;Data Source=good;Data Source=better;UID=u' }, { host: 'better' }],
    ['Windows login: DOMAIN\\user', { server: 'h', authenticationType: 'Windows', userName: 'CORP\\svc', password: 'pw-1' }, { user: 'CORP\\svc' }],
    ['Encrypt=False', { connectionString: 'Server=h;Encrypt=False' }, { tls: 'off' }],
    ['TrustServerCertificate=True', { connectionString: 'Server=h;TrustServerCertificate=True' }, { tls: 'unverified' }],
    ['HostNameInCertificate is bound', { connectionString: 'Server=10.0.0.5;HostNameInCertificate=SQL01.corp' }, { host: '10.0.0.5', tls: 'verified', tlsName: 'sql01.corp' }],
  ];
  it.each(cases)('%s', (_n, tp, want) => {
    const cfg = sqlServerConfig(ls('SqlServer', tp));
    const t = sqlServerTarget(cfg);
    expect(t).toMatchObject(want);
    if (want.instance) expect(t.port).toBeUndefined();
    const d = tediousConfig(cfg);
    expect(normaliseHost(d.server)).toBe(t.host);
    expect(d.options.instanceName?.toLowerCase()).toBe(t.instance);
    expect(d.options.port).toBe(t.port);
  });
});

describe('Azure Blob: the target is where the client sends requests', () => {
  const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  const cases: Array<[string, Record<string, unknown>, { account: string; endpoint: string }]> = [
    ['account key + suffix', { connectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net` }, { account: 'acct', endpoint: 'https://acct.blob.core.windows.net' }],
    ['BlobEndpoint wins over the suffix', { connectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/acct/` }, { account: 'acct', endpoint: 'http://127.0.0.1:10000/acct' }],
    ['SAS connection string', { connectionString: 'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x' }, { account: 'acct', endpoint: 'https://acct.blob.core.windows.net' }],
    ['UseDevelopmentStorage', { connectionString: 'UseDevelopmentStorage=true' }, { account: 'devstoreaccount1', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' }],
    ['sasUri + sasToken', { sasUri: 'https://Acct.Blob.Core.Windows.Net/c', sasToken: 'sv=1&sig=y' }, { account: 'acct', endpoint: 'https://acct.blob.core.windows.net/c' }],
    ['sasUri with userinfo: the host is after the @', { sasUri: 'https://acct.blob.core.windows.net@evil.example/c?sig=z' }, { account: 'evil', endpoint: 'https://evil.example/c' }],
  ];
  it.each(cases)('%s', (_n, tp, want) => {
    const c = blobConnection(ls('AzureBlobStorage', tp));
    expect(blobTarget(c)).toEqual({ type: 'AzureBlobStorage', ...want });
    const client = new BlobServiceClient(c.url);
    const u = new URL(client.url);
    expect(`${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`).toBe(want.endpoint);
  });

  it('well-formed strings: the same URL and account as the SDK reads', () => {
    for (const cs of [cases[0]![1].connectionString, cases[1]![1].connectionString, cases[2]![1].connectionString, 'UseDevelopmentStorage=true'] as string[]) {
      const sdk = BlobServiceClient.fromConnectionString(cs);
      const ours = blobConnection(ls('AzureBlobStorage', { connectionString: cs }));
      expect(new URL(ours.url).href.replace(/\/$/, '')).toBe(new URL(sdk.url).href.replace(/\/$/, ''));
      expect(ours.account).toBe(sdk.accountName);
    }
  });

  it('repeated BlobEndpoint: the SDK would go to the first, so the client is built from our reading (the last) — the one the target names', () => {
    const cs = `BlobEndpoint=https://evil.example/;BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x`;
    expect(new URL(BlobServiceClient.fromConnectionString(cs).url).host).toBe('evil.example');
    const c = blobConnection(ls('AzureBlobStorage', { connectionString: cs }));
    expect(blobTarget(c).endpoint).toBe('https://acct.blob.core.windows.net');
    expect(new URL(new BlobServiceClient(c.url).url).host).toBe('acct.blob.core.windows.net');
    // and the connector's client is that one
    expect(new URL(blobServiceClient(ls('AzureBlobStorage', { connectionString: cs })).url).host).toBe('acct.blob.core.windows.net');
  });
});

describe('comparing targets', () => {
  const bound = storeTargetOf(ls('PostgreSql', { connectionString: 'Server=db1.corp;Database=sales;UID=gateway;SslMode=VerifyFull' }));

  it('says what differs; the same server in other spelling is the same', () => {
    const live = (cs: string) => targetDifferences(bound, storeTargetOf(ls('PostgreSql', { connectionString: cs })));
    expect(live('Host=DB1.CORP.;Port=5432;DB=sales;Username=gateway;SSL Mode=verify-full')).toEqual([]);
    expect(live('Server=db2.corp;Database=sales;UID=gateway;SslMode=VerifyFull')).toEqual(['host']);
    expect(live('Server=db1.corp;Port=5433;Database=Sales;UID=gateway;SslMode=VerifyFull')).toEqual(['port', 'database']);
    expect(live('Server=db1.corp;Database=sales;UID=gateway')).toEqual(['TLS (weaker than when it was encrypted)']);
    expect(targetDifferences(bound, storeTargetOf(ls('MySql', { connectionString: 'Server=db1.corp;Database=sales;UID=gateway' })))).toEqual(['store type']);
    expect(describeTarget(bound)).toBe('PostgreSql gateway@db1.corp:5432/sales with verified TLS');
  });

  it('TLS is a floor: more protection than bound is fine', () => {
    const plain = storeTargetOf(ls('PostgreSql', { connectionString: 'Server=h;UID=u' }));
    expect(targetDifferences(plain, storeTargetOf(ls('PostgreSql', { connectionString: 'Server=h;UID=u;SslMode=Require' })))).toEqual([]);
  });

  it('every type the connectors take has a target definition (a new connector cannot skip the binding)', () => {
    for (const t of SUPPORTED_LINKED_SERVICE_TYPES) expect(BINDABLE_TYPES, t).toContain(t.toLowerCase());
    expect(() => storeTargetOf(ls('Oracle', { connectionString: 'Host=h' }))).toThrow(/does not connect to it/);
  });

  it('parameters are read at their defaults; one without a default cannot be bound', () => {
    const p = ls('PostgreSql', { connectionString: 'Server=@{linkedService().host};Database=d;UID=u' }, { parameters: { host: { type: 'String', defaultValue: 'db1.corp' } } });
    expect(storeTargetOf(withParameterDefaults(p))).toMatchObject({ host: 'db1.corp' });
    const none = ls('PostgreSql', { connectionString: 'Server=@{linkedService().host};Database=d' }, { parameters: { host: { type: 'String' } } });
    expect(() => withParameterDefaults(none)).toThrow(/parameter host without a defaultValue/);
  });
});
