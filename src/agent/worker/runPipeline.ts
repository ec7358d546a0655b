/**
 * Runs one pipeline of a factory folder locally: activities in `dependsOn` order (Succeeded / Failed /
 * Completed / Skipped conditions; independent activities at the same time), `policy.retry` and
 * `retryIntervalInSeconds` per activity, `policy.timeout`, parameters and expressions. Tells what happens
 * through RunEvents. Used by `dmgw run` (and so by the VS Code extension) and in-process by the demo.
 */
import { randomUUID } from 'node:crypto';
import { DmgwError, isDmgwError } from '../../common/errors.js';
import type { ActivityOutput, EventSink, RunEvent, RunEventInput } from '../../common/events.js';
import { loadFactory, nameKey, type Factory } from '../../common/model/factory.js';
import type { Activity, Dataset, LinkedService, ParameterSpec, Pipeline, Reference } from '../../common/model/types.js';
import { redact, redactError } from '../../common/redact.js';
import { decryptLinkedService } from '../credentials/decrypt.js';
import { runCopy } from '../copy/engine.js';
import { intervalRate } from '../copy/meter.js';
import type { ResolvedDataset } from '../copy/endpoints.js';
import { sleep, type RetryPolicy } from '../copy/retry.js';
import { resolveExpressions, type ExpressionScope } from './expressions.js';
import { runStoredProcedureActivity, STORED_PROCEDURE_ACTIVITY } from './storedProcedureActivity.js';

export type RunStatus = 'Succeeded' | 'Failed' | 'Cancelled';
type ActivityStatus = RunStatus | 'Skipped';

export interface ActivityResult {
  name: string;
  type: string;
  status: ActivityStatus;
  durationMs: number;
  attempts: number;
  output?: ActivityOutput;
  error?: { code: string; message: string; hint?: string };
}

export interface PipelineRunResult {
  runId: string;
  pipeline: string;
  status: RunStatus;
  durationMs: number;
  parameters: Record<string, unknown>;
  activities: ActivityResult[];
  error?: { code: string; message: string; hint?: string };
}

export interface RunPipelineOptions {
  /** a factory folder, or one already loaded */
  factory: string | Factory;
  pipeline: string;
  /** values for pipeline parameters (strings are converted to the declared type) */
  parameters?: Record<string, unknown>;
  /** gateway home, for decrypting EncryptedCredential */
  home?: string;
  emit?: EventSink;
  signal?: AbortSignal;
  runId?: string;
  /** partition-level retries inside a copy (default: 5 tries, 0.5 s doubling) */
  copyRetry?: RetryPolicy;
  /** ms per second of `retryIntervalInSeconds` / Wait (tests shorten it); default 1000 */
  secondMs?: number;
  progressIntervalMs?: number;
}

export async function runPipeline(o: RunPipelineOptions): Promise<PipelineRunResult> {
  const t0 = Date.now();
  const runId = o.runId ?? randomUUID();
  const signal = o.signal ?? new AbortController().signal;
  const emit = (e: RunEventInput) => o.emit?.({ ...e, time: new Date().toISOString(), runId } as RunEvent);
  const factory = typeof o.factory === 'string' ? loadFactory(o.factory) : o.factory;
  const pipeline = factory.pipelines.get(nameKey(o.pipeline));
  if (!pipeline) {
    const names = [...factory.pipelines.values()].map((p) => p.name);
    throw new DmgwError('PIPELINE_NOT_FOUND', `pipeline "${o.pipeline}" is not in factory ${factory.dir}`, { field: '--pipeline' }, names.length ? `pipelines there: ${names.join(', ')}` : 'the factory has no pipeline/ folder with pipelines');
  }
  const parameters = pipelineParameters(pipeline, o.parameters ?? {});
  const activities = pipeline.properties.activities ?? [];
  checkGraph(pipeline, activities);
  emit({ event: 'run-started', pipeline: pipeline.name, parameters: maskSecure(pipeline, parameters) });

  const results = new Map<string, ActivityResult>();
  const scopeBase: ExpressionScope = { pipeline: { name: pipeline.name, runId, parameters, triggerTime: new Date(t0).toISOString() }, activities: {} };
  const running = new Map<string, Promise<void>>();

  const conditionMet = (a: Activity): boolean | undefined => {
    for (const d of a.dependsOn ?? []) {
      const r = results.get(d.activity);
      if (!r) return undefined;
      const ok = d.dependencyConditions.some((c) => c === r.status || (c === 'Completed' && (r.status === 'Succeeded' || r.status === 'Failed')));
      if (!ok) return false;
    }
    return true;
  };

  while (results.size < activities.length) {
    for (const a of activities) {
      if (results.has(a.name) || running.has(a.name)) continue;
      const met = conditionMet(a);
      if (met === undefined) continue;
      if (!met || signal.aborted) {
        results.set(a.name, { name: a.name, type: a.type, status: signal.aborted ? 'Cancelled' : 'Skipped', durationMs: 0, attempts: 0 });
        continue;
      }
      const p = runActivity(a, factory, scopeBase, o, signal, emit).then((r) => {
        results.set(a.name, r);
        scopeBase.activities![a.name] = { output: r.output, status: r.status };
        running.delete(a.name);
      });
      running.set(a.name, p);
    }
    if (running.size) await Promise.race(running.values());
    else if (results.size < activities.length) break;
  }

  const list = activities.map((a) => results.get(a.name)!).filter(Boolean);
  const handled = (name: string) => activities.some((a) => a.dependsOn?.some((d) => d.activity === name && d.dependencyConditions.some((c) => c === 'Failed' || c === 'Completed')));
  const failed = list.find((r) => r.status === 'Failed' && !handled(r.name));
  const status: RunStatus = signal.aborted ? 'Cancelled' : failed ? 'Failed' : 'Succeeded';
  const error = status === 'Cancelled' ? { code: 'CANCELLED', message: 'the run was cancelled; nothing was committed to the sink' } : failed ? { ...failed.error!, message: `activity ${failed.name} failed: ${failed.error?.message}` } : undefined;
  const durationMs = Date.now() - t0;
  emit({ event: 'run-finished', status, durationMs, ...(error ? { error } : {}) });
  return { runId, pipeline: pipeline.name, status, durationMs, parameters: maskSecure(pipeline, parameters), activities: list, ...(error ? { error } : {}) };
}

function pipelineParameters(p: Pipeline, given: Record<string, unknown>): Record<string, unknown> {
  const specs = p.properties.parameters ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(specs)) if (spec.defaultValue !== undefined) out[k] = spec.defaultValue;
  for (const [k, v] of Object.entries(given)) {
    const name = Object.keys(specs).find((s) => s.toLowerCase() === k.toLowerCase());
    if (!name) throw new DmgwError('PARAMETER_UNKNOWN', `pipeline ${p.name} has no parameter "${k}"`, { file: p.file, field: '--param' }, Object.keys(specs).length ? `its parameters: ${Object.keys(specs).join(', ')}` : 'it declares no parameters');
    out[name] = convert(v, specs[name]!, name);
  }
  for (const k of Object.keys(specs)) {
    if (!(k in out)) throw new DmgwError('PARAMETER_MISSING', `pipeline ${p.name} needs a value for parameter "${k}"`, { file: p.file, field: `properties.parameters.${k}` }, `pass --param ${k}=VALUE or give it a defaultValue`);
  }
  return out;
}

function convert(v: unknown, spec: ParameterSpec, name: string): unknown {
  if (typeof v !== 'string') return v;
  const bad = () => new DmgwError('PARAMETER_TYPE', `parameter ${name} is ${spec.type} but got "${v}"`, { field: '--param' }, `pass a ${spec.type} value`);
  switch (spec.type.toLowerCase()) {
    case 'int':
    case 'float': {
      const n = Number(v);
      if (Number.isNaN(n) || (spec.type.toLowerCase() === 'int' && !Number.isInteger(n))) throw bad();
      return n;
    }
    case 'bool':
      if (!/^(true|false)$/i.test(v)) throw bad();
      return v.toLowerCase() === 'true';
    case 'array':
    case 'object':
      try {
        return JSON.parse(v);
      } catch {
        throw bad();
      }
    default:
      return v;
  }
}

function maskSecure(p: Pipeline, params: Record<string, unknown>): Record<string, unknown> {
  const specs = p.properties.parameters ?? {};
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, specs[k]?.type === 'SecureString' ? '***' : v]));
}

function checkGraph(p: Pipeline, activities: Activity[]): void {
  const names = new Set(activities.map((a) => a.name));
  for (const a of activities) {
    for (const d of a.dependsOn ?? []) {
      if (!names.has(d.activity)) throw new DmgwError('DEPENDENCY_UNKNOWN', `activity ${a.name} depends on "${d.activity}", which is not in pipeline ${p.name}`, { file: p.file, field: `activities.${a.name}.dependsOn` }, `activities: ${[...names].join(', ')}`);
    }
  }
  const state = new Map<string, 1 | 2>();
  const byName = new Map(activities.map((a) => [a.name, a]));
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) throw new DmgwError('DEPENDENCY_CYCLE', `activities depend on each other in a cycle: ${[...path, n].join(' → ')}`, { file: p.file, field: 'activities' }, 'remove one dependsOn');
    state.set(n, 1);
    for (const d of byName.get(n)?.dependsOn ?? []) visit(d.activity, [...path, n]);
    state.set(n, 2);
  };
  for (const a of activities) visit(a.name, []);
}

/** ADF's `d.hh:mm:ss` (or `hh:mm:ss`) → ms. */
export function timeoutMs(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(t.trim());
  if (!m) return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

function errorInfo(e: unknown): { code: string; message: string; hint?: string } {
  if (isDmgwError(e)) return { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) };
  return { code: 'COPY_FAILED', message: redactError(e) };
}

async function runActivity(a: Activity, factory: Factory, scope: ExpressionScope, o: RunPipelineOptions, runSignal: AbortSignal, emit: (e: RunEventInput) => void): Promise<ActivityResult> {
  const t0 = Date.now();
  emit({ event: 'activity-started', activity: a.name, activityType: a.type });
  const tries = Math.max(0, Number(a.policy?.retry ?? 0)) + 1;
  const second = o.secondMs ?? 1000;
  let last: ActivityResult | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    const limit = timeoutMs(a.policy?.timeout);
    const signal = limit ? AbortSignal.any([runSignal, AbortSignal.timeout(limit)]) : runSignal;
    try {
      const output = await executeActivity(a, factory, scope, o, signal, emit);
      last = { name: a.name, type: a.type, status: 'Succeeded', durationMs: Date.now() - t0, attempts: attempt, output };
      break;
    } catch (e) {
      const cancelledRun = runSignal.aborted;
      const timedOut = !cancelledRun && signal.aborted;
      const error = timedOut ? { code: 'ACTIVITY_TIMEOUT', message: `activity ${a.name} ran longer than its policy.timeout ${a.policy?.timeout}`, hint: 'raise policy.timeout' } : cancelledRun ? { code: 'CANCELLED', message: 'the run was cancelled; nothing was committed to the sink' } : errorInfo(e);
      last = { name: a.name, type: a.type, status: cancelledRun ? 'Cancelled' : 'Failed', durationMs: Date.now() - t0, attempts: attempt, error };
      if (cancelledRun || attempt >= tries) break;
      const wait = Number(a.policy?.retryIntervalInSeconds ?? 30);
      emit({ event: 'log', level: 'warn', activity: a.name, message: `try ${attempt} of ${tries} failed: ${error.message}; retrying in ${wait} s` });
      try {
        await sleep(wait * second, runSignal);
      } catch {
        last = { ...last, status: 'Cancelled' };
        break;
      }
    }
  }
  emit({ event: 'activity-finished', activity: a.name, status: last!.status === 'Skipped' ? 'Failed' : (last!.status as RunStatus), durationMs: last!.durationMs, ...(last!.output ? { output: last!.output } : {}), ...(last!.error ? { error: last!.error } : {}) });
  return last!;
}

async function executeActivity(a: Activity, factory: Factory, scope: ExpressionScope, o: RunPipelineOptions, signal: AbortSignal, emit: (e: RunEventInput) => void): Promise<ActivityOutput | undefined> {
  const tp = resolveExpressions(a.typeProperties ?? {}, scope) as Record<string, unknown>;
  if (a.type === 'Wait') {
    await sleep(Number(tp.waitTimeInSeconds ?? 1) * (o.secondMs ?? 1000), signal);
    return undefined;
  }
  if (a.type === STORED_PROCEDURE_ACTIVITY) return runStoredProcedureActivity({ activity: a, typeProperties: tp, factory, scope, home: o.home, signal, log: (level, message) => emit({ event: 'log', level, activity: a.name, message: redact(message) }) });
  if (a.type !== 'Copy') throw new DmgwError('ACTIVITY_UNSUPPORTED', `activity ${a.name} is of type ${a.type}, which the gateway cannot run locally`, { field: `activities.${a.name}.type` }, 'supported: Copy, Wait');
  const ref = (list: Reference[] | undefined, what: string) => {
    const r = list?.[0];
    if (!r) throw new DmgwError('COPY_DATASET', `copy activity ${a.name} has no ${what} dataset`, { field: `activities.${a.name}.${what}s` }, `add "${what}s": [{ "referenceName": "...", "type": "DatasetReference" }]`);
    return r;
  };
  const input = await resolveDataset(ref(a.inputs, 'input'), factory, scope, o);
  const output = await resolveDataset(ref(a.outputs, 'output'), factory, scope, o);
  let last = { t: Date.now(), rows: 0 };
  return runCopy({
    activity: a.name,
    typeProperties: tp,
    input,
    output,
    signal,
    retry: o.copyRetry,
    progressIntervalMs: o.progressIntervalMs,
    log: (level, message) => emit({ event: 'log', level, activity: a.name, message: redact(message) }),
    progress: (p) => {
      const now = Date.now();
      const rowsPerSecond = intervalRate(last.rows, p.rowsRead, now - last.t);
      last = { t: now, rows: p.rowsRead };
      emit({ event: 'progress', activity: a.name, rowsRead: p.rowsRead, rowsWritten: p.rowsWritten, bytesRead: p.bytesRead, bytesWritten: p.bytesWritten, rowsPerSecond, ...(p.rowsTotal !== undefined ? { rowsTotal: p.rowsTotal } : {}), partitions: p.partitions, partitionsDone: p.partitionsDone });
    },
  });
}

function paramValues(specs: Record<string, ParameterSpec> | undefined, given: Record<string, unknown> | undefined, scope: ExpressionScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs ?? {})) if (s.defaultValue !== undefined) out[k] = s.defaultValue;
  for (const [k, v] of Object.entries(given ?? {})) out[k] = resolveExpressions(v, scope);
  return out;
}

async function resolveDataset(ref: Reference, factory: Factory, scope: ExpressionScope, o: RunPipelineOptions): Promise<ResolvedDataset> {
  const ds: Dataset | undefined = factory.datasets.get(nameKey(ref.referenceName));
  if (!ds) throw new DmgwError('DATASET_NOT_FOUND', `dataset "${ref.referenceName}" is not in the factory`, { field: 'referenceName' }, 'add dataset/<name>.json or fix the reference');
  const dsScope: ExpressionScope = { ...scope, dataset: paramValues(ds.properties.parameters, ref.parameters, scope) };
  const lsRef = ds.properties.linkedServiceName;
  const ls: LinkedService | undefined = lsRef ? factory.linkedServices.get(nameKey(lsRef.referenceName)) : undefined;
  if (!ls) throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${lsRef?.referenceName}" of dataset ${ds.name} is not in the factory`, { file: ds.file, field: 'properties.linkedServiceName' }, 'add linkedService/<name>.json or fix the reference');
  const lsScope: ExpressionScope = { ...scope, linkedService: paramValues(ls.properties.parameters, lsRef.parameters as Record<string, unknown> | undefined, dsScope) };
  const resolvedLs: LinkedService = { ...ls, properties: { ...ls.properties, typeProperties: resolveExpressions(ls.properties.typeProperties ?? {}, lsScope) as LinkedService['properties']['typeProperties'] } };
  const decrypted = await decryptLinkedService(resolvedLs, { home: o.home });
  return { name: ds.name, type: ds.properties.type, typeProperties: resolveExpressions(ds.properties.typeProperties ?? {}, dsScope) as Record<string, unknown>, linkedService: decrypted, file: ds.file };
}
