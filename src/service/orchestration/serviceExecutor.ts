/**
 * The service's ActivityExecutor: each data activity the orchestrator reaches becomes one job on the queue
 * (activityJob.ts), for the gateway its linked services name (queue/jobPlan.ts), leased by a node of that gateway
 * as any job is. It waits for the job to end — looking at the store, so a node reporting to another replica is
 * seen too — and hands the orchestrator the output the node sent (exact numbers kept) or its error. A try the
 * orchestrator gives up on (timeout, cancel) asks the node to stop the worker.
 *
 * Replay (a restarted service resuming a run, orchestrations.ts): a data activity is known by its replay key — its
 * place in the run (its name below the containers and iterations around it: `ForEach1[3]/Copy1`), which try of its
 * policy it is, and how many times the run asked for exactly that before. Not by its evaluated input: the replay
 * evaluates `@utcNow()` (and any value derived from it) anew, so the input differs from the one the job was queued
 * with. When a job with that key exists, it is not queued again: a finished one answers with what it reported, a
 * running one is waited for, and the activity run's record keeps the input and start it had before the takeover.
 *
 * A staged Copy whose source and sink sit behind two gateways is two jobs of one activity run (stagedSplit.ts):
 * stage-out on the source's gateway, then stage-in on the sink's; their replay keys end in `/out` and `/in`.
 */
import { createHash } from 'node:crypto';
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import { parseJsonExact } from '../../common/expressions.js';
import type { ActivityExecutor, DataActivityRequest } from '../../orchestrator/index.js';
import type { ServiceContext } from '../context.js';
import { collectResources, gatewayFor } from '../queue/jobPlan.js';
import type { JobRow } from '../store/jobs.js';
import type { ActivityRunDetails, RecordedStart } from '../store/runs.js';
import { activityPipeline } from './activityJob.js';
import { combined, manifestOf, refuseAuthoredHalf, stagedSplit } from './stagedSplit.js';

const WATCH_MS = 200;

export interface RunHandle {
  ctx: ServiceContext;
  factoryId: string;
  factoryName: string;
  runId: string;
  pipelineName: string;
  /** the gateways the run's pipeline names (an activity reaching only cloud stores runs on the one, if one) */
  runGateways: string[];
  /** where each activity run ran: the recorder adds it to the record */
  details: Map<string, ActivityRunDetails>;
  /** a taken-over run's records before the takeover, by activity run id (empty for a new run) */
  earlier?: Map<string, RecordedStart>;
  /** the recorder's: a replayed record keeps the input and start of the job found again */
  keepStart?(activityRunId: string, was: RecordedStart): void;
}

export function serviceExecutor(h: RunHandle): ActivityExecutor {
  const seen = new Map<string, number>();
  return {
    async execute(req) {
      const { ctx } = h;
      // a stopping service queues nothing: the run is resumed, and this activity queued, by the next one
      if (ctx.stopping.aborted) throw new DmgwError('SERVICE_STOPPING', 'the factory service is stopping; the run resumes when it is back');
      refuseAuthoredHalf(req);
      const base = replayBase(req);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const replayKey = `${base}#${n}`;
      const activityRunId = req.activityRunId!;
      const split = await stagedSplit(ctx, h.factoryId, req);
      if (!split) {
        const one = await runJob(h, req, replayKey);
        h.details.set(activityRunId, { integrationRuntime: one.gateway, ...(one.node ? { nodeName: one.node } : {}), gatewayAttempt: one.attempt });
        return one.output;
      }
      // a staged copy across two gateways: stage-out on the source's, then stage-in (given the manifest) on the sink's
      req.log('info', `staged copy across gateways: stage-out on ${split.outGateway}, then stage-in on ${split.inGateway}`);
      const out = await runJob(h, split.out, `${replayKey}/out`, split.outGateway);
      h.details.set(activityRunId, { integrationRuntime: out.gateway, integrationRuntimes: [out.gateway], ...(out.node ? { nodeName: out.node } : {}) });
      const manifest = manifestOf(req.activity.name, out.output);
      const into = await runJob(h, split.in(manifest), `${replayKey}/in`, split.inGateway).catch(async (e: unknown) => {
        // the record names both halves' gateways and nodes also when the stage-in failed or was cancelled
        const d = h.details.get(activityRunId);
        h.details.set(activityRunId, { ...d, integrationRuntimes: [out.gateway, split.inGateway], nodeName: [out.node, d?.nodeName !== out.node ? d?.nodeName : undefined].filter(Boolean).join(', ') });
        await dropUnloaded(h, req, split.drop(manifest), replayKey, split.outGateway);
        throw e;
      });
      const nodes = [out.node, into.node].filter((x): x is string => !!x);
      h.details.set(activityRunId, { integrationRuntime: out.gateway, integrationRuntimes: [out.gateway, into.gateway], ...(nodes.length ? { nodeName: nodes.join(', ') } : {}), gatewayAttempt: into.attempt });
      return combined(out.output, into.output, { out: { gateway: out.gateway, node: out.node }, in: { gateway: into.gateway, node: into.node } });
    },
  };
}

interface JobDone {
  gateway: string;
  node?: string;
  attempt: number;
  output: ActivityRunOutput | undefined;
}

/** One job for `req` (queued, or found again by its replay key), waited for; its output, or its error thrown. */
async function runJob(h: RunHandle, req: DataActivityRequest, replayKey: string, gatewayName?: string): Promise<JobDone> {
  const { ctx } = h;
  const activityRunId = req.activityRunId!;
  let job = await ctx.jobs.byReplayKey(h.runId, replayKey);
  if (job) {
    req.log('info', `resumed: this activity's job ${job.id} (${job.status}) from before the service restarted`);
    const was = job.activity_run_id ? h.earlier?.get(job.activity_run_id) : undefined;
    if (was) h.keepStart?.(activityRunId, was);
    await ctx.sql.query('update jobs set activity_run_id = $2 where id = $1', [job.id, activityRunId]);
  } else job = await enqueue(h, req, replayKey, gatewayName);
  const gateway = (await ctx.gateways.byId(job.gateway_id))?.name ?? gatewayName ?? '(unknown)';
  h.details.set(activityRunId, { ...h.details.get(activityRunId), integrationRuntime: h.details.get(activityRunId)?.integrationRuntime ?? gateway });
  const done = await waitFor(h, job.id, req.signal, gateway);
  const node = done.node_id ? await one(ctx, done.node_id) : undefined;
  const outcome = ctx.jobs.outcomeOf(done)!;
  if (outcome.status === 'Succeeded') return { gateway, node, attempt: done.attempt, output: (outcome.outputText !== undefined ? parseJsonExact(outcome.outputText) : outcome.output) as ActivityRunOutput | undefined };
  h.details.set(activityRunId, { ...h.details.get(activityRunId), ...(node ? { nodeName: node } : {}), gatewayAttempt: done.attempt });
  if (req.signal.aborted) throw req.signal.reason;
  const e = outcome.error ?? { code: outcome.status === 'Cancelled' ? 'CANCELLED' : 'ACTIVITY_FAILED', message: `the activity ended ${outcome.status} on the gateway` };
  throw new DmgwError(e.code, e.message, {}, e.hint);
}

/**
 * The stage-in job ended without a node ever running it (cancelled while queued — also a cancel between the halves —,
 * its gateway deleted): nothing deletes the staged folder the stage-out wrote, so a `drop` job on the source's gateway
 * (which just reached the staging store) does. Not waited for; not queued when the service stops (the run is resumed
 * later and its stage-in found again) nor when a node ran the stage-in (its stageIn deletes the folder, or its host's
 * cleanup when the worker was killed).
 */
async function dropUnloaded(h: RunHandle, req: DataActivityRequest, drop: DataActivityRequest, replayKey: string, gateway: string): Promise<void> {
  const { ctx } = h;
  if (ctx.stopping.aborted) return;
  try {
    const stageIn = await ctx.jobs.byReplayKey(h.runId, `${replayKey}/in`);
    if (stageIn && (stageIn.attempt > 0 || stageIn.status !== 'done')) return;
    if (await ctx.jobs.byReplayKey(h.runId, `${replayKey}/drop`)) return;
    req.log('info', `the stage-in never ran: deleting the staged folder through integration runtime ${gateway}`);
    await enqueue(h, drop, `${replayKey}/drop`, gateway);
  } catch (e) {
    req.log('warn', `could not queue the deletion of the staged folder: ${(e as Error).message}; delete it by hand (stagingSettings.path)`);
  }
}

/** The activity's place and try, never its evaluated input (which a replay's utcNow() changes). */
function replayBase(req: DataActivityRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([req.place ?? req.activity.name, req.attempt ?? 1]))
    .digest('hex')
    .slice(0, 32);
}

async function one(ctx: ServiceContext, nodeId: string): Promise<string | undefined> {
  const r = await ctx.sql.query<{ name: string }>('select name from nodes where id = $1', [nodeId]);
  return r[0]?.name;
}

/** `gatewayName`: the gateway of one half of a staged copy split over two (stagedSplit.ts); else the plan's own. */
async function enqueue(h: RunHandle, req: DataActivityRequest, replayKey: string, gatewayName?: string): Promise<JobRow> {
  const { ctx } = h;
  const name = req.activity.name;
  const pipeline = activityPipeline(h.pipelineName, req);
  const plan = await collectResources(ctx.resources, h.factoryId, `activity "${name}"`, pipeline.properties);
  if (!plan.ok) throw new DmgwError('ACTIVITY_INVALID', plan.message);
  const choice = await gatewayFor(ctx.resources, h.factoryId, name, gatewayName ? [gatewayName] : plan.gateways, h.runGateways);
  if (!choice.ok) throw new DmgwError('ACTIVITY_INVALID', choice.message);
  const gateway = await ctx.gateways.ensure(h.factoryId, choice.gateway);
  if (!gateway) throw new DmgwError('ACTIVITY_INVALID', `integration runtime "${choice.gateway}" was deleted`);
  const jobId = await ctx.jobs.enqueueActivity({
    runId: h.runId,
    activityRunId: req.activityRunId!,
    replayKey,
    gatewayId: gateway.id,
    maxAttempts: ctx.maxAttempts,
    payload: {
      factoryName: h.factoryName,
      pipeline,
      linkedServices: plan.linkedServices,
      datasets: plan.datasets,
      parameters: {},
      activity: { name, type: req.activity.type, activityRunId: req.activityRunId!, pipelineName: h.pipelineName },
    },
  });
  ctx.wakeups.notify(gateway.id);
  req.log('info', `queued as job ${jobId} for integration runtime ${choice.gateway}`);
  return (await ctx.jobs.get(jobId))!;
}

/** Until the job is done; when `signal` aborts, asks the node to stop and waits for that (the lease bounds it). */
async function waitFor(h: RunHandle, jobId: string, signal: AbortSignal, gateway = '(unknown)'): Promise<JobRow> {
  const { ctx } = h;
  let asked = false;
  for (;;) {
    const j = await ctx.jobs.get(jobId);
    // deleting an integration runtime ends its jobs and takes them along (store/jobs.ts)
    if (!j) throw new DmgwError('JOB_FAILED', `integration runtime ${gateway} was deleted while this activity was queued or running`);
    if (j.status === 'done') return j;
    if (ctx.stopping.aborted) throw new DmgwError('SERVICE_STOPPING', 'the factory service is stopping; the run resumes where it stopped when it is back');
    if (signal.aborted && !asked) {
      asked = true;
      await ctx.jobs.cancelJob(jobId);
      continue;
    }
    await pause(WATCH_MS, asked ? [ctx.stopping] : [signal, ctx.stopping]);
  }
}

function pause(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(t);
      for (const s of signals) s.removeEventListener('abort', stop);
      resolve();
    };
    const t = setTimeout(stop, ms);
    for (const s of signals) s.addEventListener('abort', stop, { once: true });
  });
}
