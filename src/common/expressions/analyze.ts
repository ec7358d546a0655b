/**
 * The static check of one string value, before anything runs: syntax, unknown and unsupported functions, wrong
 * argument counts — each with its character offset in the string — and what the expressions refer to (activities,
 * variables, parameters, item()), so the validator can check those names against the pipeline.
 */
import { functionOf } from './functions/index.js';
import { arity } from './functions/spec.js';
import { ExpressionSyntaxError, parseTemplate, type Node } from './parser.js';

export interface ExpressionIssue {
  code: 'EXPRESSION_SYNTAX' | 'EXPRESSION_FUNCTION_UNKNOWN' | 'EXPRESSION_FUNCTION_UNSUPPORTED' | 'EXPRESSION_ARGUMENTS';
  message: string;
  /** offset and length in the string value */
  offset: number;
  length: number;
  /** for an unknown function: its name (the validator suggests a close one) */
  name?: string;
}

export interface NameRef {
  name: string;
  offset: number;
  length: number;
}

export interface ExpressionRefs {
  activities: NameRef[];
  variables: NameRef[];
  /** pipeline().parameters.X */
  parameters: NameRef[];
  /** dataset().X */
  datasetParameters: NameRef[];
  /** linkedService().X */
  linkedServiceParameters: NameRef[];
  /** offsets of item() calls */
  items: NameRef[];
}

export interface Analysis {
  /** whether the value holds any expression */
  expression: boolean;
  issues: ExpressionIssue[];
  refs: ExpressionRefs;
}

const emptyRefs = (): ExpressionRefs => ({ activities: [], variables: [], parameters: [], datasetParameters: [], linkedServiceParameters: [], items: [] });

/** A literal string argument's name and place (the quotes excluded). */
const literalName = (n: Node | undefined): NameRef | undefined => (n?.kind === 'literal' && typeof n.value === 'string' ? { name: n.value, offset: n.start + 1, length: Math.max(1, n.end - n.start - 2) } : undefined);

/** `x.name` or `x['name']` on top of `object`: the name, when `object` is a call to `fn()` (optionally `.via`). */
function accessName(node: Node): NameRef | undefined {
  if (node.kind === 'member') return { name: node.name, offset: node.end - node.name.length, length: node.name.length };
  if (node.kind === 'index') return literalName(node.index);
  return undefined;
}

function isCall(n: Node, name: string): boolean {
  return n.kind === 'call' && n.name.toLowerCase() === name;
}

function walk(node: Node, issues: ExpressionIssue[], refs: ExpressionRefs): void {
  switch (node.kind) {
    case 'literal':
      return;
    case 'member':
    case 'index': {
      const obj = node.object;
      const name = accessName(node);
      if (name && (obj.kind === 'member' || obj.kind === 'index') && isCall(obj.object, 'pipeline') && accessName(obj)?.name.toLowerCase() === 'parameters') refs.parameters.push(name);
      if (name && isCall(obj, 'dataset')) refs.datasetParameters.push(name);
      if (name && isCall(obj, 'linkedservice')) refs.linkedServiceParameters.push(name);
      walk(obj, issues, refs);
      if (node.kind === 'index') walk(node.index, issues, refs);
      return;
    }
    case 'call': {
      const spec = functionOf(node.name);
      const at = { offset: node.start, length: node.name.length };
      if (!spec) issues.push({ code: 'EXPRESSION_FUNCTION_UNKNOWN', message: `unknown function ${node.name}()`, name: node.name, ...at });
      else if (spec.unsupported) issues.push({ code: 'EXPRESSION_FUNCTION_UNSUPPORTED', message: `function ${spec.name}() is not supported by this gateway: ${spec.unsupported}`, ...at });
      else if (node.args.length < spec.min || node.args.length > spec.max) issues.push({ code: 'EXPRESSION_ARGUMENTS', message: `${spec.name}() takes ${arity(spec.min, spec.max)}, not ${node.args.length}`, ...at });
      const lower = node.name.toLowerCase();
      const lit = literalName(node.args[0]);
      if (lower === 'activity' && lit) refs.activities.push(lit);
      if (lower === 'variables' && lit) refs.variables.push(lit);
      if (lower === 'item') refs.items.push({ name: node.name, ...at });
      for (const a of node.args) walk(a, issues, refs);
      return;
    }
  }
}

export function analyzeTemplate(text: string): Analysis {
  const refs = emptyRefs();
  if (!text.includes('@')) return { expression: false, issues: [], refs };
  let t;
  try {
    t = parseTemplate(text);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return { expression: true, issues: [{ code: 'EXPRESSION_SYNTAX', message: e.message, offset: e.offset, length: e.length }], refs };
    throw e;
  }
  const issues: ExpressionIssue[] = [];
  if (t.kind === 'text') return { expression: false, issues, refs };
  const nodes = t.kind === 'expression' ? [t.node] : t.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.node]));
  for (const n of nodes) walk(n, issues, refs);
  return { expression: true, issues, refs };
}
