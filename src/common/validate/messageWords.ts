/**
 * The words of a schema problem: what a value is ("the string "8""), what was expected ("an integer"), and the
 * fix ("write 8 without quotes", "wrap the expression: {...}", "write "type": "DatasetReference""). A value is
 * never repeated when it is, or is inside, a secret.
 */
import type { AnySchemaObject as SchemaObject, ErrorObject } from 'ajv';
import type { ResourceKind } from '../model/types.js';
import { SECRET_TYPE_PROPERTIES } from '../secrets.js';
import { json } from './examples.js';

type Path = Array<string | number>;

const EXPRESSION = '{ "value": "@...", "type": "Expression" }';

const REFERENCE_NOUNS: Record<string, string> = {
  DatasetReference: 'a dataset',
  LinkedServiceReference: 'a linked service',
  IntegrationRuntimeReference: 'a gateway (integration runtime)',
  CredentialReference: 'a credential',
};

export function article(type: string): string {
  const words: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object', array: 'an array', null: 'null' };
  return words[type] ?? `of type ${type}`;
}

/** A value in a few words; the value itself only when it is not (part of) a secret. */
export function describe(v: unknown, secret = false): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (secret) return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : 'true or false';
  if (typeof v === 'string') return `the string ${json(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return json(v);
}

const SECRET_FIELDS = new Set([...SECRET_TYPE_PROPERTIES, 'connectionString', 'sasUri', 'encryptedCredential', 'key'].map((k) => k.toLowerCase()));

/** Whether the node at `path` is a secret or inside one (`password`, `password.value`, `connectionString`). */
export function holdsSecret(path: Path): boolean {
  return path.some((seg) => typeof seg === 'string' && SECRET_FIELDS.has(seg.toLowerCase()));
}

export function typeHint(e: ErrorObject, expected: string, secret: boolean): string {
  // Only the `*OrExpression` definitions use `else`: a literal or an ADF expression object.
  const expressionAllowed = e.schemaPath.endsWith('/else/type');
  // A secret is never repeated, not even in a hint.
  const v = secret ? undefined : e.data;
  if (expressionAllowed && typeof v === 'string' && v.trim().startsWith('@')) return `wrap the expression: { "value": ${json(v)}, "type": "Expression" }`;
  const orExpr = expressionAllowed ? `, or an expression ${EXPRESSION}` : '';
  switch (expected) {
    case 'integer':
    case 'number':
      return typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? `write ${v.trim()} without quotes${orExpr}` : `write a number, e.g. 4${orExpr}`;
    case 'boolean':
      return typeof v === 'string' && /^\s*(true|false)\s*$/i.test(v) ? `write ${v.trim().toLowerCase()} without quotes${orExpr}` : `write true or false${orExpr}`;
    case 'string':
      return typeof v === 'number' || typeof v === 'boolean' ? `put it in quotes: "${v}"${orExpr}` : `write a string${orExpr}`;
    case 'array':
      return v && typeof v === 'object' ? 'wrap it in [ ]' : 'write a list: [ ... ]';
    case 'object': {
      const props = (e.parentSchema?.properties ?? {}) as Record<string, SchemaObject>;
      const refType = props.type?.const;
      if (props.referenceName && typeof refType === 'string' && typeof v === 'string') return `write { "referenceName": ${json(v)}, "type": "${refType}" }`;
      return 'write an object { ... }';
    }
    default:
      return `write ${article(expected)}`;
  }
}

export function constHint(path: Path, wanted: unknown, actual: unknown, kind: ResourceKind): string {
  const last = path[path.length - 1];
  if (typeof wanted === 'string' && REFERENCE_NOUNS[wanted]) {
    const where = path.filter((p) => typeof p === 'string').slice(-2, -1)[0];
    const what = where === 'inputs' || where === 'outputs' ? `"${where}" name datasets` : `this reference names ${REFERENCE_NOUNS[wanted]}`;
    const other = typeof actual === 'string' && REFERENCE_NOUNS[actual] ? `; "referenceName" must then be ${REFERENCE_NOUNS[wanted]}'s name, not ${REFERENCE_NOUNS[actual]}'s` : '';
    return `${what}: write "type": "${wanted}"${other}`;
  }
  if (path.length === 1 && last === 'type') return `this file is in the ${kind} folder: write "type": ${json(wanted)}, or move the file to the folder of its kind`;
  return `write ${typeof last === 'string' ? `"${last}": ` : ''}${json(wanted)}`;
}
