/**
 * An expression naming one of Object's own members (`@constructor(1)`, `@__proto__()`) through the whole gateway: a
 * real service, the built `dmgw host` and its worker. The function table has no prototype, so each is an unknown
 * function: the run fails once, naming it, without the activity's retries and without another attempt of the job.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../../src/service/service.js';
import { ensureBuilt, runCli } from '../../support/builtCli.js';
import { armClient, RESOURCE_GROUP, startTestService, tempDir } from '../../support/factoryService.js';
import { until } from '../../support/wait.js';

const F = 'factory-expr';
const GW = 'gw';
/** retries the activity would make if it retried: a retried run takes at least RETRIES × RETRY_SECONDS */
const RETRIES = 3;
const RETRY_SECONDS = 20;
let svc: RunningService;
let arm: DataFactoryManagementClient;
let host: ChildProcess | undefined;
let cli: string;

async function pipelineWith(name: string, query: string): Promise<void> {
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, name, {
    activities: [
      {
        name: 'Copy',
        type: 'Copy',
        policy: { retry: RETRIES, retryIntervalInSeconds: RETRY_SECONDS },
        inputs: [{ referenceName: 'table', type: 'DatasetReference' }],
        outputs: [{ referenceName: 'table', type: 'DatasetReference' }],
        source: { type: 'PostgreSqlSource', query },
        sink: { type: 'PostgreSqlSink' },
      } as never,
    ],
  });
}

beforeAll(async () => {
  cli = ensureBuilt();
  svc = await startTestService({ settings: { leaseSeconds: 10, heartbeatSeconds: 1, pollWaitSeconds: 5 } });
  arm = armClient(svc);
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'db', { properties: { type: 'PostgreSql', connectionString: 'Host=127.0.0.1;Database=test;Username=postgres', connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } as never });
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'table', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'db', type: 'LinkedServiceReference' }, tableName: 'pg_class' } as never });
  const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
  const home = tempDir('dmgw-expr-home');
  const env = { ...process.env, DMGW_HOME: home };
  // not spawnSync: the service runs in this process and must answer the registration
  const r = await runCli(['register', '--key-stdin', '--node-name', 'expr-node'], { env, input: key });
  expect(r.code, r.stderr).toBe(0);
  host = spawn(process.execPath, [cli, 'host'], { env, stdio: 'ignore' });
  await until('the node to be online', async () => (await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties.state === 'Online', 60_000);
}, 120_000);
afterAll(async () => {
  host?.kill('SIGKILL');
  await svc?.close();
});

describe('expression functions through the gateway', () => {
  it.each([
    ['constructor', '@constructor(1)'],
    ['__proto__', "@concat('select ', __proto__())"],
  ])('%s() fails the run once, naming the function, before any activity runs', async (fn, query) => {
    const name = `expr-${fn.replace(/_/g, 'x')}`;
    await pipelineWith(name, query);
    const t0 = Date.now();
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, name);
    const run = await until(
      `run ${runId} to end`,
      async () => {
        const got = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
        return ['Succeeded', 'Failed', 'Cancelled'].includes(got.status!) ? got : undefined;
      },
      (RETRIES * RETRY_SECONDS + 30) * 1000,
      250,
    );
    const took = Date.now() - t0;
    expect(run.status).toBe('Failed');
    expect(run.message).toContain(`unknown function ${fn}()`);
    // one try: an activity retry would have waited RETRY_SECONDS first
    expect(took).toBeLessThan(RETRY_SECONDS * 1000);
    // the worker checks every expression before anything runs (orchestrator): the Copy never starts, so there is
    // no activity run to retry
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts.value.map((a) => [a.activityName, a.status])).toEqual([]);
  });
});
