/**
 * The JSON writer's string fast path (formats/json.ts#jsonString) against JSON.stringify, which it short-cuts:
 * for every string, quotes, backslashes, controls, lone and paired surrogates included, the same text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonString } from '../../../../src/agent/formats/json.js';

const tricky = fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\n', '\t', '\ud800', '\udfff', '😀', '\u2028', 'é', 'a', ' ');
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.array(tricky, { maxLength: 12 }).map((a) => a.join('')), fc.string());

describe('jsonString', () => {
  it('gives what JSON.stringify gives for every string', () => {
    fc.assert(
      fc.property(text, (v) => {
        expect(jsonString(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 20_000 },
    );
  });

  it('escapes what must be escaped', () => {
    expect(jsonString('a"b\\c\nd\ud800')).toBe('"a\\"b\\\\c\\nd\\ud800"');
    expect(jsonString('plain text, 42')).toBe('"plain text, 42"');
  });
});
