/**
 * SetVariable and AppendVariable. A variable is declared in `properties.variables` with a type (String, Bool,
 * Array, Integer) and a value of another type is refused, as ADF does. `pipelineReturnValue` (setSystemVariable)
 * sets what the pipeline returns: `[{ key, value: { type, content } }]`, Expression contents evaluated.
 */
import { isNumeric, isObject, isWhole, type Json } from '../../common/expressions/values.js';
import { invalid, type ControlContext, type ControlHandler } from './control.js';

function typeOk(type: string, v: unknown): boolean {
  switch (type.toLowerCase()) {
    case 'string':
    case 'securestring':
      return typeof v === 'string';
    case 'bool':
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'integer':
    case 'int':
      return isNumeric(v) && isWhole(v);
    default:
      return true;
  }
}

const kind = (v: unknown) => (v === null || v === undefined ? 'null' : Array.isArray(v) ? 'Array' : typeof v === 'boolean' ? 'Bool' : isNumeric(v) ? (isWhole(v) ? 'Integer' : 'Float') : typeof v === 'string' ? 'String' : 'Object');

function declared(c: ControlContext): string {
  const name = c.typeProperties.variableName;
  if (typeof name !== 'string' || !name) throw invalid(c, 'variableName', 'names no variable');
  const r = c.frame.run;
  const key = Object.keys(r.variableTypes).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw invalid(c, 'variableName', `the pipeline has no variable "${name}"`, `declare it: "variables": { "${name}": { "type": "String" } }`);
  return key;
}

function returnValue(c: ControlContext, items: unknown): Record<string, Json> {
  if (!Array.isArray(items)) throw invalid(c, 'value', 'a pipeline return value is a list of { "key": ..., "value": { "type": ..., "content": ... } }');
  const out: Record<string, Json> = {};
  for (const [i, it] of items.entries()) {
    const key = (it as { key?: unknown })?.key;
    if (typeof key !== 'string' || !key) throw invalid(c, `value[${i}].key`, 'each return value needs a "key"');
    out[key] = typed(c, (it as { value?: unknown }).value, `value[${i}].value`);
  }
  return out;
}

/** `{ type, content }` of a return value (String, Expression, Int, Float, Boolean, Null, Array, Object). */
function typed(c: ControlContext, v: unknown, field: string): Json {
  if (!isObject(v) || typeof v.type !== 'string') throw invalid(c, field, 'needs { "type": ..., "content": ... }');
  const content = v.content;
  switch (v.type.toLowerCase()) {
    case 'expression':
      return c.resolve(content) as Json;
    case 'null':
      return null;
    case 'object':
      return returnValue(c, content);
    case 'array':
      if (!Array.isArray(content)) throw invalid(c, field, 'an Array return value needs "content": [ ... ]');
      return content.map((x, i) => (isObject(x) && typeof x.type === 'string' && 'content' in x ? typed(c, x, `${field}.content[${i}]`) : (x as Json)));
    default:
      return content as Json;
  }
}

export const setVariable: ControlHandler = async (c) => {
  const tp = c.typeProperties;
  const r = c.frame.run;
  if (typeof tp.variableName === 'string' && tp.variableName.toLowerCase() === 'pipelinereturnvalue' && (tp.setSystemVariable === true || !Object.keys(r.variableTypes).some((k) => k.toLowerCase() === 'pipelinereturnvalue'))) {
    r.returnValue = returnValue(c, tp.value);
    return { output: { name: 'pipelineReturnValue', value: r.returnValue } };
  }
  const name = declared(c);
  const value = c.resolve(tp.value);
  const type = r.variableTypes[name]!;
  if (!typeOk(type, value)) throw invalid(c, 'value', `variable "${name}" is ${type}, and the value is ${kind(value)}`, type.toLowerCase() === 'string' ? 'convert it with string()' : `give it a ${type} value`);
  r.variables[name] = value;
  return { output: { name, value } };
};

export const appendVariable: ControlHandler = async (c) => {
  const name = declared(c);
  const r = c.frame.run;
  if (r.variableTypes[name]!.toLowerCase() !== 'array') throw invalid(c, 'variableName', `variable "${name}" is ${r.variableTypes[name]}; AppendVariable adds to Array variables`);
  const value = c.resolve(c.typeProperties.value);
  r.variables[name] = [...((r.variables[name] as unknown[] | null) ?? []), value];
  return {};
};
