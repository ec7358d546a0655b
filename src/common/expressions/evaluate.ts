/**
 * Evaluating expressions: a parsed node and the scope it runs in (pipeline parameters, variables, the outputs of
 * activities that ran before, the ForEach item, dataset and linked service parameters). Functions come from one
 * null-prototype table (functions/index.ts): a name like `constructor` or `__proto__` is an unknown function, never
 * a property of Object. Property access is case-insensitive, as in ADF; a missing property is an error naming the
 * ones there are, unless written with `?.` / `?[`, which give null.
 */
import { functionOf } from './functions/index.js';
import { arity } from './functions/spec.js';
import { toText } from './functions/convert.js';
import { type Node, ExpressionSyntaxError, parseTemplate, type Template } from './parser.js';
import { ExpressionError, FunctionError, type ExpressionScope } from './scope.js';
import { isObject, isNumeric, toBigInt, isWhole, type Json } from './values.js';

function evalNode(node: Node, scope: ExpressionScope): Json {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'call': {
      const spec = functionOf(node.name);
      if (!spec) throw new FunctionError(`unknown function ${node.name}()`, 'see docs/EXPRESSIONS.md for the functions the gateway runs');
      if (spec.unsupported) throw new FunctionError(`function ${node.name}() is not supported by this gateway: ${spec.unsupported}`);
      if (node.args.length < spec.min || node.args.length > spec.max) throw new FunctionError(`${node.name}() takes ${arity(spec.min, spec.max)}, not ${node.args.length}`);
      const args = node.args.map((a) => evalNode(a, scope));
      return spec.fn(args, { scope, name: spec.name });
    }
    case 'member':
      return member(evalNode(node.object, scope), node.name, node.optional, () => describe(node.object));
    case 'index': {
      const key = evalNode(node.index, scope);
      return member(evalNode(node.object, scope), key, node.optional, () => describe(node.object));
    }
  }
}

/** Short text of a node for messages: `activity('Lookup').output`. */
function describe(node: Node): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'call':
      return `${node.name}(${node.args.map((a) => (a.kind === 'literal' && typeof a.value === 'string' ? `'${a.value}'` : '…')).join(', ')})`;
    case 'member':
      return `${describe(node.object)}${node.optional ? '?.' : '.'}${node.name}`;
    case 'index':
      return `${describe(node.object)}[${node.index.kind === 'literal' ? JSON.stringify(node.index.value) : '…'}]`;
  }
}

function member(v: Json, key: Json, optional: boolean, of: () => string): Json {
  if (v === null || v === undefined) {
    if (optional) return null;
    throw new FunctionError(`${of()} is null, so it has no property ${JSON.stringify(key)}`, 'use ?. (or ?[...]) to get null instead, or coalesce()');
  }
  if (Array.isArray(v)) {
    if (!isNumeric(key) || !isWhole(key)) {
      if (optional) return null;
      throw new FunctionError(`${of()} is an array: index it with a number, not ${JSON.stringify(key)}`);
    }
    const i = Number(toBigInt(key));
    if (i < 0 || i >= v.length) {
      if (optional) return null;
      throw new FunctionError(`index ${i} is out of range: ${of()} has ${v.length} item${v.length === 1 ? '' : 's'}`);
    }
    return v[i] as Json;
  }
  if (isObject(v)) {
    const k = typeof key === 'string' ? key : toText(key);
    if (Object.hasOwn(v, k)) return v[k] as Json;
    const found = Object.keys(v).find((x) => x.toLowerCase() === k.toLowerCase());
    if (found !== undefined) return v[found] as Json;
    if (optional) return null;
    const keys = Object.keys(v);
    throw new FunctionError(`${of()} has no property '${k}'${keys.length ? `; it has ${keys.slice(0, 12).map((x) => `'${x}'`).join(', ')}${keys.length > 12 ? ', …' : ''}` : ' (it is an empty object)'}`, 'use ?. to get null for a property that may be missing');
  }
  if (optional) return null;
  throw new FunctionError(`${of()} is ${typeof v === 'string' ? 'a string' : 'a ' + typeof v}, which has no property ${JSON.stringify(key)}`);
}

/** Evaluates one parsed expression; errors become ExpressionErrors naming `source`. */
export function evaluateNode(node: Node, source: string, scope: ExpressionScope): Json {
  try {
    return evalNode(node, scope);
  } catch (e) {
    if (e instanceof FunctionError) throw new ExpressionError(`expression "${short(source)}": ${e.message}`, e.hint);
    throw e;
  }
}

const short = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** Parses `text` as a template, turning a syntax error into an ExpressionError that says where. */
export function templateOf(text: string): Template {
  try {
    return parseTemplate(text);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw new ExpressionError(`expression "${short(text)}": ${e.message} (at character ${e.offset + 1})`, 'strings are in single quotes, function calls need parentheses: @concat(pipeline().parameters.a, \'-x\')');
    throw e;
  }
}

/** Evaluates a string value: literal text, `@expression` (any type), or text with `@{…}` parts (always text). */
export function evaluateTemplate(t: Template, scope: ExpressionScope): Json {
  if (t.kind === 'text') return t.value;
  if (t.kind === 'expression') return evaluateNode(t.node, t.source, scope);
  return t.parts.map((p) => (typeof p === 'string' ? p : toText(evaluateNode(p.node, p.source, scope)))).join('');
}
