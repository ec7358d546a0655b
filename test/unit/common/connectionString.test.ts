import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatConnectionString,
  formatDatabaseUrl,
  isUrlConnectionString,
  parseConnectionString,
  parseDatabaseUrl,
} from '../../../src/common/connectionString.js';
import { DmgwError } from '../../../src/common/errors.js';

describe('ADO.NET connection strings', () => {
  it('parses keys case-insensitively, trims unquoted values, keeps order', () => {
    const cs = parseConnectionString(' Data Source = db1.corp ; Initial Catalog=Sales;Integrated Security=False;User ID=sa;Password=p@ss;');
    expect(cs.entries.map((e) => e.key)).toEqual(['Data Source', 'Initial Catalog', 'Integrated Security', 'User ID', 'Password']);
    expect(cs.get('data source')).toBe('db1.corp');
    expect(cs.get('PASSWORD')).toBe('p@ss');
    expect(cs.get('pwd', 'password')).toBe('p@ss');
    expect(cs.get('missing')).toBeUndefined();
  });

  it('handles quoted values with separators and doubled quotes', () => {
    const cs = parseConnectionString(`Password="a;b""c";User='it''s';Key==Name=v`);
    expect(cs.get('password')).toBe('a;b"c');
    expect(cs.get('user')).toBe("it's");
    expect(cs.get('key=name')).toBe('v');
  });

  it('keeps an empty value and the last of repeated keys', () => {
    const cs = parseConnectionString('a=;b=1;b=2');
    expect(cs.get('a')).toBe('');
    expect(cs.get('b')).toBe('2');
  });

  it('set / delete / toString', () => {
    const cs = parseConnectionString('Host=h;Password=x;Database=d');
    expect(cs.delete('password')).toEqual(['x']);
    cs.set('EncryptedCredential', 'eyJ.a.b.c.d').set('host', 'h2');
    expect(cs.toString()).toBe('Host=h2;Database=d;EncryptedCredential=eyJ.a.b.c.d');
  });

  it.each([
    ['Host=h;Password="unterminated', /never closed/],
    ['Host=h;JustAKey;', /has no "=value"/],
    // an unquoted ';' inside a password: the error must not echo the rest of it
    ['Password=abc;SECRETPART;', /has no "=value"/],
    ['=value', /empty key/],
    ['Password="a" b', /unexpected text after the quoted value/],
  ])('rejects %s with a clear error', (text, msg) => {
    let err: unknown;
    try {
      parseConnectionString(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DmgwError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).toMatch(/at character \d+/);
    expect((err as Error).message).not.toContain('SECRETPART');
    expect((err as Error).message).not.toContain('unterminated');
  });

  it('round-trips any entries (property)', () => {
    const key = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !k.includes(';') && k.trim() === k && k.length > 0 && !/[\s]/.test(k[0]!));
    const value = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(fc.array(fc.record({ key, value }), { maxLength: 6 }), (entries) => {
        const text = formatConnectionString(entries);
        const back = parseConnectionString(text).entries;
        // Unquoted values are trimmed by the grammar; format quotes any value that would lose whitespace.
        expect(back).toEqual(entries);
      }),
      { numRuns: 2000 },
    );
  });

  it('never crashes on arbitrary input: parses or throws DmgwError (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseConnectionString(text);
        } catch (e) {
          expect(e).toBeInstanceOf(DmgwError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('URL connection strings', () => {
  it('parses and formats a postgres URL with escapes', () => {
    const u = parseDatabaseUrl('postgresql://app%40corp:p%3Ass%2Fw@db.local:6543/sales%20db?sslmode=require');
    expect(u).toEqual({ scheme: 'postgresql', host: 'db.local', port: 6543, database: 'sales db', user: 'app@corp', password: 'p:ss/w', options: { sslmode: 'require' } });
    expect(parseDatabaseUrl(formatDatabaseUrl(u))).toEqual(u);
  });

  it('recognises URL forms only for database schemes', () => {
    expect(isUrlConnectionString('mysql://root@127.0.0.1:3306/test')).toBe(true);
    expect(isUrlConnectionString('Server=x;Database=y')).toBe(false);
    expect(isUrlConnectionString('https://acct.blob.core.windows.net')).toBe(false);
  });

  it('round-trips (property)', () => {
    const part = fc.string({ minLength: 1, maxLength: 10 });
    fc.assert(
      // A database named "." or ".." cannot be written in a URL path (the URL standard resolves dot segments, even as %2E).
      fc.property(fc.constantFrom('postgres', 'mysql', 'mariadb'), part, part, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), part.filter((d) => d !== '.' && d !== '..'), (scheme, user, password, port, database) => {
        const u = { scheme, host: 'h.example', port, database, user, password, options: {} };
        expect(parseDatabaseUrl(formatDatabaseUrl(u))).toEqual(u);
      }),
      { numRuns: 1000 },
    );
  });
});
