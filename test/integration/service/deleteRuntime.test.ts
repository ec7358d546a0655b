/**
 * Deleting an integration runtime or a factory while runs are queued and running, through the real
 * @azure/arm-datafactory client: the runs end Failed saying why (they stayed Queued/InProgress forever), the node
 * holding a lease loses its registration and its host kills the worker, and no job row is left pointing at a
 * gateway that is gone. Real service on PostgreSQL (so the test can read its store), a real node and host, workers
 * copying from the real PostgreSQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restError } from '../../support/factoryService.js';
import { alive, GatewayRig, RESOURCE_GROUP } from '../../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('del');
const store = `${schema}_svc`;
const rig = new GatewayRig({ factory: 'factory-del', gateway: 'delgw', postgresSchema: store, serviceArgs: ['--lease-seconds', '10', '--heartbeat-seconds', '1', '--poll-seconds', '2'] });
let db: pg.Client;

/** The factory's IR and Pg linked service, a Slow pipeline (30 s), the node registered again and limited to one job. */
async function prepare(factory: string): Promise<void> {
  const { arm } = rig;
  await arm.factories.createOrUpdate(RESOURCE_GROUP, factory, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, factory, rig.gateway, { properties: { type: 'SelfHosted' } });
  const u = new URL(PG_URL);
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, factory, 'Pg', { properties: { type: 'PostgreSql', connectionString: `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${u.username}`, connectVia: { referenceName: rig.gateway, type: 'IntegrationRuntimeReference' } } as never });
  for (const [name, table] of [['Src', 'src'], ['Dst', 'dst']] as const) {
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, factory, name, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table } as never });
  }
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, factory, 'Slow', {
    activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: `SELECT s.id, s.t FROM ${schema}.src s, pg_sleep(30)` }, sink: { type: 'PostgreSqlSink', preCopyScript: 'SELECT 1' } } as never],
  });
}

/** One run running on the node (its worker) and one queued behind it. */
async function runningAndQueued(factory: string): Promise<{ running: string; queued: string; workerPid: number }> {
  const keys = await rig.arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, factory, rig.gateway);
  const r = await rig.dmgwAsync(['register', '--key-stdin', '--node-name', 'del-node'], keys.authKey1);
  expect(r.code, r.stderr).toBe(0);
  await until('the host online', () => rig.state()?.status === 'Online' || undefined, 30_000);
  await rig.arm.integrationRuntimeNodes.update(RESOURCE_GROUP, factory, rig.gateway, 'del-node', { concurrentJobsLimit: 1 });
  await until('the node limited to one job', () => (rig.state() as { concurrentJobsLimit?: number } | undefined)?.concurrentJobsLimit === 1 || undefined, 30_000);
  const { runId: running } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, factory, 'Slow');
  const job = await until('the first run on a worker', () => rig.state()?.runningJobs.find((j) => j.runId === running && j.workerPid), 60_000);
  const { runId: queued } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, factory, 'Slow');
  await new Promise((r) => setTimeout(r, 1500));
  // the run is under way (the service orchestrates it); its copy waits in the queue
  expect((await rig.arm.pipelineRuns.get(RESOURCE_GROUP, factory, queued)).status).toBe('InProgress');
  return { running, queued, workerPid: job.workerPid! };
}

describe.skipIf(!up)('deleting an integration runtime or a factory with runs queued and running', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 100) g; create table ${schema}.dst (id int, t text)`);
    await rig.startService();
    await prepare(rig.factory);
    await rig.register('del-node');
    await rig.startHost();
  }, 120_000);

  afterAll(async () => {
    await rig.stop();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${store} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('deleting the integration runtime fails its queued and running runs, and the node kills the worker', async () => {
    const { running, queued, workerPid } = await runningAndQueued(rig.factory);
    await rig.arm.integrationRuntimes.delete(RESOURCE_GROUP, rig.factory, rig.gateway);
    const a = await rig.finalRun(running, 20_000);
    const b = await rig.finalRun(queued, 20_000);
    expect([a.status, a.message]).toEqual(['Failed', `activity Copy failed: integration runtime ${rig.gateway} was deleted while this activity was queued or running`]);
    expect([b.status, b.message]).toEqual(['Failed', `activity Copy failed: integration runtime ${rig.gateway} was deleted while this activity was queued or running`]);
    await until('the worker killed', () => !alive(workerPid) || undefined, 15_000);
    await until('the node in NeedRegistration', () => rig.state()?.status === 'NeedRegistration' || undefined, 15_000);
    // whichever the host learns first: its job was failed with the runtime (the lease check) or its node was removed
    expect(rig.log()).toMatch(new RegExp(`killing worker ${workerPid}: (this node is no longer registered|the lease was lost)`));
    // what the killed worker had staged is removed by its host at once (killedWorker.test.ts has the other stores)
    await until('its staging table dropped', async () => (await db.query(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like 'dmgw\\_stage\\_%'`, [schema])).rows[0].n === 0 || undefined, 30_000);
    expect(rig.log()).toMatch(/removed staging table /);
    // nothing left that points at the gateway, and the database would refuse such a row
    expect((await db.query(`select count(*)::int as n from ${store}.jobs j where not exists (select 1 from ${store}.gateways g where g.id = j.gateway_id)`)).rows[0].n).toBe(0);
    const fk = await db.query(`select conname from pg_constraint where conrelid = '${store}.jobs'::regclass and contype = 'f' and pg_get_constraintdef(oid) like '%gateways%'`);
    expect(fk.rows).toHaveLength(1);
    expect((await restError(rig.arm.integrationRuntimes.get(RESOURCE_GROUP, rig.factory, rig.gateway))).statusCode).toBe(404);
  });

  it('deleting the factory removes its runs and resources; the node holding a lease kills its worker', async () => {
    const factory = 'factory-del-2';
    await prepare(factory);
    const { running, workerPid } = await runningAndQueued(factory);
    await rig.arm.factories.delete(RESOURCE_GROUP, factory);
    await until('the worker killed', () => !alive(workerPid) || undefined, 15_000);
    expect((await restError(rig.arm.pipelineRuns.get(RESOURCE_GROUP, factory, running))).statusCode).toBe(404);
    await until('the node in NeedRegistration', () => rig.state()?.status === 'NeedRegistration' || undefined, 15_000);
    const left = await db.query(`select (select count(*) from ${store}.runs where factory_id like '%factory-del-2')::int as runs, (select count(*) from ${store}.jobs j where not exists (select 1 from ${store}.gateways g where g.id = j.gateway_id))::int as orphans, (select count(*) from ${store}.resources where factory_id like '%factory-del-2')::int as resources, (select count(*) from ${store}.gateways where factory_id like '%factory-del-2')::int as gateways`);
    expect(left.rows[0]).toEqual({ runs: 0, orphans: 0, resources: 0, gateways: 0 });
  });

  it('a store from before the foreign key: a queued job of a gateway deleted then fails once, at the next start', async () => {
    const factory = (await db.query(`select id from ${store}.factories where name = $1`, [rig.factory])).rows[0].id as string;
    await db.query(`alter table ${store}.jobs drop constraint jobs_gateway_fk; alter table ${store}.runs drop constraint runs_gateway_fk; drop table ${store}.store_migration`); // as a store from before the keys (and the migration fingerprint) was
    const runId = '00000000-0000-4000-8000-000000000001';
    const lostGateway = '00000000-0000-4000-8000-0000000000aa';
    await db.query(`insert into ${store}.runs (run_id, factory_id, pipeline_name, parameters, status, gateway_id) values ($1, $2, 'Slow', '{}', 'Queued', $3)`, [runId, factory, lostGateway]);
    await db.query(`insert into ${store}.jobs (id, run_id, gateway_id, status, payload_sealed, max_attempts) values (gen_random_uuid(), $1, $2, 'queued', 'v1.x', 3)`, [runId, lostGateway]);
    await rig.svc.stop();
    await rig.restartService();
    const run = await rig.runStatus(runId);
    expect([run.status, run.message]).toEqual(['Failed', 'its integration runtime was deleted before this run ended']);
    const left = await db.query(`select (select count(*) from ${store}.jobs where run_id = $1)::int as jobs, (select gateway_id from ${store}.runs where run_id = $1) as gateway, (select count(*) from pg_constraint where conrelid in ('${store}.jobs'::regclass, '${store}.runs'::regclass) and conname like '%gateway_fk')::int as keys`, [runId]);
    expect(left.rows[0]).toEqual({ jobs: 0, gateway: null, keys: 2 });
  });
});
