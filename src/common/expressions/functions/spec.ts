/** One function of the expression language, and the argument checks every function uses. */
import { FunctionError, type CallContext } from '../scope.js';
import { isNumeric, isWhole, toBigInt, type ExactNumber, type Json } from '../values.js';

export type FunctionGroup = 'string' | 'collection' | 'logical' | 'conversion' | 'math' | 'date' | 'system';

export interface FunctionSpec {
  /** as the docs spell it (lookups are case-insensitive) */
  name: string;
  group: FunctionGroup;
  min: number;
  max: number;
  fn(args: Json[], ctx: CallContext): Json;
  /** set for functions ADF has that this gateway does not run: why */
  unsupported?: string;
}

export const spec = (name: string, group: FunctionGroup, min: number, max: number, fn: FunctionSpec['fn']): FunctionSpec => ({ name, group, min, max, fn });

export function arity(min: number, max: number): string {
  const n = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  if (min === max) return n(min);
  if (max === Infinity) return `at least ${n(min)}`;
  return `${min} to ${max} arguments`;
}

const ORDINAL = ['first', 'second', 'third', 'fourth', 'fifth'];

/** How messages name a value: `'abc'`, `42`, `an array`, `an object`, `null`. */
export function shown(v: Json): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 60)}…` : v}'`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && !isNumeric(v)) return 'an object';
  return String(v);
}

export function argError(ctx: CallContext, i: number, want: string, got: Json): FunctionError {
  return new FunctionError(`${ctx.name}() needs ${want} as its ${ORDINAL[i] ?? `#${i + 1}`} argument, not ${shown(got)}`);
}

export function str(ctx: CallContext, args: Json[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw argError(ctx, i, 'a string', v ?? null);
  return v;
}

export function optStr(ctx: CallContext, args: Json[], i: number): string | undefined {
  return args[i] === undefined || args[i] === null ? undefined : str(ctx, args, i);
}

export function whole(ctx: CallContext, args: Json[], i: number): bigint {
  const v = args[i];
  if (!isNumeric(v) || !isWhole(v)) throw argError(ctx, i, 'an integer', v ?? null);
  return toBigInt(v);
}

export function num(ctx: CallContext, args: Json[], i: number): number | ExactNumber {
  const v = args[i];
  if (!isNumeric(v)) throw argError(ctx, i, 'a number', v ?? null);
  return v;
}

export function arr(ctx: CallContext, args: Json[], i: number): Json[] {
  const v = args[i];
  if (!Array.isArray(v)) throw argError(ctx, i, 'an array', v ?? null);
  return v;
}

export function bool(ctx: CallContext, args: Json[], i: number): boolean {
  const v = args[i];
  if (typeof v !== 'boolean') throw argError(ctx, i, 'a boolean (true or false)', v ?? null);
  return v;
}
