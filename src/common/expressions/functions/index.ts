/**
 * The one table of functions, keyed by lower-cased name in a null-prototype object: looking up `constructor`,
 * `toString` or `__proto__` finds nothing (an unknown function), never something inherited from Object.
 */
import { COLLECTION_FUNCTIONS } from './collections.js';
import { CONVERSION_FUNCTIONS } from './conversion.js';
import { DATE_FUNCTIONS } from './dates.js';
import { LOGICAL_FUNCTIONS } from './logical.js';
import { MATH_FUNCTIONS } from './math.js';
import type { FunctionSpec } from './spec.js';
import { STRING_FUNCTIONS } from './strings.js';
import { SYSTEM_FUNCTIONS } from './system.js';

export const ALL_FUNCTIONS: readonly FunctionSpec[] = [...STRING_FUNCTIONS, ...COLLECTION_FUNCTIONS, ...LOGICAL_FUNCTIONS, ...CONVERSION_FUNCTIONS, ...MATH_FUNCTIONS, ...DATE_FUNCTIONS, ...SYSTEM_FUNCTIONS];

const TABLE: Record<string, FunctionSpec> = Object.create(null) as Record<string, FunctionSpec>;
for (const f of ALL_FUNCTIONS) TABLE[f.name.toLowerCase()] = f;
Object.freeze(TABLE);

/** The function called `name` (case-insensitive), or undefined. */
export function functionOf(name: string): FunctionSpec | undefined {
  return TABLE[name.toLowerCase()];
}
