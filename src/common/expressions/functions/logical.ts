/** Logical comparison functions (ADF: and, equals, greater, greaterOrEquals, if, less, lessOrEquals, not, or). */
import { FunctionError, type CallContext } from '../scope.js';
import { compareNumbers, isNumeric, type Json } from '../values.js';
import { sameValue } from './convert.js';
import { bool, shown, spec, type FunctionSpec } from './spec.js';

/** Numbers with numbers (exactly), strings with strings (ordinal); anything else cannot be ordered. */
function order(a: Json[], c: CallContext): number {
  const [x, y] = a as [Json, Json];
  if (isNumeric(x) && isNumeric(y)) return compareNumbers(x, y);
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  throw new FunctionError(`${c.name}() compares two numbers or two strings, not ${shown(x)} and ${shown(y)}`, 'convert first: int(), float(), string(), or ticks() for timestamps');
}

const all = (a: Json[], c: CallContext) => a.map((_, i) => bool(c, a, i));

export const LOGICAL_FUNCTIONS: FunctionSpec[] = [
  spec('and', 'logical', 2, Infinity, (a, c) => all(a, c).every(Boolean)),
  spec('equals', 'logical', 2, 2, (a) => sameValue(a[0]!, a[1]!)),
  spec('greater', 'logical', 2, 2, (a, c) => order(a, c) > 0),
  spec('greaterOrEquals', 'logical', 2, 2, (a, c) => order(a, c) >= 0),
  spec('if', 'logical', 3, 3, (a, c) => (bool(c, a, 0) ? a[1]! : a[2]!)),
  spec('less', 'logical', 2, 2, (a, c) => order(a, c) < 0),
  spec('lessOrEquals', 'logical', 2, 2, (a, c) => order(a, c) <= 0),
  spec('not', 'logical', 1, 1, (a, c) => !bool(c, a, 0)),
  spec('or', 'logical', 2, Infinity, (a, c) => all(a, c).some(Boolean)),
];
