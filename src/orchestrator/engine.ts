/**
 * Running a list of activities (a pipeline's, or a container's body) and each activity in it.
 * - `dependsOn`: an activity starts when every activity it depends on has ended in one of its conditions
 *   (Succeeded, Failed, Skipped, Completed = Succeeded or Failed); when one ends otherwise it is Skipped.
 *   Independent activities run at the same time. An activity with `state: Inactive` is not run and ends as its
 *   `onInactiveMarkAs` says (Succeeded by default), as in ADF.
 * - The list's outcome is ADF's rule: look at the leaves (activities nothing depends on), at a skipped leaf's
 *   parents instead; it succeeded only when all of those did. So an Upon Failure path that handles an error makes
 *   the run succeed, and an Upon Success path skipped after a failure makes it fail.
 * - Data activities go to the executor with `policy` (retry, retryIntervalInSeconds, timeout); control activities
 *   to their handler (activities/). `policy.secureInput`/`secureOutput` mask input/output in events and results
 *   (their values are registered for redaction too: registerSecure); expressions still read the real output.
 */
import { DmgwError } from '../common/errors.js';
import type { ActivityRunOutput } from '../common/events.js';
import { resolveExpressions, type ActivityView } from '../common/expressions.js';
import { MASK } from '../common/maskSecrets.js';
import { nameKey } from '../common/model/factory.js';
import type { Activity } from '../common/model/types.js';
import { redact, redactDeep, registerSecret } from '../common/redact.js';
import { controlHandler } from './activities/index.js';
import type { BodyOutcome, ControlContext, ControlResult } from './activities/control.js';
import { errorInfo, newId, placeOf, scopeOf, type ActivityRecord, type Frame } from './context.js';
import { timeSpanMs } from './timeSpan.js';
import { DATA_ACTIVITY_TYPES, type ActivityResult, type ActivityStatus, type RunError, type RunStatus } from './types.js';

/** Failures a retry cannot change: a mistake in the pipeline, or a credential bound to another server. */
const NOT_RETRIED = new Set(['CREDENTIAL_TARGET_MISMATCH', 'CREDENTIAL_UNBOUND', 'EXPRESSION', 'ACTIVITY_INVALID', 'ACTIVITY_UNSUPPORTED']);

const DEFAULT_TIMEOUT = '0.12:00:00';

const isData = (type: string) => DATA_ACTIVITY_TYPES.some((t) => t.toLowerCase() === String(type).toLowerCase());

function view(r: ActivityResult, output: ActivityRunOutput | undefined): ActivityView {
  return { output: output ?? {}, status: r.status, error: r.error ? { errorCode: r.error.code, message: r.error.message } : null, activityRunId: r.activityRunId, ActivityRunId: r.activityRunId, activityName: r.name };
}

/** An activity's dependencies as written; a malformed `dependsOn` (not a list, an entry without a name) is refused. */
function depsOf(a: Activity, frame: Frame): Array<{ activity: string; dependencyConditions: string[] }> {
  const deps = a.dependsOn ?? [];
  const bad = (why: string) => new DmgwError('DEPENDENCY_INVALID', `activity ${a.name}: dependsOn ${why}`, { file: frame.run.pipeline.file, field: `activities.${a.name}.dependsOn` }, 'write [{ "activity": "<name>", "dependencyConditions": ["Succeeded"] }]');
  if (!Array.isArray(deps)) throw bad('must be a list');
  return deps.map((d) => {
    if (!d || typeof d.activity !== 'string' || !Array.isArray(d.dependencyConditions)) throw bad('entries need "activity" and a list of "dependencyConditions"');
    return d;
  });
}

/** Runs `list` in `frame` (frame.visible grows as activities end) and says how the list as a whole ended. */
export async function runGraph(list: Activity[], frame: Frame): Promise<BodyOutcome> {
  for (const [i, a] of list.entries()) {
    if (!a || typeof a !== 'object' || typeof a.name !== 'string' || !a.name || typeof a.type !== 'string') throw new DmgwError('ACTIVITY_INVALID', `activity ${i + 1} of ${frame.parent ? `${frame.parent.activity}'s activities` : `pipeline ${frame.run.pipeline.name}`} needs a "name" and a "type"`, { file: frame.run.pipeline.file, field: 'activities' }, 'dmgw validate shows where');
  }
  const byKey = new Map(list.map((a) => [nameKey(a.name), a]));
  const deps = new Map(list.map((a) => [nameKey(a.name), depsOf(a, frame)]));
  for (const a of list) {
    for (const d of deps.get(nameKey(a.name))!) {
      if (!byKey.has(nameKey(d.activity))) throw new DmgwError('DEPENDENCY_UNKNOWN', `activity ${a.name} depends on "${d.activity}", which is not beside it`, { file: frame.run.pipeline.file, field: `activities.${a.name}.dependsOn` }, `activities here: ${list.map((x) => x.name).join(', ')}`);
    }
  }
  const done = new Map<string, ActivityRecord>();
  const running = new Map<string, Promise<void>>();
  const status = (name: string): ActivityStatus | undefined => done.get(nameKey(name))?.result.status;

  const ready = (a: Activity): boolean | undefined => {
    for (const d of deps.get(nameKey(a.name))!) {
      const s = status(d.activity);
      if (!s) return undefined;
      const met = d.dependencyConditions.some((c) => c === s || (c === 'Completed' && (s === 'Succeeded' || s === 'Failed')));
      if (!met) return false;
    }
    return true;
  };

  while (done.size < list.length) {
    for (const a of list) {
      const key = nameKey(a.name);
      if (done.has(key) || running.has(key)) continue;
      const met = ready(a);
      if (met === undefined) continue;
      if (!met || frame.signal.aborted) {
        const id = newId();
        done.set(key, { result: { name: a.name, type: a.type, status: frame.signal.aborted ? 'Cancelled' : 'Skipped', durationMs: 0, attempts: 0, ...placeOf(frame, id) }, inner: [] });
        continue;
      }
      if ((a as { state?: unknown }).state === 'Inactive') {
        // ADF's deactivated activity: not run, ends as onInactiveMarkAs says (Succeeded by default)
        const mark = (a as { onInactiveMarkAs?: unknown }).onInactiveMarkAs;
        const status: ActivityStatus = mark === 'Failed' || mark === 'Skipped' ? mark : 'Succeeded';
        const result: ActivityResult = { name: a.name, type: a.type, status, durationMs: 0, attempts: 0, ...(status === 'Failed' ? { error: { code: 'ACTIVITY_INACTIVE', message: `activity ${a.name} is inactive and marked Failed` } } : {}), ...placeOf(frame, newId()) };
        done.set(key, { result, inner: [] });
        if (status !== 'Skipped') frame.visible[a.name] = view(result, undefined);
        continue;
      }
      running.set(
        key,
        runActivity(a, frame).then((rec) => {
          done.set(key, rec);
          running.delete(key);
        }),
      );
    }
    if (running.size) await Promise.race(running.values());
    else if (done.size < list.length) {
      const left = list.filter((a) => !done.has(nameKey(a.name))).map((a) => a.name);
      throw new DmgwError('DEPENDENCY_CYCLE', `activities depend on each other in a cycle: ${left.join(', ')}`, { file: frame.run.pipeline.file, field: 'activities' }, 'remove one dependsOn');
    }
  }

  const records = list.flatMap((a) => {
    const r = done.get(nameKey(a.name))!;
    return [r.result, ...r.inner];
  });
  return { ...outcomeOf(list, status, (n) => done.get(nameKey(n))!.result, frame.signal.aborted), records, visible: frame.visible };
}

/** ADF's rule for how a list of activities ended (see the file comment). */
function outcomeOf(list: Activity[], status: (n: string) => ActivityStatus | undefined, result: (n: string) => ActivityResult, cancelled: boolean): { status: RunStatus; error?: RunError & { activity: string } } {
  if (cancelled || list.some((a) => status(a.name) === 'Cancelled')) return { status: 'Cancelled' };
  const dependedOn = new Set(list.flatMap((a) => (a.dependsOn ?? []).map((d) => nameKey(d.activity))));
  const byKey = new Map(list.map((a) => [nameKey(a.name), a]));
  const seen = new Set<string>();
  let failure: ActivityResult | undefined;
  const judge = (a: Activity): void => {
    const key = nameKey(a.name);
    if (seen.has(key)) return;
    seen.add(key);
    const s = status(a.name);
    if (s === 'Skipped') {
      for (const d of a.dependsOn ?? []) judge(byKey.get(nameKey(d.activity))!);
    } else if (s !== 'Succeeded') failure ??= result(a.name);
  };
  for (const a of list) if (!dependedOn.has(nameKey(a.name))) judge(a);
  if (!failure) return { status: 'Succeeded' };
  return { status: 'Failed', error: { ...(failure.error ?? { code: 'ACTIVITY_FAILED', message: `activity ${failure.name} failed` }), activity: failure.name } };
}

/** Every string value inside `v` (keys are names, not data). */
function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}

/**
 * Registers a secure input's or output's values for redaction, so a later error or log that quotes one is masked.
 * Only values of 8 characters or more: a short word ("File", "true") masked in every log line would garble them,
 * and a token or password is longer. `except`: values written in the pipeline itself (a dataset name, a type).
 */
function registerSecure(v: unknown, except: Set<string> = new Set()): void {
  for (const s of stringsIn(v)) if (s.length >= 8 && !except.has(s)) registerSecret(s);
}

async function runActivity(a: Activity, frame: Frame): Promise<ActivityRecord> {
  const run = frame.run;
  const t0 = run.clock.now();
  const activityRunId = newId();
  const place = placeOf(frame, activityRunId);
  const scope = scopeOf(frame);
  const secureIn = a.policy?.secureInput === true;
  const secureOut = a.policy?.secureOutput === true;
  const log = (level: 'error' | 'warn' | 'info' | 'verbose', message: string) => run.emit({ event: 'log', level, activity: a.name, activityRunId, message: redact(message) });

  let output: ActivityRunOutput | undefined;
  let error: RunError | undefined;
  let inner: ActivityResult[] = [];
  let attempts = 0;
  let cancelled = false;

  if (isData(a.type)) {
    let tp: Record<string, unknown> | undefined;
    try {
      tp = resolveExpressions(a.typeProperties ?? {}, scope) as Record<string, unknown>;
    } catch (e) {
      error = errorInfo(e);
    }
    if (tp && secureIn) registerSecure(tp, new Set(stringsIn(a.typeProperties)));
    // what is shown is redacted: a SecureString parameter's value may have flowed into it
    run.emit({ event: 'activity-started', activity: a.name, activityType: a.type, ...place, ...(tp ? { input: secureIn ? MASK : redactDeep(tp) } : {}) });
    if (tp) ({ output, error, attempts, cancelled } = await runData(a, tp, frame, activityRunId, log));
  } else {
    run.emit({ event: 'activity-started', activity: a.name, activityType: a.type, ...place });
    attempts = 1;
    const handler = controlHandler(String(a.type));
    try {
      if (!handler) throw new DmgwError('ACTIVITY_UNSUPPORTED', `activity ${a.name} is of type ${a.type}, which the gateway does not run`, { file: run.pipeline.file, field: `activities.${a.name}.type` }, `supported: ${[...DATA_ACTIVITY_TYPES].join(', ')}, ForEach, IfCondition, Switch, Until, Filter, SetVariable, AppendVariable, ExecutePipeline, Fail, Wait`);
      const ctx: ControlContext = {
        activity: a,
        typeProperties: a.typeProperties ?? {},
        frame,
        activityRunId,
        scope,
        signal: frame.signal,
        log,
        resolve: (v, visible) => resolveExpressions(v, visible ? { ...scope, activities: { ...frame.visible, ...visible } } : scope),
        runBody: (list, o = {}) =>
          runGraph(list, {
            run,
            visible: { ...frame.visible },
            item: o.item ?? frame.item,
            parent: { activity: a.name, activityRunId, ...(o.iteration !== undefined ? { iteration: o.iteration } : {}) },
            place: `${frame.place ?? ''}${a.name}${o.iteration !== undefined ? `[${o.iteration}]` : ''}/`,
            signal: o.signal ?? frame.signal,
          }),
      };
      const r: ControlResult = await handler(ctx);
      output = r.output;
      error = r.error;
      inner = r.inner ?? [];
    } catch (e) {
      error = errorInfo(e);
    }
    cancelled = frame.signal.aborted;
  }

  if (secureOut && output) registerSecure(output);
  const status: ActivityStatus = cancelled ? 'Cancelled' : error ? 'Failed' : 'Succeeded';
  if (cancelled) error = { code: 'CANCELLED', message: 'the run was cancelled; nothing was committed to the sink' };
  const shownOutput = output && secureOut ? { secureOutput: MASK } : output && redactDeep(output);
  const result: ActivityResult = { name: a.name, type: a.type, status, durationMs: run.clock.now() - t0, attempts, ...(shownOutput ? { output: shownOutput } : {}), ...(error ? { error } : {}), ...place };
  frame.visible[a.name] = view(result, output);
  run.emit({ event: 'activity-finished', activity: a.name, activityType: a.type, status: status as RunStatus, durationMs: result.durationMs, ...(shownOutput ? { output: shownOutput } : {}), ...(error ? { error } : {}), ...place });
  return { result, inner };
}

/** A data activity through the executor, with the activity's retry and timeout policy. */
async function runData(a: Activity, tp: Record<string, unknown>, frame: Frame, activityRunId: string, log: (level: 'error' | 'warn' | 'info' | 'verbose', message: string) => void): Promise<{ output?: ActivityRunOutput; error?: RunError; attempts: number; cancelled: boolean }> {
  const run = frame.run;
  const policy = (resolveExpressions(a.policy ?? {}, scopeOf(frame)) ?? {}) as { retry?: unknown; retryIntervalInSeconds?: unknown; timeout?: unknown };
  const tries = Math.max(0, Number(policy.retry ?? 0) || 0) + 1;
  const limit = timeSpanMs(policy.timeout ?? DEFAULT_TIMEOUT);
  if (limit === undefined) return { error: { code: 'ACTIVITY_INVALID', message: `activity ${a.name}: policy.timeout ${JSON.stringify(policy.timeout)} is not [d.]hh:mm:ss`, hint: 'e.g. "0.12:00:00" for 12 hours' }, attempts: 0, cancelled: false };
  let last: { output?: ActivityRunOutput; error?: RunError } = {};
  for (let attempt = 1; attempt <= tries; attempt++) {
    const signal = AbortSignal.any([frame.signal, AbortSignal.timeout(limit)]);
    try {
      const output = await run.opts.executor.execute({
        activity: a,
        typeProperties: tp,
        scope: scopeOf(frame),
        signal,
        log,
        activityRunId,
        attempt,
        place: `${frame.place ?? ''}${a.name}`,
        progress: (p) => run.emit({ event: 'progress', activity: a.name, activityRunId, ...p }),
      });
      return { output: output ?? undefined, attempts: attempt, cancelled: false };
    } catch (e) {
      if (frame.signal.aborted) return { attempts: attempt, cancelled: true };
      const timedOut = signal.aborted;
      const error = timedOut ? { code: 'ACTIVITY_TIMEOUT', message: `activity ${a.name} ran longer than its policy.timeout ${String(policy.timeout ?? DEFAULT_TIMEOUT)}`, hint: 'raise policy.timeout' } : errorInfo(e, a.type === 'Copy' ? 'COPY_FAILED' : 'ACTIVITY_FAILED');
      last = { error };
      if (attempt >= tries || NOT_RETRIED.has(error.code)) return { ...last, attempts: attempt, cancelled: false };
      const wait = Number(policy.retryIntervalInSeconds ?? 30) || 30;
      log('warn', `try ${attempt} of ${tries} failed: ${error.message}; retrying in ${wait} s`);
      try {
        await run.clock.sleep(wait * run.secondMs, frame.signal);
      } catch {
        return { attempts: attempt, cancelled: true };
      }
    }
  }
  return { ...last, attempts: tries, cancelled: false };
}
