/**
 * A small evaluator for ADF's expression language, enough for parameterised datasets and activities:
 * - a string starting with `@` is an expression (`@@` is a literal `@`); `@{...}` interpolates into a string;
 * - `{ "value": "@...", "type": "Expression" }` objects evaluate to their value;
 * - calls, `.property`, `['key']`/`[0]`, string literals ('it''s'), numbers, true/false/null;
 * - functions: pipeline(), dataset(), linkedService(), activity(name), concat, utcnow, formatDateTime,
 *   addDays, toUpper, toLower, replace, substring, trim, string, int, float, bool, equals, not, and, or,
 *   if, coalesce, length, empty.
 */
import { DmgwError } from '../../common/errors.js';

export interface ExpressionScope {
  pipeline?: { name: string; runId: string; parameters: Record<string, unknown>; triggerTime?: string };
  dataset?: Record<string, unknown>;
  linkedService?: Record<string, unknown>;
  activities?: Record<string, { output?: unknown; status?: string }>;
  now?: () => Date;
}

type Tok = { k: 'id' | 'str' | 'num' | 'p'; v: string; at: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      const at = i++;
      for (;;) {
        if (i >= src.length) throw fail(src, at, 'a string literal is never closed');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ k: 'str', v, at });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ k: 'id', v: m[0], at: i });
      i += m[0].length;
    } else if ('(),.[]?'.includes(c)) {
      out.push({ k: 'p', v: c, at: i++ });
    } else throw fail(src, i, `unexpected character "${c}"`);
  }
  return out;
}

function fail(src: string, at: number, msg: string): DmgwError {
  return new DmgwError('EXPRESSION', `expression "${src}": ${msg} (at character ${at + 1})`, {}, 'see the ADF expression language: @pipeline().parameters.name, @concat(a, b), @{...} inside strings');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** .NET-style custom date format: yyyy, MM, dd, HH, mm, ss, fff, and literal text. */
export function formatDate(d: Date, fmt?: string): string {
  if (!fmt || fmt === 'o') return d.toISOString().replace('Z', '0000Z');
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss|fffffff|fff|'[^']*'/g, (t) => {
    switch (t) {
      case 'yyyy':
        return String(d.getUTCFullYear());
      case 'MM':
        return pad(d.getUTCMonth() + 1);
      case 'dd':
        return pad(d.getUTCDate());
      case 'HH':
        return pad(d.getUTCHours());
      case 'mm':
        return pad(d.getUTCMinutes());
      case 'ss':
        return pad(d.getUTCSeconds());
      case 'fff':
        return pad(d.getUTCMilliseconds(), 3);
      case 'fffffff':
        return `${pad(d.getUTCMilliseconds(), 3)}0000`;
      default:
        return t.slice(1, -1);
    }
  });
}

const FUNCTIONS: Record<string, (args: unknown[], scope: ExpressionScope) => unknown> = {
  pipeline: (_a, s) => ({
    parameters: s.pipeline?.parameters ?? {},
    RunId: s.pipeline?.runId,
    Pipeline: s.pipeline?.name,
    TriggerTime: s.pipeline?.triggerTime,
    DataFactory: 'local',
    TriggerType: 'Manual',
  }),
  dataset: (_a, s) => s.dataset ?? {},
  linkedservice: (_a, s) => s.linkedService ?? {},
  activity: (a, s) => s.activities?.[String(a[0])] ?? {},
  concat: (a) => a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(''),
  utcnow: (a, s) => formatDate((s.now ?? (() => new Date()))(), a[0] as string | undefined),
  formatdatetime: (a) => formatDate(new Date(String(a[0])), a[1] as string | undefined),
  adddays: (a) => formatDate(new Date(new Date(String(a[0])).getTime() + Number(a[1]) * 86_400_000), a[2] as string | undefined),
  toupper: (a) => String(a[0]).toUpperCase(),
  tolower: (a) => String(a[0]).toLowerCase(),
  replace: (a) => String(a[0]).split(String(a[1])).join(String(a[2])),
  substring: (a) => String(a[0]).substr(Number(a[1]), a[2] === undefined ? undefined : Number(a[2])),
  trim: (a) => String(a[0]).trim(),
  string: (a) => (typeof a[0] === 'string' ? a[0] : JSON.stringify(a[0])),
  int: (a) => parseInt(String(a[0]), 10),
  float: (a) => parseFloat(String(a[0])),
  bool: (a) => a[0] === true || String(a[0]).toLowerCase() === 'true',
  equals: (a) => JSON.stringify(a[0]) === JSON.stringify(a[1]),
  not: (a) => !a[0],
  and: (a) => a.every(Boolean),
  or: (a) => a.some(Boolean),
  if: (a) => (a[0] ? a[1] : a[2]),
  coalesce: (a) => a.find((x) => x !== null && x !== undefined),
  length: (a) => (typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].length : Object.keys(a[0] ?? {}).length),
  empty: (a) => a[0] === null || a[0] === undefined || (typeof a[0] === 'string' || Array.isArray(a[0]) ? a[0].length === 0 : Object.keys(a[0] as object).length === 0),
};

/** Evaluates one expression (without the leading `@`). */
export function evaluate(src: string, scope: ExpressionScope): unknown {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const expect = (v: string) => {
    const t = toks[i];
    if (!t || t.k !== 'p' || t.v !== v) throw fail(src, t?.at ?? src.length, `expected "${v}"`);
    i++;
  };
  const primary = (): unknown => {
    const t = toks[i++];
    if (!t) throw fail(src, src.length, 'unexpected end');
    if (t.k === 'str') return t.v;
    if (t.k === 'num') return Number(t.v);
    if (t.k === 'id') {
      if (peek()?.v !== '(') {
        if (t.v === 'true') return true;
        if (t.v === 'false') return false;
        if (t.v === 'null') return null;
        throw fail(src, t.at, `"${t.v}" is not a function call`);
      }
      i++;
      const args: unknown[] = [];
      if (peek()?.v !== ')') {
        for (;;) {
          args.push(postfix());
          if (peek()?.v === ',') i++;
          else break;
        }
      }
      expect(')');
      const fn = FUNCTIONS[t.v.toLowerCase()];
      if (!fn) throw fail(src, t.at, `unknown function ${t.v}()`);
      return fn(args, scope);
    }
    throw fail(src, t.at, `unexpected "${t.v}"`);
  };
  const postfix = (): unknown => {
    let v = primary();
    for (;;) {
      const t = peek();
      if (t?.v === '?') {
        i++;
        continue;
      }
      if (t?.v === '.') {
        i++;
        const name = toks[i++];
        if (!name || name.k !== 'id') throw fail(src, t.at, 'expected a property name after "."');
        v = member(v, name.v);
      } else if (t?.v === '[') {
        i++;
        const key = postfix();
        expect(']');
        v = member(v, key);
      } else return v;
    }
  };
  const v = postfix();
  if (i < toks.length) throw fail(src, toks[i]!.at, `unexpected "${toks[i]!.v}"`);
  return v;
}

function member(v: unknown, key: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v[Number(key)];
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const k = String(key);
    if (k in o) return o[k];
    const found = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
    return found === undefined ? undefined : o[found];
  }
  return undefined;
}

/** Evaluates a string field: `@expr`, `@@literal`, or text with `@{expr}` parts. */
export function evaluateString(s: string, scope: ExpressionScope): unknown {
  if (s.startsWith('@@')) return s.slice(1);
  if (s.startsWith('@') && !s.startsWith('@{')) return evaluate(s.slice(1), scope);
  if (!s.includes('@{')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const at = s.indexOf('@{', i);
    if (at < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, at);
    // find the matching brace, skipping string literals
    let j = at + 2;
    let depth = 1;
    let inStr = false;
    for (; j < s.length && depth > 0; j++) {
      const c = s[j];
      if (inStr) {
        if (c === "'") inStr = false;
      } else if (c === "'") inStr = true;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth) throw fail(s, at, '"@{" is never closed');
    const v = evaluate(s.slice(at + 2, j - 1), scope);
    out += typeof v === 'string' ? v : JSON.stringify(v);
    i = j;
  }
  return out;
}

/** Evaluates every expression inside a JSON value (a copy; the input is not changed). */
export function resolveExpressions(v: unknown, scope: ExpressionScope): unknown {
  if (typeof v === 'string') return evaluateString(v, scope);
  if (Array.isArray(v)) return v.map((x) => resolveExpressions(x, scope));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'Expression' && typeof o.value === 'string' && Object.keys(o).length === 2) return evaluateString(o.value, scope);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = resolveExpressions(x, scope);
    return out;
  }
  return v;
}
