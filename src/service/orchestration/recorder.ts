/**
 * The run events of an orchestration, written to the store as ADF's monitoring shows them: the run goes
 * InProgress at run-started; each activity run is a record from activity-started (its input: evaluated
 * typeProperties, or `**********` under secureInput — the orchestrator masks it) to activity-finished (output —
 * `{ secureOutput: ********** }` under secureOutput — and error as ADF's `{errorCode, message, failureType,
 * target}`). A data activity's progress reaches its record straight from its job (store/jobs.ts). Writes go in
 * the order the events came, one after the other; `flush` waits for them.
 */
import type { RunEvent } from '../../common/events.js';
import type { ServiceContext } from '../context.js';
import type { ActivityRunDetails, RecordedStart } from '../store/runs.js';

/** Failures of the machinery rather than of what the author wrote: ADF's SystemError. */
const SYSTEM_CODES = new Set(['JOB_FAILED', 'SERVICE_STOPPING', 'RUN_FAILED']);

export interface Recorder {
  emit(e: RunEvent): void;
  /** A replayed activity run whose job ran before the takeover: its record keeps that job's input and start. */
  keepStart(activityRunId: string, was: RecordedStart): void;
  flush(): Promise<void>;
}

export function recorder(ctx: ServiceContext, runId: string, details: Map<string, ActivityRunDetails>): Recorder {
  let chain: Promise<void> = Promise.resolve();
  const later = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((e: unknown) => ctx.log('error', `run ${runId}: could not record an event: ${(e as Error).message}`));
  };
  return {
    emit(e) {
      // a stopping service records nothing more: the run is resumed (and its activity runs recorded again) later
      if (ctx.stopping.aborted) return;
      switch (e.event) {
        case 'run-started':
          return later(() => ctx.runs.started(runId));
        case 'activity-started':
          if (!e.activityRunId) return;
          return later(() =>
            ctx.runs.activityStarted({
              activityRunId: e.activityRunId!,
              runId,
              name: e.activity,
              type: e.activityType,
              start: e.time,
              input: e.input ?? {},
              ...(e.parentActivityRunId ? { parentActivityRunId: e.parentActivityRunId } : {}),
              ...(e.iteration !== undefined ? { iteration: e.iteration } : {}),
            }),
          );
        case 'activity-finished': {
          const id = e.activityRunId;
          if (!id) return;
          const error = e.error ? { errorCode: e.error.code, message: e.error.hint ? `${e.error.message} — ${e.error.hint}` : e.error.message, failureType: SYSTEM_CODES.has(e.error.code) ? 'SystemError' : 'UserError', target: e.activity } : null;
          return later(() => ctx.runs.activityFinished({ activityRunId: id, status: e.status, end: e.time, output: e.output ?? {}, error, details: details.get(id) }));
        }
        default:
          return;
      }
    },
    keepStart(activityRunId, was) {
      if (ctx.stopping.aborted) return;
      // after its activity-started (emitted before the executor ran): the chain keeps the order
      later(() => ctx.runs.keepRecordedStart(activityRunId, was));
    },
    flush: () => chain,
  };
}
