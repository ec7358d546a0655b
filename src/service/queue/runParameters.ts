/**
 * The parameters of a pipeline run (the createRun body). A secure one — declared `SecureString` by the pipeline, or
 * passed as `{ "type": "SecureString", "value": ... }` — shows as `**********` in the run, as ARM does, and its value
 * travels only inside the sealed job payload: unwrapped, for a pipeline copy that declares it `SecureString` (so the
 * worker masks it too).
 */
import { MASK } from '../../common/maskSecrets.js';
import type { ParameterSpec } from '../../common/model/types.js';

export interface RunParameters {
  /** what the run keeps and shows */
  shown: Record<string, unknown>;
  /** what the worker gets */
  values: Record<string, unknown>;
  /** the pipeline's properties as the worker gets them */
  pipeline: Record<string, unknown>;
}

export function runParameters(pipeline: Record<string, unknown>, given: Record<string, unknown>): RunParameters {
  const specs = (pipeline.parameters ?? {}) as Record<string, ParameterSpec>;
  const specName = (k: string): string | undefined => Object.keys(specs).find((s) => s.toLowerCase() === k.toLowerCase());
  const shown: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  const promoted: string[] = [];
  for (const [k, v] of Object.entries(given)) {
    const name = specName(k);
    const declared = name !== undefined && isSecure(specs[name]!.type);
    const wrapped = isSecureValue(v);
    shown[k] = declared || wrapped ? MASK : v;
    values[k] = wrapped ? v.value : v;
    if (wrapped && name !== undefined && !declared && /^string$/i.test(String(specs[name]!.type))) promoted.push(name);
  }
  if (!promoted.length) return { shown, values, pipeline };
  const parameters = { ...specs };
  for (const n of promoted) parameters[n] = { ...parameters[n]!, type: 'SecureString' };
  return { shown, values, pipeline: { ...pipeline, parameters } };
}

const isSecure = (type: unknown): boolean => typeof type === 'string' && type.toLowerCase() === 'securestring';

function isSecureValue(v: unknown): v is { type: string; value: unknown } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && isSecure((v as { type?: unknown }).type) && 'value' in v;
}
