/**
 * A JSON (or JSONC) file parsed once with positions kept, so every later check can point at the exact
 * `line:col` of the node it complains about. Built on jsonc-parser, the parser VS Code itself uses.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError, type JSONPath } from 'jsonc-parser';
import type { Place } from './errors.js';

export interface JsonSyntaxProblem {
  message: string;
  offset: number;
  length: number;
}

export class JsonDocument {
  readonly root: Node | undefined;
  readonly value: unknown;
  readonly syntaxErrors: JsonSyntaxProblem[];
  private readonly lineStarts: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const errors: ParseError[] = [];
    this.root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
    this.syntaxErrors = errors.map((e) => ({ message: describeSyntaxError(e.error), offset: e.offset, length: e.length }));
    this.value = this.root ? nodeValue(this.root) : undefined;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line and column of a character offset. */
  positionAt(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /** The node at a JSON path, or undefined. */
  nodeAt(path: JSONPath): Node | undefined {
    return this.root ? findNodeAtLocation(this.root, path) : undefined;
  }

  /**
   * The place of the deepest existing node along `path`: when a property is missing we point at its
   * parent object, which is where the user has to add it. For a property we point at its key.
   */
  placeOf(path: JSONPath): Place {
    let p = [...path];
    let node: Node | undefined;
    while (!(node = this.nodeAt(p)) && p.length) p = p.slice(0, -1);
    const target = node?.parent?.type === 'property' ? node.parent : node;
    const offset = target?.offset ?? 0;
    return { file: this.path, ...this.positionAt(offset), field: formatJsonPath(path) };
  }
}

/** `properties.activities[0].inputs[0].referenceName` */
export function formatJsonPath(path: JSONPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** Converts an ajv-style JSON pointer (`/properties/activities/0`) into a path. */
export function pointerToPath(pointer: string): JSONPath {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) o[k.value as string] = nodeValue(v);
      }
      return o;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function describeSyntaxError(code: number): string {
  const name = printParseErrorCode(code);
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'property name expected (is there a trailing comma before "}"?)',
    ValueExpected: 'value expected (is there a trailing comma, or a missing value?)',
    ColonExpected: 'colon expected after the property name',
    CommaExpected: 'comma expected between values',
    CloseBraceExpected: 'closing brace "}" expected',
    CloseBracketExpected: 'closing bracket "]" expected',
    EndOfFileExpected: 'end of file expected (more than one top-level value?)',
    InvalidCommentToken: 'invalid comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character in string',
    InvalidCharacter: 'invalid character in string (control characters must be escaped)',
  };
  return `JSON syntax error: ${words[name] ?? name}`;
}
