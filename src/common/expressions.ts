/**
 * ADF's expression language (docs/EXPRESSIONS.md): one evaluator for the whole project. The parts live in
 * `expressions/`: values (exact numbers), timestamps (100 ns ticks) and .NET date formats, the parser (with
 * character offsets), the function table (null-prototype), the evaluator and the static check `dmgw validate` runs.
 * - a string starting with `@` is an expression (`@@` is a literal `@`); `@{...}` interpolates into a string;
 * - `{ "value": "@...", "type": "Expression" }` objects evaluate to their value.
 */
import { evaluateNode, evaluateTemplate, templateOf } from './expressions/evaluate.js';
import { parseExpression, ExpressionSyntaxError } from './expressions/parser.js';
import { ExpressionError, type ExpressionScope } from './expressions/scope.js';
import { ExactNumber, type Json } from './expressions/values.js';

export type { ActivityView, ExpressionScope } from './expressions/scope.js';
export { ExpressionError } from './expressions/scope.js';
export { ExactNumber, integer, plainValue, parseJsonExact, type Json } from './expressions/values.js';

/** Evaluates one expression (without the leading `@`). */
export function evaluate(src: string, scope: ExpressionScope): Json {
  let node;
  try {
    node = parseExpression(src);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw new ExpressionError(`expression "${src}": ${e.message} (at character ${e.offset + 1})`);
    throw e;
  }
  return evaluateNode(node, src, scope);
}

/** Evaluates a string field: `@expr`, `@@literal`, or text with `@{expr}` parts. */
export function evaluateString(s: string, scope: ExpressionScope): Json {
  return evaluateTemplate(templateOf(s), scope);
}

/** `{ "value": "...", "type": "Expression" }`: ADF's wrapper of an expression value. */
export function isExpressionObject(v: unknown): v is { value: string; type: 'Expression' } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o.type === 'Expression' && typeof o.value === 'string' && Object.keys(o).length === 2;
}

/** Evaluates every expression inside a JSON value (a copy; the input is not changed). */
export function resolveExpressions(v: unknown, scope: ExpressionScope): unknown {
  if (typeof v === 'string') return evaluateString(v, scope);
  if (Array.isArray(v)) return v.map((x) => resolveExpressions(x, scope));
  if (isExpressionObject(v)) return evaluateString(v.value, scope);
  if (v && typeof v === 'object' && !(v instanceof ExactNumber)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveExpressions(x, scope);
    return out;
  }
  return v;
}
