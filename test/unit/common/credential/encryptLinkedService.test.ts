import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { newCertificate, type CertificatePair } from '../../../../src/agent/cert/create.js';
import { decryptLinkedService } from '../../../../src/agent/credentials/decrypt.js';
import { formatConnectionString, parseConnectionString } from '../../../../src/common/connectionString.js';
import { certificateInfo } from '../../../../src/common/credential/certificate.js';
import { openCredential, type CredentialKey } from '../../../../src/common/credential/envelope.js';
import { encryptLinkedServiceText, formattingOf, type EncryptOptions } from '../../../../src/common/credential/encryptLinkedService.js';
import { asCredentialPayload } from '../../../../src/common/credential/payload.js';
import { isDmgwError, type DmgwError } from '../../../../src/common/errors.js';
import { JsonDocument } from '../../../../src/common/jsonDocument.js';
import type { LinkedService } from '../../../../src/common/model/types.js';
import { findPlaintextSecrets, encryptedCredentialOf } from '../../../../src/common/secrets.js';

let certA: CertificatePair;
let certB: CertificatePair;
let keysA: CredentialKey[];
let keysB: CredentialKey[];

beforeAll(() => {
  certA = newCertificate({ subject: 'CN=A' });
  certB = newCertificate({ subject: 'CN=B' });
  keysA = [{ thumbprint: certificateInfo(certA.certPem).thumbprint, privateKey: certA.keyPem }];
  keysB = [{ thumbprint: certificateInfo(certB.certPem).thumbprint, privateKey: certB.keyPem }];
});

function linkedService(text: string, file = 'ls.json'): LinkedService {
  const doc = new JsonDocument(file, text);
  expect(doc.syntaxErrors).toEqual([]);
  const v = doc.value as { name: string; properties: LinkedService['properties'] };
  return { kind: 'linkedService', name: v.name, properties: v.properties, file, doc };
}

/** A linked-service file the way people write them: 4-space indent, comments, fields around the secrets. */
function file(type: string, typeProperties: Record<string, unknown>): string {
  const tp = JSON.stringify(typeProperties, null, 4).split('\n').join('\n        ');
  return `{
    // ${type} through the gateway
    "name": "My${type}",
    "properties": {
        "type": "${type}", /* keep this comment */
        "connectVia": { "referenceName": "OnPremGateway", "type": "IntegrationRuntimeReference" },
        "typeProperties": ${tp},
        "annotations": []
    }
}
`;
}

const secure = (value: string) => ({ type: 'SecureString', value });

async function roundTrip(text: string, secrets: string[], opts: EncryptOptions = {}): Promise<{ encrypted: string; restored: Record<string, unknown> }> {
  const { text: encrypted, summary } = await encryptLinkedServiceText(text, certA.certPem, { file: 'ls.json', ...opts });
  expect(summary.changed).toBe(true);
  for (const s of secrets) expect(encrypted, `secret ${s} left in the file`).not.toContain(s);
  const ls = linkedService(encrypted);
  expect(findPlaintextSecrets(ls)).toEqual([]);
  expect(encryptedCredentialOf(ls)).toBeDefined();
  // formatting and comments kept: every line of the original outside the secret fields is still there, as it was
  // (give or take the comma after what became the last field)
  const norm = (l: string): string => l.replace(/,\s*$/, '');
  const kept = new Set(encrypted.split('\n').map(norm));
  const secretField = /"(connectionString|sasUri|password|sasToken|accountKey|value)":|"type": "SecureString"|^\s*},?$/;
  for (const line of text.split('\n')) if (!secrets.some((s) => line.includes(s)) && !secretField.test(line)) expect(kept, line).toContain(norm(line));
  expect(encrypted).toContain('// ');
  expect(encrypted).toContain('/* keep this comment */');
  const restored = await decryptLinkedService(ls, { keys: keysA });
  expect(ls.properties.typeProperties).not.toBe(restored.properties.typeProperties);
  return { encrypted, restored: restored.properties.typeProperties as Record<string, unknown> };
}

describe('encrypt → decrypt round trip, per linked-service type', () => {
  const databases: Array<[string, string]> = [
    ['SqlServer', 'Data Source=onprem-sql01;Initial Catalog=Sales;Integrated Security=False;User ID=gateway'],
    ['AzureSqlDatabase', 'Server=tcp:myserver.database.windows.net,1433;Database=sales;User ID=loader;Encrypt=True'],
    ['PostgreSql', 'Server=127.0.0.1;Port=5432;Database=sales;UID=gateway'],
    ['MySql', 'Server=127.0.0.1;Port=3306;Database=test;UID=root;SslMode=None'],
    ['MariaDB', 'Server=127.0.0.1;Port=3306;Database=test;UID=root'],
  ];
  for (const [type, base] of databases) {
    it(`${type}: password in the connection string`, async () => {
      const pw = `Pw-${type}-7f3k;"quoted" 'x'=`;
      const cs = formatConnectionString([...parseConnectionString(base).entries.slice(0, 2), { key: 'Password', value: pw }, ...parseConnectionString(base).entries.slice(2)]);
      const original = { connectionString: cs };
      // needles long enough not to turn up in the JWE's random base64url by chance ('Pw-' did, once in ~300 runs)
      const { encrypted, restored } = await roundTrip(file(type, original), [pw, `Pw-${type}`, '7f3k;']);
      // the credential sits where the password was, the rest of the string untouched
      const csAfter = parseConnectionString((linkedService(encrypted).properties.typeProperties.connectionString as string));
      expect(csAfter.entries.map((e) => e.key)).toEqual([...parseConnectionString(base).entries.slice(0, 2).map((e) => e.key), 'EncryptedCredential', ...parseConnectionString(base).entries.slice(2).map((e) => e.key)]);
      expect(restored).toEqual(original);
    });

    it(`${type}: typeProperties.password as a SecureString`, async () => {
      const pw = `S3cure-${type}-q9`;
      const original = { connectionString: base, password: secure(pw) };
      const { encrypted, restored } = await roundTrip(file(type, original), [pw]);
      const tp = linkedService(encrypted).properties.typeProperties;
      expect(tp.connectionString).toBe(base);
      expect(tp.password).toBeUndefined();
      expect(typeof tp.encryptedCredential).toBe('string');
      expect(restored).toEqual(original);
    });
  }

  it('SqlServer: Pwd spelled as the user wrote it, SecureString connection string', async () => {
    const original = { connectionString: secure('Data Source=db;User ID=sa;pwd=Sh0rt-pwd-1') };
    const { encrypted, restored } = await roundTrip(file('SqlServer', original), ['Sh0rt-pwd-1']);
    expect(encrypted).toContain('"type": "SecureString"');
    expect(restored).toEqual(original);
  });

  it('PostgreSql: URL form with the password in the URL', async () => {
    const original = { connectionString: 'postgres://gateway:Url%40Pass-55@db.corp:5432/sales?sslmode=require' };
    const { encrypted, restored } = await roundTrip(file('PostgreSql', original), ['Url%40Pass-55', 'Url@Pass-55']);
    const tp = linkedService(encrypted).properties.typeProperties;
    expect(tp.connectionString).toBe('postgres://gateway@db.corp:5432/sales?sslmode=require');
    expect(typeof tp.encryptedCredential).toBe('string');
    expect(restored).toEqual(original);
  });

  it('FileServer: userId stays, password (SecureString) is encrypted', async () => {
    const original = { host: '\\\\fileserver\\share', userId: 'CORP\\gateway', password: secure('F1le-Serv3r-pw') };
    const { encrypted, restored } = await roundTrip(file('FileServer', original), ['F1le-Serv3r-pw']);
    expect(encrypted).toContain('"userId": "CORP\\\\gateway"');
    expect(restored).toEqual(original);
  });

  it('AzureBlobStorage: AccountKey in the connection string', async () => {
    const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
    const original = { connectionString: `DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=${key};EndpointSuffix=core.windows.net` };
    const { restored } = await roundTrip(file('AzureBlobStorage', original), [key, key.slice(0, 20)]);
    expect(restored).toEqual(original);
  });

  it('AzureBlobStorage: SharedAccessSignature in the connection string', async () => {
    const sas = 'sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=AbCdEf0123456789%2BsigVALUE%3D';
    const original = { connectionString: `BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=${sas}` };
    const { restored } = await roundTrip(file('AzureBlobStorage', original), [sas, 'AbCdEf0123456789']);
    expect(restored).toEqual(original);
  });

  it('AzureBlobStorage: sasUri with its token (SecureString): the URI stays, the token goes', async () => {
    const uri = 'https://acct.blob.core.windows.net/container?sv=2022-11-02&sr=c&sp=rwl&se=2030-01-01&sig=SiGnAtUrE%2Babc123%3D';
    const original = { sasUri: secure(uri) };
    const { encrypted, restored } = await roundTrip(file('AzureBlobStorage', original), ['SiGnAtUrE', 'sv=2022-11-02&sr=c']);
    expect(linkedService(encrypted).properties.typeProperties.sasUri).toEqual(secure('https://acct.blob.core.windows.net/container'));
    expect(restored).toEqual(original);
  });

  it('AzureBlobStorage: sasUri plus a separate sasToken', async () => {
    const original = { sasUri: 'https://acct.blob.core.windows.net/container', sasToken: secure('sv=2022&sp=r&sig=T0kenSig%3D') };
    const { restored } = await roundTrip(file('AzureBlobStorage', original), ['T0kenSig']);
    expect(restored).toEqual(original);
  });

  it('an Azure Key Vault reference is not a plaintext secret and stays as it is', async () => {
    const kv = { type: 'AzureKeyVaultSecret', store: { referenceName: 'kv', type: 'LinkedServiceReference' }, secretName: 'pg' };
    const original = { connectionString: 'Server=h;Database=d;UID=u;Password=Kv-and-plain-1', password: kv };
    const { encrypted, restored } = await roundTrip(file('PostgreSql', original), ['Kv-and-plain-1']);
    expect(linkedService(encrypted).properties.typeProperties.password).toEqual(kv);
    expect(restored).toEqual(original);
  });

  it('any password survives the connection string round trip (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0), async (pw) => {
        const cs = formatConnectionString([{ key: 'Server', value: 'h' }, { key: 'Password', value: pw }, { key: 'Database', value: 'd' }]);
        const text = file('PostgreSql', { connectionString: cs });
        const { text: encrypted } = await encryptLinkedServiceText(text, certA.certPem);
        expect(findPlaintextSecrets(linkedService(encrypted))).toEqual([]);
        const restored = await decryptLinkedService(linkedService(encrypted), { keys: keysA });
        expect(parseConnectionString(restored.properties.typeProperties.connectionString as string).get('password')).toBe(pw);
      }),
      { numRuns: 60 },
    );
  });
});

describe('a secret given on the command line', () => {
  it('becomes Password of a connection string without one (the walkthrough file)', async () => {
    const text = readFileSync('examples/walkthrough/linkedService/OnPremPostgreSql.json', 'utf8');
    const { encrypted, restored } = await roundTrip(text.replace('"type": "PostgreSql",', '"type": "PostgreSql", /* keep this comment */ // x'), ['Stdin-Pa55'], { secret: 'Stdin-Pa55' });
    expect(encrypted).toContain('Server=127.0.0.1;Port=5432;Database=sales;UID=gateway;EncryptedCredential=ey');
    expect(parseConnectionString(restored.connectionString as string).entries).toEqual([
      { key: 'Server', value: '127.0.0.1' },
      { key: 'Port', value: '5432' },
      { key: 'Database', value: 'sales' },
      { key: 'UID', value: 'gateway' },
      { key: 'Password', value: 'Stdin-Pa55' },
    ]);
  });

  it('fills an empty Pwd= in place', async () => {
    const { restored } = await roundTrip(file('MySql', { connectionString: 'Server=h;Pwd=;Database=d' }), ['Given-pw-9'], { secret: 'Given-pw-9' });
    expect(restored.connectionString).toBe('Server=h;Pwd=Given-pw-9;Database=d');
  });

  it('becomes typeProperties.password (SecureString) for FileServer, sasToken for a blob with a sasUri, the URL password for URL forms', async () => {
    expect((await roundTrip(file('FileServer', { host: 'h', userId: 'u' }), ['Fs-given-1'], { secret: 'Fs-given-1' })).restored.password).toEqual(secure('Fs-given-1'));
    expect((await roundTrip(file('AzureBlobStorage', { sasUri: 'https://a.blob.core.windows.net/c' }), ['sig=Given'], { secret: 'sv=1&sig=Given' })).restored.sasToken).toEqual(secure('sv=1&sig=Given'));
    expect((await roundTrip(file('AzureBlobStorage', { connectionString: 'DefaultEndpointsProtocol=https;AccountName=acct' }), ['GivenKey=='], { secret: 'GivenKey==' })).restored.connectionString).toBe(
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=GivenKey==',
    );
    expect((await roundTrip(file('PostgreSql', { connectionString: 'postgres://gw@h:5432/db' }), ['Url-given'], { secret: 'Url-given' })).restored.connectionString).toBe('postgres://gw:Url-given@h:5432/db');
  });

  it('replaces a plaintext password the file has', async () => {
    const { restored } = await roundTrip(file('SqlServer', { connectionString: 'Data Source=h;Password=Old-pass-1' }), ['Old-pass-1', 'New-pass-2'], { secret: 'New-pass-2' });
    expect(restored.connectionString).toBe('Data Source=h;Password=New-pass-2');
  });
});

describe('files already encrypted', () => {
  const open = (keys: CredentialKey[]): EncryptOptions['open'] => async (jwe, place) => asCredentialPayload((await openCredential(jwe, keys, place)).payload, place);

  it('for the same certificate and with nothing new: unchanged, byte for byte', async () => {
    const { text } = await encryptLinkedServiceText(file('SqlServer', { connectionString: 'Data Source=h;Password=Same-1' }), certA.certPem);
    const again = await encryptLinkedServiceText(text, certA.certPem);
    expect(again.text).toBe(text);
    expect(again.summary.changed).toBe(false);
  });

  it('for another certificate: re-encrypted with the old key, for the new certificate', async () => {
    const original = { connectionString: 'Data Source=h;Password=Move-me-1;Database=d', password: secure('Second-2') };
    const { text } = await encryptLinkedServiceText(file('SqlServer', original), certA.certPem);
    const e = await encryptLinkedServiceText(text, certB.certPem).catch((x: DmgwError) => x);
    expect(isDmgwError(e) && e.code).toBe('ALREADY_ENCRYPTED');
    const { text: moved, summary } = await encryptLinkedServiceText(text, certB.certPem, { open: open(keysA) });
    expect(summary.reencryptedFrom).toBe(keysA[0]!.thumbprint);
    expect(summary.thumbprint).toBe(keysB[0]!.thumbprint);
    expect(summary.fields.sort()).toEqual(['connectionString:Password', 'password']);
    await expect(decryptLinkedService(linkedService(moved), { keys: keysA })).rejects.toThrow(/encrypted for certificate .*, this gateway has/);
    expect((await decryptLinkedService(linkedService(moved), { keys: keysB })).properties.typeProperties).toEqual(original);
  });

  it('new plaintext secrets are added to the existing credential', async () => {
    const { text } = await encryptLinkedServiceText(file('MySql', { connectionString: 'Server=h;Password=First-1' }), certA.certPem);
    const withMore = text.replace('"connectionString"', '"password": { "type": "SecureString", "value": "Added-2" },\n            "connectionString"');
    const { text: merged, summary } = await encryptLinkedServiceText(withMore, certA.certPem, { open: open(keysA) });
    expect(summary.encrypted).toEqual(['password']);
    expect(merged).not.toContain('Added-2');
    const tp = (await decryptLinkedService(linkedService(merged), { keys: keysA })).properties.typeProperties;
    expect(parseConnectionString(tp.connectionString as string).get('password')).toBe('First-1');
    expect(tp.password).toEqual(secure('Added-2'));
  });
});

describe('formatting', () => {
  it('keeps tabs, CRLF line ends and a BOM', async () => {
    const text = '\uFEFF{\r\n\t"name": "Fs",\r\n\t"properties": {\r\n\t\t"type": "FileServer",\r\n\t\t"typeProperties": {\r\n\t\t\t"host": "h",\r\n\t\t\t"password": { "type": "SecureString", "value": "Tab-pw-1" }\r\n\t\t}\r\n\t}\r\n}\r\n';
    const { text: out } = await encryptLinkedServiceText(text, certA.certPem);
    expect(out.startsWith('\uFEFF{\r\n\t"name": "Fs",\r\n\t"properties": {\r\n\t\t"type": "FileServer",\r\n')).toBe(true);
    expect(out).toMatch(/\r\n\t\t\t"encryptedCredential": "ey[^"]+"\r\n\t\t}\r\n/);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(out).not.toContain('Tab-pw-1');
  });

  it('detects indentation', () => {
    expect(formattingOf('{\n  "a": 1\n}')).toEqual({ insertSpaces: true, tabSize: 2, eol: '\n' });
    expect(formattingOf('{\r\n\t"a": 1\r\n}')).toEqual({ insertSpaces: false, tabSize: 4, eol: '\r\n' });
  });
});

describe('errors', () => {
  const fails = async (text: string, opts: EncryptOptions = {}): Promise<DmgwError> => {
    const e = await encryptLinkedServiceText(text, certA.certPem, { file: 'ls.json', ...opts }).then(
      () => undefined,
      (x: unknown) => x,
    );
    if (!isDmgwError(e)) throw new Error(`expected a DmgwError, got ${String(e)}`);
    return e;
  };

  it('nothing to encrypt names the file and says how to give the secret', async () => {
    const e = await fails(file('PostgreSql', { connectionString: 'Server=h;Database=d' }));
    expect(e.code).toBe('NOTHING_TO_ENCRYPT');
    expect(e.place).toMatchObject({ file: 'ls.json', line: 7 });
    expect(e.hint).toContain('--password-stdin');
  });

  it('a JSON syntax error points at its line', async () => {
    const e = await fails('{\n  "name": "x",\n  "properties": { "type": "SqlServer", }\n}');
    expect(e.code).toBe('JSON_SYNTAX');
    expect(e.place.line).toBe(3);
  });

  it('a file that is not a linked service', async () => {
    expect((await fails('{ "name": "p", "properties": { "activities": [] } }')).code).toBe('NOT_A_LINKED_SERVICE');
  });

  it('an unparseable connection string is refused without quoting it (it may hold half a password)', async () => {
    const e = await fails(file('SqlServer', { connectionString: 'Data Source=h;Password=abc;Tail-of-pw' }));
    expect(e.code).toBe('CONNECTION_STRING');
    expect(e.message).not.toContain('Tail-of-pw');
    expect(e.message).toContain('at character');
  });

  it('an empty secret and a Key Vault password field are refused', async () => {
    expect((await fails(file('FileServer', { host: 'h' }), { secret: '' })).code).toBe('EMPTY_SECRET');
    const kv = { type: 'AzureKeyVaultSecret', store: { referenceName: 'kv', type: 'LinkedServiceReference' }, secretName: 's' };
    expect((await fails(file('FileServer', { host: 'h', password: kv }), { secret: 'x-secret' })).code).toBe('KEY_VAULT_SECRET');
  });

  it('a certificate that is not one', async () => {
    const e = await encryptLinkedServiceText(file('FileServer', { password: 'Pw-1234' }), 'not a pem', { certSource: 'x.pem' }).catch((x: DmgwError) => x);
    expect(isDmgwError(e) && e.code).toBe('CERT_INVALID');
  });
});
