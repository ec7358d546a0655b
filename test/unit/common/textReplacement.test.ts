import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyReplacement, smallestReplacement } from '../../../src/common/textReplacement.js';

describe('smallestReplacement', () => {
  it('turns the old text into the new one, for any pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(applyReplacement(a, smallestReplacement(a, b))).toBe(b);
      }),
    );
  });

  it('touches only the changed middle', () => {
    const a = '{\n  "connectionString": "Server=x;Password=secret;Database=d"\n}\n';
    const b = '{\n  "connectionString": "Server=x;EncryptedCredential=eyJ;Database=d"\n}\n';
    expect(smallestReplacement(a, b)).toEqual({ start: a.indexOf('Password'), end: a.indexOf(';Database'), text: 'EncryptedCredential=eyJ' });
    expect(smallestReplacement(a, a)).toBeUndefined();
  });

  it('never splits a surrogate pair', () => {
    const r = smallestReplacement('x\u{1F600}y', 'x\u{1F601}y')!;
    expect(r).toEqual({ start: 1, end: 3, text: '\u{1F601}' });
  });
});
