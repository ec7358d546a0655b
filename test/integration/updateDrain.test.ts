/**
 * A self-update waits for every job its node took, including one that arrives in the long poll that was already in
 * flight when the update began. Real service, a node started with `dmgw start` (the launcher) that trusts a release
 * key, a release signed and published as in agentUpdate.test.ts, ARM `upgrade` through @azure/arm-datafactory, and
 * the channel through a TCP proxy that delays every chunk, so the download and the job's reports are slow. The host
 * used to wait only for the jobs running when it began to drain: the job of the poll in flight started afterwards,
 * was killed when the host switched versions and went back to the queue (the flaky "ARM upgrade: the running job
 * finishes first" test, whose run was InProgress again after the switch).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { managementEnv, tempDir } from '../support/factoryService.js';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const OLD = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const schema = uniqueName('drain');
const work = tempDir('dmgw-drain-release');
let proxy: FaultProxy;
const rig = new GatewayRig({
  factory: 'factory-drain',
  gateway: 'draingw',
  // a long poll that lasts: the update begins while one is in flight
  serviceArgs: ['--lease-seconds', '30', '--heartbeat-seconds', '1', '--poll-seconds', '20'],
  postgresSchema: `${schema}_svc`,
  publicPort: async (port) => (proxy = await startFaultProxy(port)).port,
  registerArgs: ['--trust-release-key', join(work, 'release-public-key.pem')],
  launcher: true,
  hostEnv: { DMGW_UPDATE_PROBATION_SECONDS: '5' },
});
let db: pg.Client;

describe.skipIf(!up)('self-update drains the long poll in flight (launcher, real service, slow channel)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 1000) g; create table ${schema}.dst (id int, t text)`);
    expect(rig.dmgw(['release', 'keygen', '--out', work]).status).toBe(0);
    expect(rig.dmgw(['config', 'set', 'update.schedule', 'off']).status).toBe(0);
    await rig.start();
    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Slow', {
      activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: `SELECT s.id, s.t FROM ${schema}.src s, pg_sleep(8)` }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.dst` } } as never],
    });
  }, 180_000);

  afterAll(async () => {
    proxy?.setPlan({});
    await rig.stop();
    await proxy?.close();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_svc cascade`).catch(() => undefined);
    await db?.end();
  });

  it('a job that arrives after the drain began runs to its end before the host switches versions', async () => {
    const text = readFileSync(rig.cli, 'utf8');
    expect(text.split(JSON.stringify(OLD)).length).toBe(2);
    const file = join(tempDir('dmgw-drain-bundle'), 'cli.js');
    writeFileSync(file, text.replace(JSON.stringify(OLD), JSON.stringify('9.3.0')));
    expect(rig.dmgw(['release', 'sign', file, '--key', join(work, 'release-private-key.pem'), '--version', '9.3.0']).status).toBe(0);
    const published = await rig.dmgwAsync(['service', 'publish-agent', '--bundle', file], undefined, managementEnv(rig.svc));
    expect(published.code, published.stderr).toBe(0);
    const oldPid = rig.state()!.pid;

    // every chunk of the channel waits a little: the job's reports are slow (the download still ends long before the job)
    proxy.setPlan({ delayMs: 5 });
    await rig.arm.integrationRuntimes.upgrade(RESOURCE_GROUP, rig.factory, rig.gateway);
    await until('the host draining', () => rig.state()?.status === 'Upgrading' || undefined, 30_000);
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Slow');

    const now = await until('the host on 9.3.0', () => {
      const s = rig.state() as (ReturnType<GatewayRig['state']> & { version?: string; startedAt?: string }) | undefined;
      return s && s.version === '9.3.0' && s.status === 'Online' && s.pid !== oldPid ? s : undefined;
    }, 120_000);
    proxy.setPlan({});
    const run = await rig.runStatus(runId);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect(new Date(run.runEnd!).getTime()).toBeLessThanOrEqual(new Date(now.startedAt!).getTime());
    const acts = await rig.activityRuns(runId);
    expect(acts.map((a) => [a.activityName, a.status, (a as { gatewayAttempt?: number }).gatewayAttempt])).toEqual([['Copy', 'Succeeded', 1]]);
    expect((await db.query(`select count(*)::int as n from ${schema}.dst`)).rows[0].n).toBe(1000);
    expect(rig.log()).not.toMatch(/killing worker .*the host is stopping/);
  }, 240_000);
});
