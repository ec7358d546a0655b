/**
 * Math functions (ADF: add, div, max, min, mod, mul, rand, range, sub). Whole numbers and exact decimals compute
 * exactly (values.ts); doubles as doubles. div of two whole numbers is integer division (truncated, as C#).
 */
import { FunctionError, type CallContext } from '../scope.js';
import { arithmetic, compareNumbers, ExactNumber, integer, isNumeric, isWhole, toBigInt, type Json } from '../values.js';
import { argError, num, spec, whole, type FunctionSpec } from './spec.js';

function numbers(a: Json[], c: CallContext): Array<number | ExactNumber> {
  const list = a.length === 1 && Array.isArray(a[0]) ? a[0] : a;
  if (!list.length) throw new FunctionError(`${c.name}() needs at least one number`);
  return list.map((v, i) => {
    if (!isNumeric(v)) throw argError(c, i, 'a number', v);
    return v;
  });
}

const asDouble = (v: number | ExactNumber) => (typeof v === 'number' ? v : v.toNumber());

function divide(a: Json[], c: CallContext, remainder: boolean): Json {
  const x = num(c, a, 0);
  const y = num(c, a, 1);
  if (isWhole(x) && isWhole(y)) {
    const d = toBigInt(y);
    if (d === 0n) throw new FunctionError(`${c.name}() cannot divide by zero`);
    return integer(remainder ? toBigInt(x) % d : toBigInt(x) / d);
  }
  if (asDouble(y) === 0) throw new FunctionError(`${c.name}() cannot divide by zero`);
  return remainder ? asDouble(x) % asDouble(y) : asDouble(x) / asDouble(y);
}

export const MATH_FUNCTIONS: FunctionSpec[] = [
  spec('add', 'math', 2, 2, (a, c) => arithmetic('add', num(c, a, 0), num(c, a, 1))),
  spec('div', 'math', 2, 2, (a, c) => divide(a, c, false)),
  spec('max', 'math', 1, Infinity, (a, c) => numbers(a, c).reduce((m, v) => (compareNumbers(v, m) > 0 ? v : m))),
  spec('min', 'math', 1, Infinity, (a, c) => numbers(a, c).reduce((m, v) => (compareNumbers(v, m) < 0 ? v : m))),
  spec('mod', 'math', 2, 2, (a, c) => divide(a, c, true)),
  spec('mul', 'math', 2, 2, (a, c) => arithmetic('mul', num(c, a, 0), num(c, a, 1))),
  spec('rand', 'math', 2, 2, (a, c) => {
    const lo = whole(c, a, 0);
    const hi = whole(c, a, 1);
    if (hi <= lo) throw new FunctionError('rand() needs its maximum above its minimum');
    return integer(lo + BigInt(Math.floor(Math.random() * Number(hi - lo))));
  }),
  spec('range', 'math', 2, 2, (a, c) => {
    const start = whole(c, a, 0);
    const count = Number(whole(c, a, 1));
    if (count < 0 || count > 100_000) throw new FunctionError('range() makes 0 to 100,000 numbers');
    return Array.from({ length: count }, (_, i) => integer(start + BigInt(i)));
  }),
  spec('sub', 'math', 2, 2, (a, c) => arithmetic('sub', num(c, a, 0), num(c, a, 1))),
];
