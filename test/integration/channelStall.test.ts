/**
 * A lease report stuck on a dead channel connection is abandoned and sent again on a new one while the lease holds.
 * Real service (8 s lease), real node and host, a worker copying PostgreSQL → PostgreSQL whose source sleeps 12 s in
 * the middle (the worker keeps reporting progress every second, so the host keeps sending events, which renew the
 * lease). The channel goes through a fault proxy at the service's --public-url; mid-copy it turns every connection
 * open then, and every one opened in the next 1.5 s, into a dead path (open, no byte ever passes, no reset). The events
 * call in flight then used to wait out the dispatcher's 70 s timeout (made for the long poll) and, while it did, the
 * host renewed nothing: the lease expired and the job went to attempt 2 (docs/RELIABILITY.md). Now a report gives up
 * after a quarter of the lease (2 s) and is sent again on a connection of its own: the job ends on attempt 1.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armClient } from '../support/factoryService.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('chstall');
let proxy: FaultProxy;
const rig = new GatewayRig({
  factory: 'factory-chstall',
  gateway: 'chstallgw',
  serviceArgs: ['--lease-seconds', '8', '--poll-seconds', '2'],
  publicPort: async (port) => (proxy = await startFaultProxy(port)).port,
});
let db: pg.Client;
const ROWS = 2000;

describe.skipIf(!up)('a lease report on a dead channel connection (real service, host, worker, PostgreSQL)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema};
      create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g;
      create table ${schema}.dst (id int, t text);
      create function ${schema}.slow(i int) returns boolean language plpgsql as $$ begin if i = 1000 then perform pg_sleep(12); end if; return true; end $$`);
    await rig.start();
    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Slow', {
      activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${schema}.src WHERE ${schema}.slow(id)` }, sink: { type: 'PostgreSqlSink' } }] as never,
    });
  }, 180_000);

  afterAll(async () => {
    await rig.stop();
    await proxy?.close();
    await db?.query(`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query like '%${schema}.slow%'`).catch(() => undefined);
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('the stuck report is abandoned after 2 s and sent again on a new connection: the job ends on attempt 1', async () => {
    const { runId } = await rig.runningRun('Slow');
    await until('the source sleeping mid-copy', async () => (await db.query(`select 1 from pg_stat_activity where wait_event = 'PgSleep' and query like '%${schema}.slow%'`)).rowCount || undefined, 60_000);
    // the worker reports progress every second: an events call goes out within any 1.5 s
    expect(proxy.blackhole(1500)).toBeGreaterThan(0);
    // this test's own ARM client goes through the proxy too: its idle connection is dead now; a new client (new
    // connections) once the window has passed
    await new Promise((r) => setTimeout(r, 1600));
    rig.arm = armClient(rig.svc);
    const run = await rig.finalRun(runId, 180_000);
    expect(proxy.blackholed).toBeGreaterThan(0);
    const acts = await rig.activityRuns(runId);
    expect(acts.map((a) => [a.activityName, a.status, (a as { gatewayAttempt?: number }).gatewayAttempt])).toEqual([['Copy', 'Succeeded', 1]]);
    expect(run.status).toBe('Succeeded');
    expect((await db.query(`select count(*)::int as n from ${schema}.dst`)).rows[0].n).toBe(ROWS);
    const log = rig.log();
    // logged once for the streak, with why, and once when reports go through again
    const failed = log.match(/job \S+: cannot (send \d+ event\(s\)|renew the lease) \(cannot reach \S+: no answer within 2 s \(a stalled or dead connection\)\); retrying every 0\.5 s on a new connection while the lease holds/g) ?? [];
    expect(failed).toHaveLength(1);
    expect(log).toMatch(/job \S+: reports reach the service again \(.*\) after \d+ failed tr(y|ies)/);
    expect(log).not.toMatch(/the lease was lost/);
  }, 240_000);
});
