/**
 * Conversion functions (ADF: array, base64, base64ToString, bool, coalesce, createArray, dataUri, dataUriToString,
 * decodeBase64, decodeUriComponent, encodeUriComponent, float, int, json, string, uriComponent,
 * uriComponentToString). Functions that return binary content or XML have no value form here (unsupported).
 */
import { FunctionError } from '../scope.js';
import { ExactNumber, integer, isNumeric, isWhole, numberFromText, parseJsonExact, toBigInt, type Json } from '../values.js';
import { toText } from './convert.js';
import { argError, shown, spec, str, type FunctionSpec } from './spec.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');

function fromBase64(s: string, name: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, '')) || s.replace(/\s/g, '').length % 4 === 1) throw new FunctionError(`${name}(): ${shown(s)} is not base64 text`);
  return Buffer.from(s, 'base64').toString('utf8');
}

function decodeUri(s: string, name: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new FunctionError(`${name}(): ${shown(s)} holds a broken %-escape`);
  }
}

function dataUriText(s: string, name: string): string {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(s);
  if (!m) throw new FunctionError(`${name}(): ${shown(s)} is not a data URI (data:[type][;base64],data)`);
  return m[2] ? fromBase64(m[3]!, name) : decodeUri(m[3]!, name);
}

const unsupported = (name: string, why: string): FunctionSpec => ({ ...spec(name, 'conversion', 1, 1, () => null), unsupported: why });
const BINARY = 'it returns binary content, which this gateway\'s expressions have no value for';

export const CONVERSION_FUNCTIONS: FunctionSpec[] = [
  spec('array', 'conversion', 1, 1, (a) => [a[0]!]),
  spec('base64', 'conversion', 1, 1, (a, c) => utf8(str(c, a, 0)).toString('base64')),
  spec('base64ToString', 'conversion', 1, 1, (a, c) => fromBase64(str(c, a, 0), c.name)),
  spec('bool', 'conversion', 1, 1, (a, c) => {
    const v = a[0];
    if (typeof v === 'boolean') return v;
    if (isNumeric(v)) return !(isWhole(v) && toBigInt(v) === 0n) && !(typeof v === 'number' && v === 0);
    if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
    throw argError(c, 0, "a boolean, a number or 'true'/'false'", v ?? null);
  }),
  spec('coalesce', 'conversion', 1, Infinity, (a) => a.find((x) => x !== null && x !== undefined) ?? null),
  spec('createArray', 'conversion', 1, Infinity, (a) => [...a]),
  spec('dataUri', 'conversion', 1, 1, (a, c) => `data:text/plain;charset=utf-8;base64,${utf8(str(c, a, 0)).toString('base64')}`),
  spec('dataUriToString', 'conversion', 1, 1, (a, c) => dataUriText(str(c, a, 0), c.name)),
  spec('decodeBase64', 'conversion', 1, 1, (a, c) => fromBase64(str(c, a, 0), c.name)),
  spec('decodeUriComponent', 'conversion', 1, 1, (a, c) => decodeUri(str(c, a, 0), c.name)),
  spec('encodeUriComponent', 'conversion', 1, 1, (a, c) => encodeURIComponent(str(c, a, 0))),
  spec('float', 'conversion', 1, 1, (a, c) => {
    const v = a[0];
    if (typeof v === 'number') return v;
    if (v instanceof ExactNumber) return v.toNumber();
    if (typeof v === 'string' && numberFromText(v) !== undefined) return Number(v.trim());
    throw argError(c, 0, 'a number or the text of one', v ?? null);
  }),
  spec('int', 'conversion', 1, 1, (a, c) => {
    const v = a[0];
    if (isNumeric(v) && isWhole(v)) return integer(toBigInt(v));
    if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return integer(BigInt(v.trim()));
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw argError(c, 0, 'a whole number or its text (for decimals use float())', v ?? null);
  }),
  spec('json', 'conversion', 1, 1, (a) => {
    const v = a[0];
    if (v === null || v === undefined) return {};
    if (typeof v !== 'string') return v;
    try {
      return parseJsonExact(v) as Json;
    } catch (e) {
      throw new FunctionError(`json(): ${shown(v)} is not JSON (${(e as Error).message})`);
    }
  }),
  spec('string', 'conversion', 1, 1, (a) => toText(a[0] ?? null)),
  spec('uriComponent', 'conversion', 1, 1, (a, c) => encodeURIComponent(str(c, a, 0))),
  spec('uriComponentToString', 'conversion', 1, 1, (a, c) => decodeUri(str(c, a, 0), c.name)),
  unsupported('base64ToBinary', BINARY),
  unsupported('binary', BINARY),
  unsupported('dataUriToBinary', BINARY),
  unsupported('decodeDataUri', BINARY),
  unsupported('uriComponentToBinary', BINARY),
  unsupported('xml', 'XML values are not supported'),
  { ...spec('xpath', 'conversion', 2, 2, () => null), unsupported: 'XML values are not supported' },
];
