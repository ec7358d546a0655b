/**
 * The SQL Server connector's parts that need no server (none can run here; the contract suite runs them
 * against one when DMGW_TEST_MSSQL_URL is set): linked service settings in ADF's shapes, the SQL it writes for
 * partitions, reading and loading.
 */
import { describe, expect, it } from 'vitest';
import { rangeSql, SqlServerConnector } from '../../../../src/agent/connectors/sqlServer.js';
import { sqlServerConfig } from '../../../../src/common/stores/sqlServerSettings.js';
import { convertFromStaged, readProjection, sqlServerColumn, stagedValue } from '../../../../src/agent/connectors/sqlServerTypes.js';
import type { LinkedService } from '../../../../src/common/model/types.js';

const ls = (type: string, typeProperties: Record<string, unknown>): LinkedService => ({ name: 'Sql', properties: { type, typeProperties } }) as LinkedService;

describe('SQL Server linked service settings', () => {
  it('reads the ADO.NET connection string: instance and port, catalog, SQL login, Encrypt/TrustServerCertificate', () => {
    const c = sqlServerConfig(ls('SqlServer', { connectionString: 'Data Source=tcp:db1\\SALES,1444;Initial Catalog=Orders;Integrated Security=False;User ID=loader;Password="p;w=d";Encrypt=False;TrustServerCertificate=True' }));
    expect(c).toMatchObject({ server: 'db1', port: 1444, database: 'Orders', user: 'loader', password: 'p;w=d', options: { instanceName: 'SALES', encrypt: false, trustServerCertificate: true } });
  });

  it('encrypts by default (ADF: mandatory) and verifies the certificate unless told otherwise', () => {
    const c = sqlServerConfig(ls('AzureSqlDatabase', { server: 'x.database.windows.net', database: 'db', authenticationType: 'SQL', userName: 'u', password: { type: 'SecureString', value: 'secret-1' } }));
    expect(c).toMatchObject({ server: 'x.database.windows.net', database: 'db', user: 'u', password: 'secret-1', options: { encrypt: true, trustServerCertificate: false } });
    const strict = sqlServerConfig(ls('SqlServer', { server: 'h', encrypt: 'strict', trustServerCertificate: true, hostNameInCertificate: 'cert.example' }));
    expect(strict.options).toMatchObject({ encrypt: true, trustServerCertificate: true, serverName: 'cert.example' });
    expect(sqlServerConfig(ls('SqlServer', { server: 'h', encrypt: 'optional' })).options?.encrypt).toBe(false);
  });

  it('Windows authentication becomes NTLM with the domain split off userName (also Integrated Security=True)', () => {
    const c = sqlServerConfig(ls('SqlServer', { server: 'h', authenticationType: 'Windows', userName: 'CONTOSO\\svc-dmgw', password: 'pw-1234' }));
    expect(c.authentication).toEqual({ type: 'ntlm', options: { userName: 'svc-dmgw', password: 'pw-1234', domain: 'CONTOSO' } });
    const viaString = sqlServerConfig(ls('SqlServer', { connectionString: 'Server=h;Database=d;Integrated Security=True', userName: 'CONTOSO\\u', password: 'pw-5678' }));
    expect(viaString.authentication?.type).toBe('ntlm');
  });

  it('a server that is not there fails the connection test with the driver\'s reason (no hang)', async () => {
    const c = new SqlServerConnector(ls('SqlServer', { connectionString: 'Data Source=127.0.0.1,1;Initial Catalog=d;User ID=u;Password=pw-0000;Connect Timeout=5' }));
    await expect(c.test()).rejects.toThrow(/ECONNREFUSED|Failed to connect/);
    await c.close();
  });

  it('refuses what it cannot do, saying where', () => {
    expect(() => sqlServerConfig(ls('AzureSqlDatabase', { server: 'h', authenticationType: 'ServicePrincipal' }))).toThrow(/authenticationType "ServicePrincipal".*not supported/);
    expect(() => sqlServerConfig(ls('SqlServer', { database: 'd' }))).toThrow(/names no SQL Server/);
    expect(() => sqlServerConfig(ls('SqlServer', { server: 'h', authenticationType: 'Windows' }))).toThrow(/names no user/);
  });
});

describe('SQL Server SQL text', () => {
  const cols = [
    sqlServerColumn({ name: 'id', type: { declaration: 'bigint' } }),
    sqlServerColumn({ name: 'n', type: { declaration: 'decimal' }, precision: 38, scale: 9 }),
    sqlServerColumn({ name: 'ts', type: { declaration: 'datetime2' }, scale: 6 }),
    sqlServerColumn({ name: 'tz', type: { declaration: 'datetimeoffset' }, scale: 6 }),
    sqlServerColumn({ name: 'b', type: { declaration: 'bit' } }),
    sqlServerColumn({ name: 'by', type: { declaration: 'varbinary' }, length: 255 }),
    sqlServerColumn({ name: 'odd]name', type: { declaration: 'nvarchar' }, length: 50 }),
  ];

  it('maps types and reads exact ones as server-written text', () => {
    expect(cols.map((c) => [c.type, c.declaration])).toEqual([['integer', 'bigint'], ['decimal', 'decimal(38,9)'], ['timestamp', 'datetime2(6)'], ['timestamptz', 'datetimeoffset(6)'], ['boolean', 'bit'], ['binary', 'varbinary(255)'], ['string', 'nvarchar(50)']]);
    expect(readProjection(cols)).toBe("CONVERT(varchar(20), [id]) AS [id], CONVERT(varchar(60), [n]) AS [n], CONVERT(varchar(40), [ts], 121) AS [ts], CONVERT(varchar(40), SWITCHOFFSET([tz], '+00:00'), 121) AS [tz], [b], [by], [odd]]name]");
    expect(cols[2]!.read('2024-03-01 10:00:00.500000')).toBe('2024-03-01 10:00:00.5');
    expect(cols[3]!.read('2024-03-01 08:00:00.000000 +00:00')).toBe('2024-03-01 08:00:00+00');
    expect(cols[4]!.read(true)).toBe('true');
    expect(cols[5]!.read(Buffer.from([0, 255]))).toBe('\\x00ff');
  });

  it('stages text the server converts exactly into the target types', () => {
    expect(stagedValue(cols[4]!)('t')).toBe('1');
    expect(stagedValue(cols[2]!)('2024-03-01T10:00:00.5+02:00')).toBe('2024-03-01 08:00:00.5');
    expect(stagedValue(cols[3]!)('2024-03-01 08:00:00.5+00')).toBe('2024-03-01 08:00:00.5+00:00');
    expect(stagedValue(cols[5]!)('\\x00ff')).toEqual(Buffer.from([0, 255]));
    expect(cols.map(convertFromStaged)).toEqual(['CONVERT(bigint, [id])', 'CONVERT(decimal(38,9), [n])', 'CONVERT(datetime2(6), [ts], 121)', 'CONVERT(datetimeoffset(6), [tz], 121)', 'CONVERT(bit, [b])', '[by]', 'CONVERT(nvarchar(50), [odd]]name])']);
  });

  it('slices DynamicRange and physical partitions', () => {
    expect(rangeSql('SELECT * FROM t', { column: 'id', type: 'integer', lower: '10', upper: '20', withNulls: true })).toBe('SELECT * FROM (SELECT * FROM t) AS dmgw_r WHERE ([id] >= 10 AND [id] < 20) OR [id] IS NULL');
    expect(rangeSql('SELECT * FROM t', { column: 'at', type: 'timestamptz', lower: '2024-01-01 00:00:00+00', withNulls: false })).toBe("SELECT * FROM (SELECT * FROM t) AS dmgw_r WHERE [at] >= CONVERT(datetimeoffset, N'2024-01-01 00:00:00+00:00', 121)");
    expect(rangeSql('SELECT * FROM t', { column: 'k', type: 'integer', withNulls: false, partitionFunction: 'pf_year', partitionNumber: 3 } as never)).toBe('SELECT * FROM (SELECT * FROM t) AS dmgw_r WHERE $PARTITION.[pf_year]([k]) = 3');
    expect(() => rangeSql('SELECT 1', { column: 'id', type: 'integer', lower: '1; DROP TABLE x', withNulls: false })).toThrow(/not an integer/);
  });
});
