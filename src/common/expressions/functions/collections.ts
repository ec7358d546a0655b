/** Collection functions (ADF: contains, empty, first, intersection, join, last, length, skip, take, union). */
import { FunctionError } from '../scope.js';
import { isObject, type Json } from '../values.js';
import { sameValue, toText } from './convert.js';
import { argError, arr, spec, str, whole, type FunctionSpec } from './spec.js';

type Obj = { [k: string]: Json };

function setOp(name: 'union' | 'intersection', args: Json[]): Json {
  if (args.every(Array.isArray)) {
    const lists = args as Json[][];
    if (name === 'union') {
      const out: Json[] = [];
      for (const l of lists) for (const x of l) if (!out.some((y) => sameValue(x, y))) out.push(x);
      return out;
    }
    const out: Json[] = [];
    for (const x of lists[0]!) if (lists.every((l) => l.some((y) => sameValue(x, y))) && !out.some((y) => sameValue(x, y))) out.push(x);
    return out;
  }
  if (args.every(isObject)) {
    const objs = args as Obj[];
    if (name === 'union') return Object.assign({}, ...objs) as Obj;
    const out: Obj = {};
    for (const k of Object.keys(objs[0]!)) if (objs.every((o) => Object.hasOwn(o, k))) out[k] = objs[objs.length - 1]![k]!;
    return out;
  }
  throw new FunctionError(`${name}() takes arrays, or objects, all of one kind`);
}

export const COLLECTION_FUNCTIONS: FunctionSpec[] = [
  spec('contains', 'collection', 2, 2, (a, c) => {
    const [col, v] = a;
    if (typeof col === 'string') return col.includes(str(c, a, 1));
    if (Array.isArray(col)) return col.some((x) => sameValue(x, v ?? null));
    if (isObject(col)) return Object.hasOwn(col, toText(v ?? null));
    throw argError(c, 0, 'a string, an array or an object', col ?? null);
  }),
  spec('empty', 'collection', 1, 1, (a, c) => {
    const v = a[0];
    if (v === null || v === undefined) return true;
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
    if (isObject(v)) return Object.keys(v).length === 0;
    throw argError(c, 0, 'a string, an array, an object or null', v);
  }),
  spec('first', 'collection', 1, 1, (a, c) => {
    const v = a[0];
    if (typeof v === 'string') return v.length ? v[0]! : null;
    if (Array.isArray(v)) return v.length ? v[0]! : null;
    throw argError(c, 0, 'a string or an array', v ?? null);
  }),
  spec('intersection', 'collection', 1, Infinity, (a) => setOp('intersection', a)),
  spec('join', 'collection', 2, 2, (a, c) => arr(c, a, 0).map(toText).join(str(c, a, 1))),
  spec('last', 'collection', 1, 1, (a, c) => {
    const v = a[0];
    if (typeof v === 'string') return v.length ? v[v.length - 1]! : null;
    if (Array.isArray(v)) return v.length ? v[v.length - 1]! : null;
    throw argError(c, 0, 'a string or an array', v ?? null);
  }),
  spec('length', 'collection', 1, 1, (a, c) => {
    const v = a[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    throw argError(c, 0, 'a string or an array', v ?? null);
  }),
  spec('skip', 'collection', 2, 2, (a, c) => {
    const n = Number(whole(c, a, 1));
    if (n < 0) throw new FunctionError('skip() needs a count of 0 or more');
    const v = a[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(n) as Json;
    throw argError(c, 0, 'an array or a string', v ?? null);
  }),
  spec('take', 'collection', 2, 2, (a, c) => {
    const n = Number(whole(c, a, 1));
    if (n < 0) throw new FunctionError('take() needs a count of 0 or more');
    const v = a[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(0, n) as Json;
    throw argError(c, 0, 'an array or a string', v ?? null);
  }),
  spec('union', 'collection', 1, Infinity, (a) => setOp('union', a)),
];
