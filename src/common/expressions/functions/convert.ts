/** How values become text and booleans, everywhere the language converts: string(), concat(), `@{…}`. */
import { compareNumbers, isNumeric, numberText, type Json } from '../values.js';

/**
 * The text of a value: strings as they are, null as empty text, booleans as .NET prints them (`True`, `False`),
 * numbers as their digits, arrays and objects as JSON (exact numbers with all their digits).
 */
export function toText(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (isNumeric(v)) return numberText(v);
  return JSON.stringify(v);
}

/** Deep equality as equals() compares: numbers by value (1 = 1.0), booleans as 1/0 against numbers, text exactly. */
export function sameValue(a: Json, b: Json): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'boolean' && isNumeric(b)) return sameValue(a ? 1 : 0, b);
  if (isNumeric(a) && typeof b === 'boolean') return sameValue(a, b ? 1 : 0);
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b) === 0;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, Json>)[k]!, (b as Record<string, Json>)[k]!));
  }
  return a === b;
}
