import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { formatConnectionString } from '../../../src/common/connectionString.js';
import { forgetSecrets, redact, redactError, registerSecret } from '../../../src/common/redact.js';

afterEach(() => forgetSecrets());

describe('redact: connection strings', () => {
  const cases: Array<[string, string]> = [
    ['Server=h;Password=abc;Database=d', 'Server=h;Password=***;Database=d'],
    ['Server=h;password = abc ;Database=d', 'Server=h;password = ***;Database=d'],
    ['Data Source=h;User ID=sa;Pwd=p@ss w0rd with spaces;Encrypt=True', 'Data Source=h;User ID=sa;Pwd=***;Encrypt=True'],
    ['Server=h;Password="a;b""c";Database=d', 'Server=h;Password=***;Database=d'],
    ["Server=h;Password='it''s;x';Database=d", 'Server=h;Password=***;Database=d'],
    ['Password=first-entry', 'Password=***'],
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Eby8vdM0+/K1SZ==;EndpointSuffix=core.windows.net', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net'],
    ['BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abc%3D', 'BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=***'],
    ['Server=h;Password=;Database=d', 'Server=h;Password=;Database=d'],
    ['Server=h;Password="";Database=d', 'Server=h;Password="";Database=d'],
  ];
  for (const [input, out] of cases) it(input, () => expect(redact(input)).toBe(out));

  it('inside JSON text, including an escaped quote in the password', () => {
    const json = JSON.stringify({ connectionString: 'Server=h;Password=a"b;c;Database=d' });
    expect(json).toContain('a\\"b');
    expect(redact(json)).toBe('{"connectionString":"Server=h;Password=***;c;Database=d"}');
  });

  it('a quoted value inside a JSON-escaped connection string (how a log field prints it)', () => {
    const cs = formatConnectionString([{ key: 'Server', value: 'h' }, { key: 'Password', value: `Pg;"Q'-x` }, { key: 'Database', value: 'd' }]);
    expect(cs).toBe(`Server=h;Password="Pg;""Q'-x";Database=d`);
    expect(redact(JSON.stringify(cs))).toBe(JSON.stringify('Server=h;Password=***;Database=d'));
  });

  it('a secret key at the start of a line in multi-line text', () => {
    expect(redact('first line\npassword=hunter22\nnext')).toBe('first line\npassword=***\nnext');
  });

  it('does not mask look-alike keys', () => {
    expect(redact('MyPassword=x;PasswordPolicy=y')).toBe('MyPassword=x;PasswordPolicy=y');
  });

  it('any password in a formatted connection string is masked (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0), (pw) => {
        const cs = formatConnectionString([{ key: 'Server', value: 'h' }, { key: 'Password', value: pw }, { key: 'Database', value: 'd' }]);
        expect(redact(cs)).toBe('Server=h;Password=***;Database=d');
        expect(redact(JSON.stringify({ cs }))).toBe(JSON.stringify({ cs: 'Server=h;Password=***;Database=d' }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('redact: URLs, SAS, JSON fields', () => {
  it('URL passwords, also with an unescaped @ in them', () => {
    expect(redact('connect to postgres://gw:s3cret@db:5432/sales failed')).toBe('connect to postgres://gw:***@db:5432/sales failed');
    expect(redact('mysql://root:p@ss@host/db')).toBe('mysql://root:***@host/db');
    expect(redact('http://host:8080/path and https://host/x')).toBe('http://host:8080/path and https://host/x');
  });

  it('SAS signatures in URLs', () => {
    expect(redact('GET https://a.blob.core.windows.net/c/b?sv=2022&sp=r&sig=AbC%2B%3D&se=2030 403')).toBe('GET https://a.blob.core.windows.net/c/b?sv=2022&sp=r&sig=***&se=2030 403');
  });

  it('secret JSON fields, SecureStrings in either order, and util.inspect output', () => {
    expect(redact('{"password":"x1","accountKey": "k==","sasToken":"t","user":"u"}')).toBe('{"password":"***","accountKey": "***","sasToken":"***","user":"u"}');
    expect(redact('{ "type": "SecureString", "value": "v\\"1" }')).toBe('{ "type": "SecureString", "value": "***" }');
    expect(redact('{"value":"v2",\n  "type":"SecureString"}')).toBe('{"value":"***",\n  "type":"SecureString"}');
    expect(redact(inspect({ password: "it's", other: 1 }))).toBe("{ password: '***', other: 1 }");
    expect(redact(inspect({ connectionString: { type: 'SecureString', value: 'Server=h;Password=zz' } }))).not.toContain('zz');
  });

  it('an EncryptedCredential (a JWE) is not a secret and passes through', () => {
    const jwe = 'eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.c2VjcmV0.aXY.Y2lwaGVy.dGFn';
    expect(redact(`Server=h;EncryptedCredential=${jwe}`)).toBe(`Server=h;EncryptedCredential=${jwe}`);
    expect(redact(`{"encryptedCredential": "${jwe}"}`)).toBe(`{"encryptedCredential": "${jwe}"}`);
  });
});

describe('redact: registered secrets', () => {
  it('masks a registered literal anywhere, and its escaped spellings', () => {
    const s = `Rnd-${Math.random().toString(36).slice(2)}"q'&/`;
    registerSecret(s);
    expect(redact(`x ${s} y`)).toBe('x *** y');
    expect(redact(JSON.stringify({ note: `has ${s}` }))).toBe('{"note":"has ***"}');
    expect(redact(`https://h/?p=${encodeURIComponent(s)}`)).toBe('https://h/?p=***');
    expect(redact(`Pass="${s.replace(/"/g, '""')}"`)).toBe('Pass="***"');
  });

  it('masks a registered literal in the spellings a connection string and a JSON log line give it', () => {
    const s = `Pg;"Q'-${Math.random().toString(36).slice(2)}`;
    registerSecret(s);
    const cs = formatConnectionString([{ key: 'Host', value: 'h' }, { key: 'Other', value: s }]);
    expect(redact(cs)).toBe('Host=h;Other="***"');
    expect(redact(JSON.stringify(cs))).toBe(JSON.stringify('Host=h;Other="***"'));
    expect(redact(JSON.stringify(JSON.stringify({ cs })))).not.toContain(s.slice(4));
  });

  it('longest first, so a secret containing another is masked whole', () => {
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(redact('abcdefgh abcd')).toBe('*** ***');
  });

  it('ignores values too short to mask safely, and forgets on request', () => {
    registerSecret('ab');
    registerSecret(undefined);
    expect(redact('ab cd')).toBe('ab cd');
    registerSecret('long-enough');
    forgetSecrets();
    expect(redact('long-enough')).toBe('long-enough');
  });

  it('redactError masks messages and causes', () => {
    registerSecret('CauseSecret');
    const e = new Error('login failed for Password=topsecret', { cause: new Error('server said CauseSecret') });
    const out = redactError(e);
    expect(out).toBe('login failed for Password=***\ncaused by: server said ***');
    expect(redactError('plain Password=x')).toBe('plain Password=***');
  });
});

describe('redactDeep', () => {
  it('masks registered secrets in every string of a JSON value, keeping everything else as it is', async () => {
    const { redactDeep, registerSecret } = await import('../../../src/common/redact.js');
    const { ExactNumber } = await import('../../../src/common/expressions.js');
    registerSecret('deep-Secret-42');
    const exact = new ExactNumber(12345678901234567890n, 2);
    const v = { q: 'SELECT 1 /* deep-Secret-42 */', list: ['x', 'key:deep-Secret-42', 7, true, null], n: exact, nested: { k: 'Password=abc;x=1' } };
    const r = redactDeep(v);
    expect(JSON.stringify(r)).not.toContain('deep-Secret-42');
    expect(r.list.slice(2)).toEqual([7, true, null]);
    expect(r.n).toBe(exact);
    expect(r.nested.k).not.toContain('abc');
    expect(v.q).toContain('deep-Secret-42'); // a copy: the original is what expressions read
  });
});
