/** pipelines/createRun, pipelineRuns get/queryByFactory/cancel, activityRuns queryByPipelineRun. */
import { notFound } from '../http/httpError.js';
import { readJson } from '../http/json.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { planJob } from '../queue/jobPlan.js';
import { FACTORY_PATH } from './ids.js';
import { childOf, factoryOf } from './lookup.js';
import { applyRunFilter, parseRunFilter } from './runFilter.js';
import { activityRunJson, runJson } from './shapes.js';

const RUN_FIELDS = { PipelineName: 'pipelineName', Status: 'status', RunStart: 'runStart', RunEnd: 'runEnd', RunId: 'runId', RunGroupId: 'runGroupId', LastUpdated: 'lastUpdated', InvokedByType: 'invokedByType' };
const ACTIVITY_FIELDS = { ActivityName: 'activityName', ActivityType: 'activityType', Status: 'status', ActivityRunStart: 'activityRunStart', ActivityRunEnd: 'activityRunEnd', PipelineName: 'pipelineName', RunId: 'pipelineRunId' };

export function runRoutes(router: Router, ctx: ServiceContext): void {
  router.add('POST', `${FACTORY_PATH}/pipelines/{name}/createRun`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const pipeline = await childOf(ctx, f, 'pipelines', params.name!);
    const parameters = ((await readJson(req)) ?? {}) as Record<string, unknown>;
    const plan = await planJob(ctx.resources, f.id, pipeline.name, pipeline.properties);
    if (!plan.ok) {
      ctx.log('warn', `run of ${f.name}/${pipeline.name} failed before queueing: ${plan.message}`);
      return { status: 200, body: { runId: await ctx.runs.createFailed(f.id, pipeline.name, parameters, plan.message) } };
    }
    const gateway = await ctx.gateways.ensure(f.id, plan.gateway);
    const runId = await ctx.jobs.enqueue({
      factoryId: f.id,
      pipelineName: pipeline.name,
      parameters,
      gatewayId: gateway.id,
      maxAttempts: ctx.maxAttempts,
      payload: { factoryName: f.name, pipeline: { name: pipeline.name, properties: pipeline.properties }, linkedServices: plan.linkedServices, datasets: plan.datasets, parameters },
    });
    ctx.wakeups.notify(gateway.id);
    return { status: 200, body: { runId } };
  });
  router.add('GET', `${FACTORY_PATH}/pipelineruns/{runId}`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const run = await ctx.runs.get(f.id, params.runId!);
    if (!run) throw notFound(`Pipeline run '${params.runId}' was not found in factory '${f.name}'.`, 'PipelineRunNotFound');
    return { status: 200, body: runJson(run) };
  });
  router.add('POST', `${FACTORY_PATH}/queryPipelineRuns`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const filter = parseRunFilter(await readJson(req));
    const rows = (await ctx.runs.listUpdated(f.id, filter.lastUpdatedAfter, filter.lastUpdatedBefore)).map(runJson).map((r) => ({ ...r, invokedByType: 'Manual' }));
    const page = applyRunFilter(rows, filter, RUN_FIELDS);
    return { status: 200, body: { ...page, value: page.value.map(({ invokedByType: _i, ...r }) => r) } };
  });
  router.add('POST', `${FACTORY_PATH}/pipelineruns/{runId}/cancel`, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const run = await ctx.runs.get(f.id, params.runId!);
    if (!run) throw notFound(`Pipeline run '${params.runId}' was not found in factory '${f.name}'.`, 'PipelineRunNotFound');
    await ctx.jobs.cancel(run.run_id);
    return { status: 200 };
  });
  router.add('POST', `${FACTORY_PATH}/pipelineruns/{runId}/queryActivityruns`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const run = await ctx.runs.get(f.id, params.runId!);
    if (!run) throw notFound(`Pipeline run '${params.runId}' was not found in factory '${f.name}'.`, 'PipelineRunNotFound');
    const filter = parseRunFilter(await readJson(req));
    const rows = (await ctx.runs.activityRuns(run.run_id, filter.lastUpdatedAfter, filter.lastUpdatedBefore)).map((a) => activityRunJson(a, run.pipeline_name));
    return { status: 200, body: applyRunFilter(rows, filter, ACTIVITY_FIELDS) };
  });
}
