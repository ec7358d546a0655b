/** pipelines/createRun, pipelineRuns get/queryByFactory/cancel, activityRuns queryByPipelineRun. */
import { MASK } from '../../common/maskSecrets.js';
import { notFound } from '../http/httpError.js';
import { checkRunFilter, checkRunParameters } from '../../common/model/armBodySchemas.js';
import { readBody } from '../http/body.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { collectResources } from '../queue/jobPlan.js';
import { runParameters } from '../queue/runParameters.js';
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
    const given = await readBody(req, checkRunParameters);
    const run = runParameters(ctx.resources.opened(pipeline), given);
    // a reference to a resource that is not there fails the run at once, before anything runs
    const plan = await collectResources(ctx.resources, f.id, `pipeline "${pipeline.name}"`, run.pipeline);
    if (!plan.ok) {
      ctx.log('warn', `run of ${f.name}/${pipeline.name} failed before it started: ${plan.message}`);
      return { status: 200, body: { runId: await ctx.runs.createFailed(f.id, pipeline.name, run.shown, plan.message) } };
    }
    // the service orchestrates the run; each data activity goes to its gateway as a job (service/orchestration)
    // secure: declared SecureString, or given as { type: SecureString, value } — masked in every record of the run
    const secure = Object.keys(run.shown).filter((k) => run.shown[k] === MASK);
    const runId = await ctx.orchestration!.create({ factoryId: f.id, pipelineName: pipeline.name, shown: run.shown, values: run.values, secure });
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
    const filter = parseRunFilter(await readBody(req, checkRunFilter));
    const rows = (await ctx.runs.listUpdated(f.id, filter.lastUpdatedAfter, filter.lastUpdatedBefore)).map(runJson).map((r) => ({ ...r, invokedByType: (r.invokedBy as { invokedByType: string }).invokedByType }));
    const page = applyRunFilter(rows, filter, RUN_FIELDS);
    return { status: 200, body: { ...page, value: page.value.map(({ invokedByType: _i, ...r }) => r) } };
  });
  router.add('POST', `${FACTORY_PATH}/pipelineruns/{runId}/cancel`, async ({ params, query }) => {
    const f = await factoryOf(ctx, params);
    const run = await ctx.runs.get(f.id, params.runId!);
    if (!run) throw notFound(`Pipeline run '${params.runId}' was not found in factory '${f.name}'.`, 'PipelineRunNotFound');
    // isRecursive: its ExecutePipeline children too; without, they go on (ADF)
    if (run.orchestrated) await ctx.orchestration!.cancel(run.run_id, /^true$/i.test(query.get('isRecursive') ?? ''));
    else await ctx.jobs.cancel(run.run_id);
    return { status: 200 };
  });
  router.add('POST', `${FACTORY_PATH}/pipelineruns/{runId}/queryActivityruns`, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const run = await ctx.runs.get(f.id, params.runId!);
    if (!run) throw notFound(`Pipeline run '${params.runId}' was not found in factory '${f.name}'.`, 'PipelineRunNotFound');
    const filter = parseRunFilter(await readBody(req, checkRunFilter));
    const rows = (await ctx.runs.activityRuns(run.run_id, filter.lastUpdatedAfter, filter.lastUpdatedBefore)).map((a) => activityRunJson(a, run.pipeline_name));
    return { status: 200, body: applyRunFilter(rows, filter, ACTIVITY_FIELDS) };
  });
}
