/**
 * The binding between the two sides, in process: what `encryptLinkedServiceText` seals as the target is exactly what
 * the worker reads back from the unchanged file (no false refusal, whatever the connection string looks like), and
 * any change of server, port, database or user — in the file or through a parameter — is refused by the worker.
 * Credentials made before binding are refused; re-encrypting them with the gateway's key binds them.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { newCertificate, type CertificatePair } from '../../../../src/agent/cert/create.js';
import { decryptLinkedService } from '../../../../src/agent/credentials/decrypt.js';
import { formatConnectionString, parseConnectionString } from '../../../../src/common/connectionString.js';
import { certificateInfo } from '../../../../src/common/credential/certificate.js';
import { openCredential, sealCredential, type CredentialKey } from '../../../../src/common/credential/envelope.js';
import { encryptLinkedServiceText, type EncryptOptions } from '../../../../src/common/credential/encryptLinkedService.js';
import { asCredentialPayload } from '../../../../src/common/credential/payload.js';
import { isDmgwError, type DmgwError } from '../../../../src/common/errors.js';
import { resolveExpressions } from '../../../../src/common/expressions.js';
import { JsonDocument } from '../../../../src/common/jsonDocument.js';
import type { LinkedService } from '../../../../src/common/model/types.js';

let cert: CertificatePair;
let keys: CredentialKey[];
beforeAll(() => {
  cert = newCertificate();
  keys = [{ thumbprint: certificateInfo(cert.certPem).thumbprint, privateKey: cert.keyPem }];
});

const lsText = (type: string, typeProperties: Record<string, unknown>, parameters?: Record<string, unknown>) => JSON.stringify({ name: 'Db', properties: { type, ...(parameters ? { parameters } : {}), typeProperties } }, null, 2);
function parse(text: string): LinkedService {
  const doc = new JsonDocument('ls.json', text);
  const v = doc.value as { name: string; properties: LinkedService['properties'] };
  return { kind: 'linkedService', name: v.name, properties: v.properties, file: 'ls.json', doc };
}
async function refusal(p: Promise<unknown>): Promise<DmgwError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isDmgwError(e)) throw new Error(`expected a DmgwError, got ${String(e)}`);
  return e;
}
/** The run's order: expressions resolved (with these parameter values), then decrypted and checked. */
function resolved(ls: LinkedService, parameters: Record<string, unknown> = {}): LinkedService {
  const defaults = Object.fromEntries(Object.entries(ls.properties.parameters ?? {}).map(([k, s]) => [k, s.defaultValue]));
  const typeProperties = resolveExpressions(ls.properties.typeProperties, { linkedService: { ...defaults, ...parameters } }) as LinkedService['properties']['typeProperties'];
  return { ...ls, properties: { ...ls.properties, typeProperties } };
}

describe('both sides agree on the target', () => {
  const hosts = fc.constantFrom('db1.corp', 'DB1.Corp.', '10.0.0.5', 'localhost');
  const entry = (key: string, value: fc.Arbitrary<string>) => value.map((v) => ({ key, value: v }));
  const connection = fc
    .tuple(
      fc.oneof(entry('Server', hosts), entry('Host', hosts), entry('Data Source', hosts)),
      fc.option(entry('Port', fc.constantFrom('5432', '6543', ' 5433 '))),
      fc.option(fc.oneof(entry('Database', fc.constantFrom('sales', 'Sales', 'x;y')), entry('DB', fc.constant('crm')))),
      fc.option(fc.oneof(entry('UID', fc.constantFrom('gateway', 'Gate Way')), entry('Username', fc.constant('u')))),
      fc.option(entry('SslMode', fc.constantFrom('Require', 'VerifyFull', 'Disable'))),
      fc.option(entry('Timeout', fc.constant('15'))),
    )
    .map((parts) => parts.filter((p): p is { key: string; value: string } => !!p));

  it('property: encrypted, then read back unchanged, the credential is accepted; any other server is refused', async () => {
    await fc.assert(
      fc.asyncProperty(connection, fc.constantFrom('Server', 'Port', 'Database', 'UID'), async (entries, changed) => {
        const text = lsText('PostgreSql', { connectionString: formatConnectionString([...entries, { key: 'Password', value: 'Pw-1;"x' }]) });
        const { text: encrypted, summary } = await encryptLinkedServiceText(text, cert.certPem, { file: 'ls.json' });
        const usable = await decryptLinkedService(parse(encrypted), { keys });
        expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('Password')).toBe('Pw-1;"x');
        expect(summary.target).toMatchObject({ type: 'PostgreSql' });
        // the author appends one entry (the last of repeated keys wins; Server outranks Host and Data Source)
        const cs = JSON.parse(encrypted).properties.typeProperties.connectionString as string;
        const other = { Server: 'evil.example', Port: '6000', Database: 'other', UID: 'someone' }[changed];
        const e = await refusal(decryptLinkedService(parse(lsText('PostgreSql', { connectionString: `${cs};${changed}=${other}` })), { keys }));
        expect(e.code).toBe('CREDENTIAL_TARGET_MISMATCH');
        expect(e.message).not.toContain('Pw-1');
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    ['PostgreSql URL', 'PostgreSql', { connectionString: 'postgres://gw:Pw%3B1@db1.corp:5433/sales?sslmode=require' }],
    ['PostgreSqlV2 fields', 'PostgreSqlV2', { server: 'db1.corp', port: 5432, database: 'sales', username: 'gw', password: { type: 'SecureString', value: 'Pw-2' } }],
    ['MariaDB', 'MariaDB', { connectionString: 'Server=m;Port=3306;Database=test;UID=root;PWD=Pw-3' }],
    ['MySql URL', 'MySql', { connectionString: 'mysql://root:Pw-4@m:3307/test' }],
    ['SqlServer named instance', 'SqlServer', { connectionString: 'Data Source=sql01\\SALES;Initial Catalog=Orders;User ID=loader;Password=Pw-5' }],
    ['AzureSqlDatabase fields', 'AzureSqlDatabase', { server: 'x.database.windows.net', database: 'db', authenticationType: 'SQL', userName: 'u', password: 'Pw-6' }],
    ['Blob account key', 'AzureBlobStorage', { connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=S2V5LWtleQ==;EndpointSuffix=core.windows.net' }],
    ['Blob sasUri', 'AzureBlobStorage', { sasUri: 'https://acct.blob.core.windows.net/c?sv=1&sig=Pw-7' }],
    ['FileServer', 'FileServer', { host: '\\\\fs\\share', userId: 'CORP\\gw', password: 'Pw-8' }],
  ])('%s: accepted as encrypted', async (_n, type, tp) => {
    const { text, summary } = await encryptLinkedServiceText(lsText(type, tp), cert.certPem, { file: 'ls.json' });
    expect(summary.target?.type).toBeDefined();
    await expect(decryptLinkedService(parse(text), { keys })).resolves.toBeDefined();
  });
});

describe('the worker refuses', () => {
  it('Blob: another account or endpoint, before any request', async () => {
    const { text } = await encryptLinkedServiceText(lsText('AzureBlobStorage', { connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=S2V5LWtleQ==;EndpointSuffix=core.windows.net' }), cert.certPem);
    for (const [from, to] of [
      ['AccountName=acct', 'AccountName=evil'],
      ['EndpointSuffix=core.windows.net', 'EndpointSuffix=evil.example'],
      ['DefaultEndpointsProtocol=https', 'DefaultEndpointsProtocol=http'],
      ['EndpointSuffix=core.windows.net', 'EndpointSuffix=core.windows.net;BlobEndpoint=https://evil.example/acct'],
    ]) {
      const e = await refusal(decryptLinkedService(parse(text.replace(from!, to!)), { keys }));
      expect(e.code, to).toBe('CREDENTIAL_TARGET_MISMATCH');
      expect(e.message).toContain('bound to AzureBlobStorage acct at https://acct.blob.core.windows.net');
    }
  });

  it('SQL Server: another host, instance or database; TLS turned off', async () => {
    const { text } = await encryptLinkedServiceText(lsText('SqlServer', { connectionString: 'Data Source=sql01;Initial Catalog=Orders;User ID=loader;Password=Pw-9' }), cert.certPem);
    for (const [from, to, what] of [
      ['Data Source=sql01', 'Data Source=sql02', 'host'],
      ['Data Source=sql01', 'Data Source=sql01\\\\OTHER', 'port, instance'],
      ['Initial Catalog=Orders', 'Initial Catalog=Orders;Database=Ignored;Initial Catalog=Evil', 'database'],
      ['User ID=loader', 'User ID=loader;Encrypt=False', 'TLS'],
      ['User ID=loader', 'User ID=loader;HostNameInCertificate=evil.example', 'certificate name'],
    ]) {
      const e = await refusal(decryptLinkedService(parse(text.replace(from!, to!)), { keys }));
      expect(e.code, to).toBe('CREDENTIAL_TARGET_MISMATCH');
      expect(e.message).toContain(`(${what}`);
    }
  });

  it('a parameter that names another server: refused; the default it was bound to: accepted', async () => {
    const text = lsText('PostgreSql', { connectionString: 'Server=@{linkedService().host};Database=sales;UID=gw;Password=Pw-10' }, { host: { type: 'String', defaultValue: 'db1.corp' } });
    const { text: encrypted, summary } = await encryptLinkedServiceText(text, cert.certPem);
    expect(summary.boundTo).toBe('PostgreSql gw@db1.corp:5432/sales');
    const ls = parse(encrypted);
    await expect(decryptLinkedService(resolved(ls), { keys })).resolves.toBeDefined();
    const e = await refusal(decryptLinkedService(resolved(ls, { host: 'evil.example' }), { keys }));
    expect(e.code).toBe('CREDENTIAL_TARGET_MISMATCH');
    expect(e.message).toContain('now points at PostgreSql gw@evil.example:5432/sales');
  });

  it('a credential made before binding (no target), and payloads dmgw does not write', async () => {
    const old = (await sealCredential({ connectionString: { Password: 'Pw-11' } }, cert.certPem)).jwe;
    const ls = parse(lsText('PostgreSql', { connectionString: `Server=db1.corp;UID=gw;EncryptedCredential=${old}` }));
    const e = await refusal(decryptLinkedService(ls, { keys }));
    expect(e.code).toBe('CREDENTIAL_UNBOUND');
    expect(e.hint).toContain('dmgw encrypt ls.json');
    for (const payload of [
      { version: 3, target: { type: 'PostgreSql', host: 'h', port: 5432, tls: 'off' }, connectionString: { Password: 'x' } },
      { version: 2, connectionString: { Password: 'x' } },
      { version: 2, target: { type: 'PostgreSql', host: 'h', port: 5432, tls: 'off', via: 'evil' }, connectionString: { Password: 'x' } },
      { version: 2, target: { type: 'PostgreSql', host: 'h', port: 99999, tls: 'off' }, connectionString: { Password: 'x' } },
    ]) {
      const jwe = (await sealCredential(payload, cert.certPem)).jwe;
      const bad = await refusal(decryptLinkedService(parse(lsText('PostgreSql', { connectionString: `Server=h;EncryptedCredential=${jwe}` })), { keys }));
      expect(bad.code, JSON.stringify(payload)).toBe('CREDENTIAL_PAYLOAD');
    }
  });
});

describe('re-encrypting on the gateway (the key opens the old credential)', () => {
  const open: EncryptOptions['open'] = async (jwe, place) => asCredentialPayload((await openCredential(jwe, keys, place)).payload, place);

  it('binds a credential made before binding; leaves a bound one alone; re-binds after a deliberate change', async () => {
    const old = (await sealCredential({ connectionString: { Password: 'Pw-12' } }, cert.certPem)).jwe;
    const text = lsText('PostgreSql', { connectionString: `Server=db1.corp;Database=sales;UID=gw;EncryptedCredential=${old}` });
    const first = await encryptLinkedServiceText(text, cert.certPem, { open });
    expect(first.summary).toMatchObject({ changed: true, previousTarget: null, boundTo: 'PostgreSql gw@db1.corp:5432/sales' });
    const usable = await decryptLinkedService(parse(first.text), { keys });
    expect(parseConnectionString(usable.properties.typeProperties.connectionString as string).get('Password')).toBe('Pw-12');

    const again = await encryptLinkedServiceText(first.text, cert.certPem, { open });
    expect(again.summary).toMatchObject({ changed: false, boundTo: 'PostgreSql gw@db1.corp:5432/sales' });
    expect(again.text).toBe(first.text);

    const moved = await encryptLinkedServiceText(first.text.replace('Server=db1.corp', 'Server=db2.corp'), cert.certPem, { open });
    expect(moved.summary).toMatchObject({ changed: true, boundTo: 'PostgreSql gw@db2.corp:5432/sales', previousTarget: { host: 'db1.corp' } });
    await expect(decryptLinkedService(parse(moved.text), { keys })).resolves.toBeDefined();
  });

  it('without the key (--cert, the credential endpoint) an existing credential is never re-bound', async () => {
    const { text } = await encryptLinkedServiceText(lsText('PostgreSql', { connectionString: 'Server=db1.corp;UID=gw;Password=Pw-13' }), cert.certPem);
    const edited = text.replace('Server=db1.corp', 'Server=evil.example');
    const same = await encryptLinkedServiceText(edited, cert.certPem);
    expect(same.summary.changed).toBe(false);
    expect(same.text).toBe(edited);
    expect((await refusal(decryptLinkedService(parse(edited), { keys }))).code).toBe('CREDENTIAL_TARGET_MISMATCH');
    expect((await refusal(encryptLinkedServiceText(edited, cert.certPem, { secret: 'New-pw' }))).code).toBe('ALREADY_ENCRYPTED');
  });

  it('a linked service whose server cannot be read is refused when encrypting, not at the first run', async () => {
    const e = await refusal(encryptLinkedServiceText(lsText('PostgreSql', { connectionString: 'Database=d;UID=u;Password=Pw-14' }), cert.certPem, { file: 'ls.json' }));
    expect(e.message).toMatch(/^cannot tell which server the credential is for: linked service Db names no PostgreSQL server/);
    expect(e.place.file).toBe('ls.json');
    const unknown = await refusal(encryptLinkedServiceText(lsText('Oracle', { connectionString: 'Host=h;Password=Pw-15' }), cert.certPem));
    expect(unknown.code).toBe('CREDENTIAL_TARGET_UNKNOWN');
  });
});
