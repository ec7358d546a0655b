/**
 * The pipeline runs this service process orchestrates (src/orchestrator, with serviceExecutor.ts for the data
 * activities and recorder.ts for the records). A run's state lives in the store — the run, its sealed parameter
 * values, its activity runs, its jobs and what they reported — and its row names the process driving it
 * (`owner`), seen every TICK_MS. A run whose owner went quiet for STALE_SECONDS (the service was killed, or a
 * replica died) is claimed by a live process, which resumes it: it replays the pipeline from the start, and every
 * data activity whose job already exists is not queued again (a finished one answers with what it reported, a
 * running one is waited for); control flow is re-done (it touches no data). Child runs of ExecutePipeline are runs of
 * their own, resumed the same way; a replaying parent waits for the child it had started.
 *
 * Cancel: the run is marked (any replica may take the request); its owner sees it within a tick and aborts the
 * orchestration — running activity jobs are told to stop at their next lease renewal, queued ones end. With
 * `isRecursive` the children are cancelled too; without, they go on (ADF).
 */
import { randomUUID } from 'node:crypto';
import { DmgwError, isDmgwError } from '../../common/errors.js';
import { JsonDocument } from '../../common/jsonDocument.js';
import { addDocument, emptyFactory, type Factory } from '../../common/model/factory.js';
import { RESOURCE_FOLDERS, type ResourceKind } from '../../common/model/types.js';
import { plainValue } from '../../common/expressions.js';
import { redact, redactDeep, redactError, registerSecret } from '../../common/redact.js';
import { orchestrate, type ChildRunOutcome, type ChildRunRequest, type RunStatus as OrchestratorStatus } from '../../orchestrator/index.js';
import type { RunOrchestration, ServiceContext } from '../context.js';
import { collectResources } from '../queue/jobPlan.js';
import type { StoredKind } from '../store/resources.js';
import { FINAL_STATUSES, type ActivityRunDetails, type RecordedStart, type RunRow } from '../store/runs.js';
import { recorder } from './recorder.js';
import { serviceExecutor } from './serviceExecutor.js';

const TICK_MS = 1000;
/** a run whose owner was not seen for this long is taken over */
export const STALE_SECONDS = 10;
const CHILD_WATCH_MS = 300;
/** how long a stopping service lets its orchestrations wind down (no job is queued once it stops) */
const CLOSE_MS = 2000;
/** how long a cancel request waits for its run to end before it answers (the run then shows Canceling) */
const CANCEL_WAIT_MS = 2000;

interface Active {
  controller: AbortController;
  done: Promise<ChildRunOutcome>;
}

export class Orchestrations implements RunOrchestration {
  readonly owner = randomUUID();
  private readonly active = new Map<string, Active>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private closing = false;

  constructor(private readonly ctx: ServiceContext) {}

  /** Starts looking after runs: its own (heartbeat, cancel requests) and orphans (resume). */
  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Stops driving runs without ending them: another process (or this one, restarted) resumes them. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    // the jobs on the nodes go on (nothing is cancelled): their runs are resumed by whoever claims them next
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.active.values()].map((a) => a.done)), new Promise((r) => (cap = setTimeout(r, CLOSE_MS)))]);
    clearTimeout(cap);
    // claimable at once by the next service (or a replica), rather than after STALE_SECONDS
    await this.ctx.sql.query('update runs set owner_seen_at = null where owner = $1', [this.owner]).catch(() => undefined);
  }

  /** Creates a run of `pipelineName` and starts orchestrating it; returns its run id. */
  async create(r: { factoryId: string; pipelineName: string; shown: Record<string, unknown>; values: Record<string, unknown>; secure: string[]; runId?: string; parentRunId?: string; invokedBy?: Record<string, unknown> }): Promise<string> {
    const runId = await this.ctx.runs.createOrchestrated({ ...r, owner: this.owner });
    const row = (await this.ctx.runs.byId(runId))!;
    this.drive(row, false);
    return runId;
  }

  /** Cancels a run (and with `recursive` its child runs, and theirs). */
  async cancel(runId: string, recursive: boolean): Promise<void> {
    await this.ctx.runs.requestCancel(runId);
    // queued jobs end now; leased ones are told at their next renewal (cancel_requested of the run)
    await this.ctx.sql.query(`update jobs set status = 'done', cancel_requested = true, finished_at = now() where run_id = $1 and status = 'queued' and activity_run_id is not null`, [runId]);
    const local = this.active.get(runId);
    local?.controller.abort(new DmgwError('CANCELLED', 'the run was cancelled'));
    if (recursive) for (const c of await this.ctx.runs.children(runId)) if (!FINAL_STATUSES.includes(c.status)) await this.cancel(c.run_id, true);
    // a run with nothing on a node ends at once: answer Cancelled rather than Canceling when it is that quick
    if (local) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([local.done, new Promise((r) => (t = setTimeout(r, CANCEL_WAIT_MS)))]);
      clearTimeout(t);
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.closing) return;
    this.ticking = true;
    try {
      const mine = [...this.active.keys()];
      await this.ctx.runs.heartbeat(this.owner, mine);
      // a cancel taken by another replica
      if (mine.length) {
        const asked = await this.ctx.sql.query<{ run_id: string }>('select run_id from runs where run_id = any($1::uuid[]) and cancel_requested', [mine]);
        for (const r of asked) this.active.get(r.run_id)?.controller.abort(new DmgwError('CANCELLED', 'the run was cancelled'));
      }
      for (const run of await this.ctx.runs.claimOrphans(this.owner, STALE_SECONDS)) {
        if (this.active.has(run.run_id)) continue;
        this.ctx.log('warn', `run ${run.run_id} (${run.pipeline_name}) lost its orchestrator; resuming it from its stored activity runs and jobs`);
        this.drive(run, true);
      }
    } catch (e) {
      this.ctx.log('error', `orchestration tick failed: ${redactError(e)}`);
    } finally {
      this.ticking = false;
    }
  }

  private drive(run: RunRow, resumed: boolean): void {
    const controller = new AbortController();
    if (run.cancel_requested) controller.abort(new DmgwError('CANCELLED', 'the run was cancelled'));
    const done = this.orchestrateRun(run, resumed, controller.signal)
      .catch(async (e: unknown): Promise<ChildRunOutcome> => {
        const error = isDmgwError(e) ? { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) } : { code: 'RUN_FAILED', message: redactError(e) };
        if (!this.closing) await this.ctx.runs.finish(run.run_id, 'Failed', message(error)).catch(() => undefined);
        return { runId: run.run_id, status: 'Failed', error };
      })
      .finally(() => this.active.delete(run.run_id));
    this.active.set(run.run_id, { controller, done });
  }

  private async orchestrateRun(run: RunRow, resumed: boolean, signal: AbortSignal): Promise<ChildRunOutcome> {
    const { ctx } = this;
    const f = await ctx.factories.get(run.factory_id);
    if (!f) throw new DmgwError('RUN_FAILED', 'its factory was deleted');
    const factory = await factoryModel(ctx, f.id, f.name);
    const pipeline = await ctx.resources.get(f.id, 'pipelines', run.pipeline_name);
    if (!pipeline) throw new DmgwError('PIPELINE_NOT_FOUND', `pipeline "${run.pipeline_name}" is not in factory ${f.name} (deleted since the run started?)`);
    const plan = await collectResources(ctx.resources, f.id, `pipeline "${pipeline.name}"`, ctx.resources.opened(pipeline));
    // what the records said before the takeover: a job found again keeps the input it ran with (utcNow() is not replayed)
    const earlier = resumed ? await ctx.runs.recordedStarts(run.run_id) : new Map<string, RecordedStart>();
    if (resumed) await ctx.runs.clearActivityRuns(run.run_id);
    const details = new Map<string, ActivityRunDetails>();
    const rec = recorder(ctx, run.run_id, details);
    const executor = serviceExecutor({ ctx, factoryId: f.id, factoryName: f.name, runId: run.run_id, pipelineName: pipeline.name, runGateways: plan.ok ? plan.gateways : [], details, earlier, keepStart: rec.keepStart });
    const childSeen = new Map<string, number>();
    const given = ctx.runs.parameterValues(run);
    // a secure value (SecureString, or passed wrapped as one) is masked wherever the run shows it: inputs, errors, logs
    for (const k of given.secure) if (typeof given.values[k] === 'string') registerSecret(given.values[k]);
    const result = await orchestrate({
      factory,
      pipeline: pipeline.name,
      parameters: given.values,
      executor,
      emit: rec.emit,
      signal,
      runId: run.run_id,
      runChild: (req) => this.runChild(f.id, run.run_id, req, resumed, childSeen),
    });
    await rec.flush();
    if (this.closing) return { runId: run.run_id, status: 'Cancelled' };
    const status: OrchestratorStatus = result.status;
    await ctx.runs.finish(run.run_id, status, result.error ? message(result.error) : '');
    ctx.log('info', `run ${run.run_id} (${pipeline.name}) ${status}`);
    return { runId: run.run_id, status, ...(result.error ? { error: result.error } : {}), ...(result.pipelineReturnValue ? { pipelineReturnValue: result.pipelineReturnValue } : {}) };
  }

  /** ExecutePipeline: a run of its own (pipelineRuns.get shows it, invokedBy its parent). */
  private async runChild(factoryId: string, parentRunId: string, req: ChildRunRequest, resumed: boolean, seen: Map<string, number>): Promise<ChildRunOutcome> {
    const replayKey = `${req.parent.activity}|${JSON.stringify(req.parameters)}`;
    const n = (seen.get(replayKey) ?? 0) + 1;
    seen.set(replayKey, n);
    let childId: string | undefined;
    if (resumed) {
      const earlier = (await this.ctx.runs.children(parentRunId)).filter((c) => (c.invoked_by as { replayKey?: string } | null)?.replayKey === `${replayKey}#${n}`);
      childId = earlier[0]?.run_id;
    }
    // a secure value the parent passed on stays masked in the child run's record
    const shown = redactDeep(plainValue(req.parameters) as Record<string, unknown>);
    childId ??= await this.create({
      factoryId,
      pipelineName: req.pipeline,
      shown,
      values: req.parameters,
      secure: Object.keys(shown).filter((k) => JSON.stringify(shown[k]) !== JSON.stringify(plainValue(req.parameters[k]))),
      runId: req.runId,
      parentRunId,
      invokedBy: { name: req.parent.activity, id: req.parent.activityRunId, invokedByType: 'PipelineActivity', pipelineName: req.parent.pipeline, pipelineRunId: parentRunId, replayKey: `${replayKey}#${n}` },
    });
    if (!req.waitOnCompletion) return { runId: childId, status: 'Succeeded' };
    return this.waitForChild(childId, req.signal);
  }

  /** A child run's outcome; when the parent stops waiting (cancelled without isRecursive) the child goes on. */
  private async waitForChild(childId: string, signal: AbortSignal): Promise<ChildRunOutcome> {
    for (;;) {
      const local = this.active.get(childId);
      if (local) {
        const stopped = new Promise<'stopped'>((resolve) => signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
        const r = await Promise.race([local.done, stopped]);
        if (r === 'stopped') return { runId: childId, status: 'Cancelled' };
        return r;
      }
      // driven by another replica, or already ended
      const row = await this.ctx.runs.byId(childId);
      if (!row) return { runId: childId, status: 'Failed', error: { code: 'PIPELINE_FAILED', message: 'the child run is gone' } };
      if (FINAL_STATUSES.includes(row.status)) return { runId: childId, status: row.status as OrchestratorStatus, ...(row.status === 'Failed' ? { error: { code: 'PIPELINE_FAILED', message: row.message } } : {}) };
      if (signal.aborted) return { runId: childId, status: 'Cancelled' };
      await new Promise((r) => setTimeout(r, CHILD_WATCH_MS));
    }
  }
}

function message(e: { message: string; hint?: string }): string {
  return `${e.message}${e.hint ? ` — ${e.hint}` : ''}`;
}

const KINDS: Array<[ResourceKind, StoredKind]> = [
  ['pipeline', 'pipelines'],
  ['dataset', 'datasets'],
  ['linkedService', 'linkedservices'],
];

/** The factory as the orchestrator reads it: its pipelines (as written), datasets and linked services (secrets masked). */
async function factoryModel(ctx: ServiceContext, factoryId: string, name: string): Promise<Factory> {
  const factory = emptyFactory(name);
  for (const [kind, stored] of KINDS) {
    for (const row of await ctx.resources.list(factoryId, stored)) {
      const properties = kind === 'linkedService' ? row.properties : ctx.resources.opened(row);
      addDocument(factory, kind, new JsonDocument(`${RESOURCE_FOLDERS[kind]}/${row.name}.json`, JSON.stringify({ name: row.name, properties }, null, 2)), row.name);
    }
  }
  return factory;
}
