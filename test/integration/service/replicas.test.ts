/**
 * Several service replicas on one PostgreSQL store: two `dmgw service start --postgres` processes (sharing --data
 * for the TLS identity, admin token and master key, and a unique schema), behind a TCP load balancer whose address
 * is the --public-url written into keys. The balancer sends the agent to replica A while A lives (failover mode);
 * ARM clients talk to replica B directly, so runs are queued by one replica and leased through the other. A is killed
 * with SIGKILL while its jobs run; the agent goes on through B. Every run must complete exactly once: each run
 * appends its rows tagged with its run id (no preCopyScript), so a job executed twice would leave its rows twice.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../../support/builtCli.js';
import { defineAppendFactory } from '../../support/appendFactory.js';
import { armClient, CLI, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../../support/factoryService.js';
import { freePort, PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { startTcpBalancer, type TcpBalancer } from '../../support/tcpBalancer.js';

const up = await requireServer('PostgreSQL', 5432);
const F = 'replicas';
const GW = 'onprem';
const ROWS = 5000;
const storeSchema = uniqueName('svc_store');
const dataSchema = uniqueName('svc_data');
const SETTINGS = ['--lease-seconds', '3', '--heartbeat-seconds', '1', '--poll-seconds', '5'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: pg.Client;
let lb: TcpBalancer;
const replicas: ServiceProcess[] = [];
let arm: DataFactoryManagementClient;
let host: ChildProcess | undefined;
const home = tempDir('dmgw-replicas-node');
const hostState = () => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { status: string; runningJobs: Array<{ runId: string }> };
  } catch {
    return undefined;
  }
};
async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    // a replica going away breaks calls in flight; the next try goes through the balancer to the other one
    const v = await Promise.resolve().then(fn).catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const finalRun = (runId: string) =>
  until(`run ${runId} to end`, async () => {
    const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    return ['Succeeded', 'Failed', 'Cancelled'].includes(r.status!) ? r : undefined;
  }, 120_000);

describe.skipIf(!up)('service replicas sharing one PostgreSQL store', () => {
  beforeAll(async () => {
    ensureBuilt();
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${dataSchema}; create table ${dataSchema}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g; create table ${dataSchema}.dst (id int, t text, run_id text)`);
    const ports = [await freePort(), await freePort()];
    lb = await startTcpBalancer(ports, 'failover');
    const data = tempDir('dmgw-replicas-svc');
    const args = (port: number) => ['--port', String(port), '--data', data, '--postgres', PG_URL, '--schema', storeSchema, '--public-url', `https://127.0.0.1:${lb.port}`, ...SETTINGS];
    // the first makes the shared TLS identity, token and master key; the second finds them
    replicas.push(await spawnService(args(ports[0]!)));
    replicas.push(await spawnService(args(ports[1]!)));
    expect(replicas[1]!.fingerprint).toBe(replicas[0]!.fingerprint);
    arm = armClient(replicas[1]!);

    await defineAppendFactory(arm, { factory: F, gateway: GW, schema: dataSchema, sleepSeconds: 2 });

    const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
    const reg = await runCli(['register', '--key-stdin', '--node-name', 'node-1'], { env: { ...process.env, DMGW_HOME: home }, input: key });
    expect(reg.code, reg.stderr).toBe(0);
    host = spawn(process.execPath, [CLI, 'host'], { env: { ...process.env, DMGW_HOME: home }, stdio: 'ignore' });
    await until('the node online', () => hostState()?.status === 'Online' || undefined);
  }, 180_000);

  afterAll(async () => {
    host?.kill('SIGKILL');
    for (const r of replicas) await r.stop('SIGKILL');
    await lb?.close();
    await db?.query(`drop schema if exists ${dataSchema} cascade; drop schema if exists ${storeSchema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('runs queued by replica B are leased to the node polling replica A', async () => {
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Append');
    expect((await finalRun(runId)).status).toBe('Succeeded');
    const [a, b] = [...lb.served.values()];
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(0);
    await db.query(`delete from ${dataSchema}.dst`);
  });

  it('kill -9 of replica A while its jobs run: the node goes on through B, every run completes exactly once', async () => {
    const runIds: string[] = [];
    for (let i = 0; i < 6; i++) runIds.push((await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Append')).runId);
    await until('jobs running on the node', () => (hostState()?.runningJobs.length ?? 0) > 0 || undefined);
    await replicas[0]!.stop('SIGKILL');

    const runs = await Promise.all(runIds.map(finalRun));
    expect(runs.map((r) => [r.status, r.message])).toEqual(runIds.map(() => ['Succeeded', '']));
    const late = (await until('a run created after the kill', () => arm.pipelines.createRun(RESOURCE_GROUP, F, 'Append'))).runId;
    expect((await finalRun(late)).status).toBe('Succeeded');
    runIds.push(late);

    const { rows } = await db.query<{ run_id: string; n: number; ids: number; sum: string }>(`select run_id, count(*)::int as n, count(distinct id)::int as ids, md5(string_agg(id || ':' || t, ',' order by id)) as sum from ${dataSchema}.dst group by run_id order by run_id`);
    const source = (await db.query<{ sum: string }>(`select md5(string_agg(id || ':' || t, ',' order by id)) as sum from ${dataSchema}.src`)).rows[0]!.sum;
    expect(rows.map((r) => r.run_id)).toEqual([...runIds].sort());
    for (const r of rows) expect([r.n, r.ids, r.sum]).toEqual([ROWS, ROWS, source]);
    const jobs = await db.query<{ n: number }>(`select count(*)::int as n from ${storeSchema}.jobs where status <> 'done'`);
    expect(jobs.rows[0]!.n).toBe(0);
    // the node did move over: it connected to B only after A died
    expect([...lb.served.values()][1]).toBeGreaterThan(0);
  }, 240_000);
});
