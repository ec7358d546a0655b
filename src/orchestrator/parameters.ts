/**
 * Pipeline parameters: defaults, then the given values (text from the command line converted to the declared type,
 * an Int beyond 2^53 kept exact), every parameter given a value. SecureString values are registered for redaction
 * (a store may quote one back in an error) and shown as *** in events and results.
 */
import { DmgwError } from '../common/errors.js';
import { integer, parseJsonExact } from '../common/expressions/values.js';
import type { ParameterSpec, Pipeline } from '../common/model/types.js';
import { registerSecret } from '../common/redact.js';

export const isSecure = (spec: ParameterSpec): boolean => typeof spec.type === 'string' && spec.type.toLowerCase() === 'securestring';

export function pipelineParameters(p: Pipeline, given: Record<string, unknown>, field = '--param'): Record<string, unknown> {
  const specs = p.properties.parameters ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(specs)) if (spec.defaultValue !== undefined) out[k] = spec.defaultValue;
  for (const [k, v] of Object.entries(given)) {
    const name = Object.keys(specs).find((s) => s.toLowerCase() === k.toLowerCase());
    if (!name) throw new DmgwError('PARAMETER_UNKNOWN', `pipeline ${p.name} has no parameter "${k}"`, { file: p.file, field }, Object.keys(specs).length ? `its parameters: ${Object.keys(specs).join(', ')}` : 'it declares no parameters');
    out[name] = convert(v, specs[name]!, name, field);
  }
  for (const k of Object.keys(specs)) {
    if (!(k in out)) throw new DmgwError('PARAMETER_MISSING', `pipeline ${p.name} needs a value for parameter "${k}"`, { file: p.file, field: `properties.parameters.${k}` }, `pass --param ${k}=VALUE or give it a defaultValue`);
    if (isSecure(specs[k]!) && typeof out[k] === 'string') registerSecret(out[k]);
  }
  return out;
}

function convert(v: unknown, spec: ParameterSpec, name: string, field: string): unknown {
  if (typeof v !== 'string') return v;
  const bad = () => new DmgwError('PARAMETER_TYPE', `parameter ${name} is ${spec.type} but got "${v}"`, { field }, `pass a ${spec.type} value`);
  switch (String(spec.type).toLowerCase()) {
    case 'int':
      if (!/^\s*[+-]?\d+\s*$/.test(v)) throw bad();
      return integer(BigInt(v.trim()));
    case 'float': {
      const n = Number(v);
      if (v.trim() === '' || Number.isNaN(n)) throw bad();
      return n;
    }
    case 'bool':
      if (!/^(true|false)$/i.test(v.trim())) throw bad();
      return v.trim().toLowerCase() === 'true';
    case 'array':
    case 'object': {
      let parsed: unknown;
      try {
        parsed = parseJsonExact(v);
      } catch {
        throw bad();
      }
      if (String(spec.type).toLowerCase() === 'array' ? !Array.isArray(parsed) : !parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad();
      return parsed;
    }
    default:
      return v;
  }
}

export function maskSecure(p: Pipeline, params: Record<string, unknown>): Record<string, unknown> {
  const specs = p.properties.parameters ?? {};
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, specs[k] && isSecure(specs[k]) ? '***' : v]));
}
