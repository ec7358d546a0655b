import { describe, expect, it } from 'vitest';
import { echoedMask, MASK, maskSecrets } from '../../../src/common/maskSecrets.js';

const ls = (typeProperties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'PostgreSql', typeProperties, ...extra });

describe('maskSecrets: what an ARM answer shows', () => {
  it.each([
    ['ADO.NET Password', 'Server=db;UID=app;Password=s3cret;Database=x', `Server=db;UID=app;Password=${MASK};Database=x`],
    ['ADO.NET quoted Pwd', 'Server=db;Pwd="a;b""c"', `Server=db;Pwd=${MASK}`],
    ['Blob AccountKey', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k3y==;EndpointSuffix=core.windows.net', `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${MASK};EndpointSuffix=core.windows.net`],
    ['Blob SharedAccessSignature', 'BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=1&sig=abc', `BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=${MASK}`],
    ['URL password', 'postgres://app:p%40ss@db:5432/sales', `postgres://app:${MASK}@db:5432/sales`],
    ['URL password option', 'postgres://app@db/sales?password=p4ss&sslmode=require', `postgres://app@db/sales?password=${encodeURIComponent(MASK)}&sslmode=require`],
    ['a string that does not parse', 'Server=db;Password="unterminated', MASK],
  ])('masks %s in a plain connection string', (_what, cs, shown) => {
    const m = maskSecrets(ls({ connectionString: cs }), true);
    expect(m).toEqual({ masked: true, value: ls({ connectionString: shown }) });
  });

  it('masks secret fields, SecureStrings anywhere, SAS signatures and SecureString parameter defaults; keeps the rest', () => {
    const input = ls(
      { connectionString: 'Server=db;UID=app', password: 'plain', accountKey: { type: 'SecureString', value: 'k' }, sasUri: 'https://a.blob.core.windows.net/?sv=1&sig=abc%2B&se=2', sasToken: { type: 'AzureKeyVaultSecret', secretName: 'x', store: { referenceName: 'kv', type: 'LinkedServiceReference' } }, encryptedCredential: 'eyJ.a.b.c.d' },
      { parameters: { p: { type: 'SecureString', defaultValue: 'dflt' }, q: { type: 'String', defaultValue: 'shown' } } },
    );
    const m = maskSecrets(input, true);
    expect(m.masked).toBe(true);
    expect(m.value).toEqual(
      ls(
        { connectionString: 'Server=db;UID=app', password: MASK, accountKey: { type: 'SecureString', value: MASK }, sasUri: `https://a.blob.core.windows.net/?sv=1&sig=${MASK}&se=2`, sasToken: input.typeProperties.sasToken, encryptedCredential: 'eyJ.a.b.c.d' },
        { parameters: { p: { type: 'SecureString', defaultValue: MASK }, q: { type: 'String', defaultValue: 'shown' } } },
      ),
    );
    expect(input.typeProperties.password).toBe('plain'); // the input is not changed
  });

  it('leaves plain strings of other resources alone, masks their SecureStrings, and says when nothing was masked', () => {
    const pipeline = { activities: [{ name: 'a', typeProperties: { password: 'not a linked service field' } }], parameters: { s: { type: 'securestring', defaultValue: 'x' } } };
    expect(maskSecrets(pipeline, false).value).toEqual({ ...pipeline, parameters: { s: { type: 'securestring', defaultValue: MASK } } });
    const clean = ls({ connectionString: 'Server=db;UID=app;EncryptedCredential=eyJ.a.b.c.d' });
    expect(maskSecrets(clean, true)).toEqual({ masked: false, value: clean });
    const already = ls({ connectionString: `Server=db;Password=${MASK}`, password: MASK });
    expect(maskSecrets(already, true).masked).toBe(false);
  });
});

describe('echoedMask: an answer sent back as it came', () => {
  it.each([
    ['a SecureString', ls({ connectionString: { type: 'SecureString', value: MASK } }), 'properties.typeProperties.connectionString.value'],
    ['a secure parameter default', { activities: [], parameters: { p: { type: 'SecureString', defaultValue: MASK } } }, 'properties.parameters.p.defaultValue'],
    ['a connection-string password', ls({ connectionString: `Server=db;Password=${MASK}` }), 'properties.typeProperties.connectionString'],
    ['a URL password', ls({ connectionString: `postgres://u:${MASK}@db/x` }), 'properties.typeProperties.connectionString'],
    ['a masked unparseable string', ls({ connectionString: MASK }), 'properties.typeProperties.connectionString'],
    ['a password field', ls({ connectionString: 'Server=db', password: MASK }), 'properties.typeProperties.password'],
    ['a SAS signature', ls({ sasUri: `https://a.blob.core.windows.net/?sv=1&sig=${MASK}` }), 'properties.typeProperties.sasUri'],
  ])('finds %s', (_what, props, path) => {
    expect(echoedMask(props as Record<string, unknown>, true)).toBe(path);
  });

  it('finds nothing in real secrets, ciphertext, or asterisks that hold no secret', () => {
    expect(echoedMask(ls({ connectionString: 'Server=db;Password=s3cret;Application Name=**********', password: 'x' }), true)).toBeUndefined();
    expect(echoedMask({ description: MASK, activities: [] }, false)).toBeUndefined();
    expect(echoedMask(ls({ connectionString: `Server=db;Password=${MASK}` }), false)).toBeUndefined();
  });
});
