// Test Connection through a factory's gateway, by way of the factory service (POST …/testConnectivity, probes):
// the real `dmgw service start` on the real PostgreSQL, a real `dmgw host` with its `dmgw worker --probe`, the real
// PostgreSQL as the store tested, driven by `dmgw test-connection --endpoint` (the CLI through the real ARM client's
// pipeline). Success, a closed port with the driver's own message and no planted secret in any log, a probe served
// while the node's only job slot is busy and jobs are queued behind it, and a gateway with no Online node.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managementEnv, tempDir } from '../../support/factoryService.js';
import { GatewayRig, RESOURCE_GROUP } from '../../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const SECRET = `planted-${uniqueName('secret')}`;

describe.skipIf(!up)('Test Connection through the factory service and a gateway node', () => {
  const rig = new GatewayRig({ factory: 'factory-probe', gateway: 'onprem', postgresSchema: uniqueName('svc_probe'), serviceArgs: ['--heartbeat-seconds', '1', '--poll-seconds', '5'] });
  const dir = tempDir('dmgw-probe-files');
  let env: NodeJS.ProcessEnv;
  const remote = (args: string[]) => rig.dmgwAsync(['test-connection', '--endpoint', rig.svc.url, '--factory', rig.factory, '--resource-group', RESOURCE_GROUP, '--json', ...args], undefined, env);

  beforeAll(async () => {
    await rig.start();
    env = managementEnv(rig.svc);
  }, 120_000);
  afterAll(async () => {
    await rig.stop();
  });

  it('connects through the node and answers with its connector message', async () => {
    const r = await remote(['--linked-service', 'Pg']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ succeeded: true, message: 'connected to Pg (PostgreSql)', errors: [], linkedService: 'Pg', integrationRuntime: 'onprem', nodeName: 'rig-node' });
    // the node ran it, in a worker of its own
    expect(rig.log()).toMatch(/test connection [0-9a-f-]{36} of Pg: connected/);
  });

  it("fails on a closed port with the driver's message, and the planted password is in no log or answer", async () => {
    // an unpublished definition with a plaintext password: the service encrypts it for the gateway before it goes anywhere
    const u = new URL(PG_URL);
    const file = join(dir, 'ClosedPort.json');
    writeFileSync(file, JSON.stringify({ name: 'ClosedPort', properties: { type: 'PostgreSql', connectVia: { referenceName: 'onprem', type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: `Server=127.0.0.1;Port=1;Database=${u.pathname.slice(1)};UID=postgres;Password=${SECRET}` } } }));
    const r = await remote([file]);
    expect(r.code).toBe(1);
    const answer = JSON.parse(r.stdout);
    expect(answer).toMatchObject({ succeeded: false, linkedService: 'ClosedPort', nodeName: 'rig-node' });
    expect(answer.message).toMatch(/^could not connect to ClosedPort \(PostgreSql\): .*ECONNREFUSED 127\.0\.0\.1:1/);
    expect(answer.errors[0].message).toBe(answer.message);
    // nothing was published: the definition was only tested
    await expect(rig.arm.linkedServices.get(RESOURCE_GROUP, rig.factory, 'ClosedPort')).rejects.toMatchObject({ statusCode: 404 });
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      const rows = await db.query(`select payload_sealed, result::text as result from ${rig.o.postgresSchema}.probes`);
      expect(rows.rows.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(rows.rows)).not.toContain(SECRET);
    } finally {
      await db.end();
    }
    for (const text of [r.stdout, r.stderr, rig.log(), rig.svc.stderr.join('\n')]) expect(text).not.toContain(SECRET);
  });

  it('is served ahead of queued jobs while the node’s only job slot is busy', async () => {
    const nodes = await rig.arm.integrationRuntimes.getStatus(RESOURCE_GROUP, rig.factory, 'onprem');
    expect((nodes.properties as { nodes?: unknown[] }).nodes).toHaveLength(1);
    await rig.arm.integrationRuntimeNodes.update(RESOURCE_GROUP, rig.factory, 'onprem', 'rig-node', { concurrentJobsLimit: 1 });
    await rig.tableDataset('Anything', 'public', 'anything');
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Slow', {
      activities: [{ name: 'Sleep', type: 'Lookup', dataset: { referenceName: 'Anything', type: 'DatasetReference' }, source: { type: 'PostgreSqlSource', query: 'SELECT pg_sleep(60) IS NULL AS slept' } } as never],
    });
    const first = await rig.runningRun('Slow');
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) queued.push((await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Slow')).runId);
    const r = await remote(['--linked-service', 'Pg']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ succeeded: true, nodeName: 'rig-node' });
    // ordering: when the answer came, the first job still held the node's one slot and the others had not started
    expect(rig.state()!.runningJobs.map((j) => j.runId)).toEqual([first.runId]);
    // (an orchestrated activity's record reads InProgress from when it is queued: the queue itself tells)
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      const jobs = await db.query<{ status: string }>(`select status from ${rig.o.postgresSchema}.jobs where run_id = any($1::uuid[])`, [queued]);
      expect(jobs.rows.map((j) => j.status)).toEqual(['queued', 'queued', 'queued']);
      const probe = await db.query<{ status: string; leased: boolean }>(`select status, leased_at > (select max(enqueued_at) from ${rig.o.postgresSchema}.jobs) as leased from ${rig.o.postgresSchema}.probes order by enqueued_at desc limit 1`);
      expect(probe.rows[0]).toEqual({ status: 'done', leased: true });
    } finally {
      await db.end();
    }
    for (const runId of [first.runId, ...queued]) await rig.arm.pipelineRuns.cancel(RESOURCE_GROUP, rig.factory, runId);
    await until('the runs cancelled', async () => ((await Promise.all([first.runId, ...queued].map((id) => rig.runStatus(id)))).every((x) => x.status === 'Cancelled') ? true : undefined), 60_000);
  }, 120_000);

  it('says at once that a gateway has no Online node', async () => {
    await rig.arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, rig.factory, 'empty-gw', { properties: { type: 'SelfHosted' } });
    await rig.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Lonely', { properties: { type: 'PostgreSql', connectionString: 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres', connectVia: { referenceName: 'empty-gw', type: 'IntegrationRuntimeReference' } } as never });
    const r = await remote(['--linked-service', 'Lonely']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/integration runtime 'empty-gw' has no Online node — start its host \(dmgw start\) or register a node/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // a definition with a plaintext password says the same (no certificate to encrypt for is not the problem)
    const lonelyFile = join(dir, 'LonelyDraft.json');
    writeFileSync(lonelyFile, JSON.stringify({ name: 'LonelyDraft', properties: { type: 'PostgreSql', connectVia: { referenceName: 'empty-gw', type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: `Server=127.0.0.1;Port=5432;Database=test;UID=postgres;Password=${SECRET}` } } }));
    const draft = await remote([lonelyFile]);
    expect(draft.stderr).toMatch(/integration runtime 'empty-gw' has no Online node/);
    expect(draft.stdout + draft.stderr + rig.svc.stderr.join('\n')).not.toContain(SECRET);
    // and a linked service without connectVia is refused, naming the field
    await rig.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Cloudy', { properties: { type: 'PostgreSql', connectionString: 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres' } as never });
    const c = await remote(['--linked-service', 'Cloudy']);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/linked service 'Cloudy' has no connectVia/);
    // and one naming a gateway the factory does not have
    const ghost = join(dir, 'Ghost.json');
    writeFileSync(ghost, JSON.stringify({ name: 'Ghost', properties: { type: 'PostgreSql', connectVia: { referenceName: 'no-such-gw', type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: 'Server=127.0.0.1;Port=5432;Database=test;UID=postgres' } } }));
    const g = await remote([ghost]);
    expect(g.code).not.toBe(0);
    expect(g.stderr).toMatch(/integration runtime 'no-such-gw' was not found in factory 'factory-probe'/);
  });
});
