/**
 * The expression language's syntax: a JSON string value is literal text, a whole expression (`@expr`), or text with
 * interpolated expressions (`… @{expr} …`); `@@` writes a literal `@`. An expression is a literal (`'it''s'`, `42`,
 * `1.5`, `true`, `false`, `null`), a function call (`concat('a', x)`), or either followed by member and index access
 * (`.name`, `?.name`, `[0]`, `['key']`, `?['key']`). Every node keeps its character offsets in the string value, so
 * `dmgw validate` can point at the function that is wrong.
 */
import { integer, type Json } from './values.js';

export type Node =
  | { kind: 'literal'; value: Json; start: number; end: number }
  | { kind: 'call'; name: string; args: Node[]; start: number; end: number }
  | { kind: 'member'; object: Node; name: string; optional: boolean; start: number; end: number }
  | { kind: 'index'; object: Node; index: Node; optional: boolean; start: number; end: number };

export type TemplatePart = string | { node: Node; source: string };

/** A string value: `text` (no expression; `@@` already unescaped), `expression` (`@…`), or `interpolation`. */
export type Template = { kind: 'text'; value: string } | { kind: 'expression'; node: Node; source: string } | { kind: 'interpolation'; parts: TemplatePart[] };

export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    /** character offset in the string value */
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

type Tok = { k: 'id' | 'str' | 'num' | 'p'; v: string; start: number; end: number };

const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function tokenize(text: string, from: number, to: number): Tok[] {
  const out: Tok[] = [];
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let v = '';
      const start = i++;
      for (;;) {
        if (i >= to) throw new ExpressionSyntaxError('a string literal is never closed (strings are in single quotes; write \'\' for a quote inside)', start, to - start);
        if (text[i] === "'") {
          if (text[i + 1] === "'" && i + 1 < to) {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      out.push({ k: 'str', v, start, end: i });
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '.') && NUMBER.test(text.slice(i, to)))) {
      const m = NUMBER.exec(text.slice(i, to))!;
      out.push({ k: 'num', v: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, to))!;
      out.push({ k: 'id', v: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (c === '?' && (text[i + 1] === '.' || text[i + 1] === '[')) {
      out.push({ k: 'p', v: `?${text[i + 1]}`, start: i, end: i + 2 });
      i += 2;
    } else if ('(),.[]'.includes(c)) {
      out.push({ k: 'p', v: c, start: i, end: i + 1 });
      i++;
    } else throw new ExpressionSyntaxError(`unexpected character "${c}" (ADF expressions have no operators: use functions such as add(), equals(), and())`, i);
  }
  return out;
}

function numberValue(text: string): Json {
  if (/^-?\d+$/.test(text)) return integer(BigInt(text));
  return Number(text);
}

/** Parses one expression between `from` and `to` of `text`. */
export function parseExpression(text: string, from = 0, to = text.length): Node {
  const toks = tokenize(text, from, to);
  let i = 0;
  const at = () => toks[i];
  const endOffset = () => (toks.length ? toks[toks.length - 1]!.end : to);
  if (!toks.length) throw new ExpressionSyntaxError('the expression is empty', from, Math.max(1, to - from));
  const expect = (v: string, what: string) => {
    const t = toks[i];
    if (!t || t.k !== 'p' || t.v !== v) throw new ExpressionSyntaxError(`expected ${what}${t ? ` but found "${t.v}"` : ' but the expression ended'}`, t?.start ?? endOffset());
    i++;
    return t;
  };

  const primary = (): Node => {
    const t = toks[i++];
    if (!t) throw new ExpressionSyntaxError('the expression ended where a value was expected', endOffset());
    if (t.k === 'str') return { kind: 'literal', value: t.v, start: t.start, end: t.end };
    if (t.k === 'num') return { kind: 'literal', value: numberValue(t.v), start: t.start, end: t.end };
    if (t.k === 'id') {
      if (at()?.v !== '(') {
        const lower = t.v.toLowerCase();
        if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true', start: t.start, end: t.end };
        if (lower === 'null') return { kind: 'literal', value: null, start: t.start, end: t.end };
        throw new ExpressionSyntaxError(`"${t.v}" is not a function call: write ${t.v}() — or '${t.v}' for text`, t.start, t.end - t.start);
      }
      i++;
      const args: Node[] = [];
      if (at()?.v !== ')') {
        for (;;) {
          args.push(postfix());
          if (at()?.v === ',') i++;
          else break;
        }
      }
      const close = expect(')', `"," or ")" to end the arguments of ${t.v}()`);
      return { kind: 'call', name: t.v, args, start: t.start, end: close.end };
    }
    throw new ExpressionSyntaxError(`unexpected "${t.v}"`, t.start);
  };

  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      const t = at();
      if (!t || t.k !== 'p') return node;
      if (t.v === '.' || t.v === '?.') {
        i++;
        const name = toks[i++];
        if (!name || name.k !== 'id') throw new ExpressionSyntaxError(`expected a property name after "${t.v}"`, name?.start ?? t.end);
        node = { kind: 'member', object: node, name: name.v, optional: t.v === '?.', start: node.start, end: name.end };
      } else if (t.v === '[' || t.v === '?[') {
        i++;
        const index = postfix();
        const close = expect(']', '"]"');
        node = { kind: 'index', object: node, index, optional: t.v === '?[', start: node.start, end: close.end };
      } else return node;
    }
  };

  const node = postfix();
  if (i < toks.length) {
    const t = toks[i]!;
    throw new ExpressionSyntaxError(`unexpected "${t.v}" after the end of the expression${t.v === ',' ? ' (is a function call missing its name or parentheses?)' : ''}`, t.start, t.end - t.start);
  }
  return node;
}

/** The offset of the `}` that closes `@{` at `open`, skipping string literals; -1 when there is none. */
function closingBrace(s: string, open: number): number {
  let inStr = false;
  for (let j = open + 2; j < s.length; j++) {
    const c = s[j];
    if (inStr) {
      if (c === "'") inStr = false;
    } else if (c === "'") inStr = true;
    else if (c === '}') return j;
  }
  return -1;
}

/** Parses a JSON string value. Throws ExpressionSyntaxError with the offset of the mistake. */
export function parseTemplate(s: string): Template {
  if (s.startsWith('@') && !s.startsWith('@@') && !s.startsWith('@{')) return { kind: 'expression', node: parseExpression(s, 1), source: s.slice(1) };
  if (!s.includes('@')) return { kind: 'text', value: s };
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  let interpolated = false;
  while (i < s.length) {
    const at = s.indexOf('@', i);
    if (at < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, at);
    if (s[at + 1] === '@') {
      text += '@';
      i = at + 2;
    } else if (s[at + 1] === '{') {
      const close = closingBrace(s, at);
      if (close < 0) throw new ExpressionSyntaxError('"@{" is never closed by "}"', at, 2);
      if (text) parts.push(text);
      text = '';
      parts.push({ node: parseExpression(s, at + 2, close), source: s.slice(at + 2, close) });
      interpolated = true;
      i = close + 1;
    } else {
      text += '@';
      i = at + 1;
    }
  }
  if (text) parts.push(text);
  return interpolated ? { kind: 'interpolation', parts } : { kind: 'text', value: text };
}

/** Whether a string value holds an expression at all (cheap; no parsing). */
export const mayHoldExpression = (s: string): boolean => s.includes('@');
