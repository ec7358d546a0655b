/**
 * The whole gateway with real processes: `dmgw service start`, two `dmgw host` processes with their own gateway
 * homes, `dmgw worker` children, a real PostgreSQL as source and sink. Pipeline runs go through the queue and the
 * sink must equal the source (count + checksum) exactly once, through kill -9 of a worker, of a host and of the
 * service. Needs the built CLI (`node scripts/build.mjs`, which `npm test` runs first).
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { armClient, CLI, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../../support/factoryService.js';
import { sleep, until as waitUntil } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const F = 'factory-e2e';
const GW = 'onprem';
const schema = uniqueName('e2e');
const SERVICE_ARGS = ['--lease-seconds', '3', '--heartbeat-seconds', '1', '--poll-seconds', '5'];

let svc: ServiceProcess;
let svcArgs: string[];
let arm: DataFactoryManagementClient;
let db: pg.Client;
const homes = { a: tempDir('dmgw-node-a'), b: tempDir('dmgw-node-b') };
const hosts: Record<'a' | 'b', ChildProcess | undefined> = { a: undefined, b: undefined };

const env = (home: string) => ({ ...process.env, DMGW_HOME: home });
const dmgw = (home: string, args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { env: env(home), input, encoding: 'utf8', timeout: 60_000 });
const state = (home: string) => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { pid: number; status: string; runningJobs: Array<{ runId: string; workerPid?: number }> };
  } catch {
    return undefined;
  }
};
function startHost(node: 'a' | 'b'): void {
  hosts[node] = spawn(process.execPath, [CLI, 'host'], { env: env(homes[node]), stdio: 'ignore' });
}
/** support/wait.ts#until with this suite's 30 s default */
const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> => waitUntil(what, fn, ms);
async function finalRun(runId: string) {
  return until(`run ${runId} to end`, async () => {
    const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    return ['Succeeded', 'Failed', 'Cancelled'].includes(r.status!) ? r : undefined;
  }, 90_000);
}
async function fingerprint(table: string): Promise<{ n: number; sum: string }> {
  const r = await db.query(`select count(*)::int as n, coalesce(md5(string_agg(id || ':' || t, ',' order by id)), '') as sum from ${schema}.${table}`);
  return r.rows[0] as { n: number; sum: string };
}
async function pipeline(name: string, source: string, sinkTable: string, sleepSeconds = 0) {
  await db.query(`create table if not exists ${schema}.${sinkTable} (id int, t text)`);
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, `${name}Dst`, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table: sinkTable } as never });
  const query = `SELECT s.id, s.t FROM ${schema}.${source} s${sleepSeconds ? `, pg_sleep(${sleepSeconds})` : ''}`;
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, name, {
    activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: `${name}Dst`, type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.${sinkTable}` } } as never],
  });
}
/** Starts a run and waits until a worker runs it; returns the run and the node and worker that have it. */
async function runningRun(pipelineName: string) {
  const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, pipelineName);
  return until('a worker to start the run', () => {
    for (const node of ['a', 'b'] as const) {
      const j = state(homes[node])?.runningJobs.find((x) => x.runId === runId && x.workerPid);
      if (j) return { runId, node, workerPid: j.workerPid! };
    }
    return undefined;
  });
}

describe.skipIf(!up)('gateway end to end (service + two hosts + workers, real PostgreSQL)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 20000) g`);
    svcArgs = ['--port', String(await freePort()), '--data', tempDir('dmgw-e2e-svc'), ...SERVICE_ARGS];
    svc = await spawnService(svcArgs);
    arm = armClient(svc);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    const u = new URL(PG_URL);
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Pg', { properties: { type: 'PostgreSql', connectionString: `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${u.username}`, connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } as never });
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'Src', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table: 'src' } as never });
    const keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW);
    for (const [node, key] of [['a', keys.authKey1!], ['b', keys.authKey2!]] as const) {
      const r = dmgw(homes[node], ['register', '--key-stdin', '--node-name', `node-${node}`], key);
      expect(r.status, r.stderr).toBe(0);
      startHost(node);
    }
    await until('both hosts online', () => ['a', 'b'].every((n) => state(homes[n as 'a' | 'b'])?.status === 'Online') || undefined);
  }, 120_000);

  afterAll(async () => {
    for (const h of Object.values(hosts)) h?.kill('SIGKILL');
    await svc?.stop('SIGKILL');
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('a run goes through the queue to a node and completes; the sink equals the source', async () => {
    await pipeline('Copy', 'src', 'dst');
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Copy');
    const run = await finalRun(runId);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect(await fingerprint('dst')).toEqual(await fingerprint('src'));
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts.value.map((a) => [a.activityName, a.status, (a.output as { rowsCopied?: number }).rowsCopied])).toEqual([['Copy', 'Succeeded', 20000]]);
  });

  it('a control-flow pipeline (Lookup → ForEach → Copy): the service orchestrates it, each data activity a job of its own', async () => {
    await db.query(`create table ${schema}.fan_dst (id int, t text)`);
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'FanDst', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table: 'fan_dst' } as never });
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'Fan', {
      activities: [
        { name: 'Slices', type: 'Lookup', dataset: { referenceName: 'Src', type: 'DatasetReference' }, source: { type: 'PostgreSqlSource', query: 'SELECT n FROM generate_series(0, 2) n' }, firstRowOnly: false } as never,
        {
          name: 'EachSlice',
          type: 'ForEach',
          dependsOn: [{ activity: 'Slices', dependencyConditions: ['Succeeded'] }],
          items: { value: "@activity('Slices').output.value", type: 'Expression' },
          batchCount: 2,
          activities: [{ name: 'CopySlice', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'FanDst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${schema}.src WHERE id % 3 = @{item().n}` }, sink: { type: 'PostgreSqlSink' } }],
        } as never,
      ],
    });
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Fan');
    const run = await finalRun(runId);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect(await fingerprint('fan_dst')).toEqual(await fingerprint('src'));
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    // one record per activity run: each ForEach iteration's copy has its own
    expect(acts.value.map((a) => [a.activityName, a.status]).sort()).toEqual([['CopySlice', 'Succeeded'], ['CopySlice', 'Succeeded'], ['CopySlice', 'Succeeded'], ['EachSlice', 'Succeeded'], ['Slices', 'Succeeded']]);
  });

  it('spreads jobs over both nodes and never runs more than a node\'s concurrentJobsLimit at once', async () => {
    for (const n of ['node-a', 'node-b']) await arm.integrationRuntimeNodes.update(RESOURCE_GROUP, F, GW, n, { concurrentJobsLimit: 2 });
    await pipeline('Slow', 'src', 'slow_dst', 1);
    const runIds = await Promise.all(Array.from({ length: 8 }, async () => (await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Slow')).runId));
    const seen = { a: new Set<string>(), b: new Set<string>() };
    const most = { a: 0, b: 0 };
    let done = false;
    const ended = Promise.all(runIds.map(finalRun)).finally(() => (done = true));
    while (!done) {
      for (const n of ['a', 'b'] as const) {
        const jobs = state(homes[n])?.runningJobs ?? [];
        most[n] = Math.max(most[n], jobs.length);
        for (const j of jobs) seen[n].add(j.runId);
      }
      await sleep(50);
    }
    expect((await ended).map((r) => r.status)).toEqual(Array(8).fill('Succeeded'));
    expect(most.a).toBeLessThanOrEqual(2);
    expect(most.b).toBeLessThanOrEqual(2);
    expect(seen.a.size).toBeGreaterThan(0);
    expect(seen.b.size).toBeGreaterThan(0);
  });

  it('kill -9 of a worker: the host releases the job, it runs again and the run completes once', async () => {
    await pipeline('KillWorker', 'src', 'kw_dst', 2);
    const { runId, workerPid } = await runningRun('KillWorker');
    process.kill(workerPid, 'SIGKILL');
    const run = await finalRun(runId);
    expect(run.status).toBe('Succeeded');
    expect(await fingerprint('kw_dst')).toEqual(await fingerprint('src'));
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    // the activity's job was delivered twice: the killed worker's attempt, then the one that finished
    expect((acts.value[0] as { gatewayAttempt?: number }).gatewayAttempt).toBe(2);
  });

  it('kill -9 of a host mid-job: its worker leaves, the lease expires, another node finishes the run once', async () => {
    await pipeline('KillHost', 'src', 'kh_dst', 2);
    const { runId, node, workerPid } = await runningRun('KillHost');
    hosts[node]!.kill('SIGKILL');
    await until('the orphaned worker to leave', () => { try { process.kill(workerPid, 0); return undefined; } catch { return true; } });
    const run = await finalRun(runId);
    expect(run.status).toBe('Succeeded');
    expect(await fingerprint('kh_dst')).toEqual(await fingerprint('src'));
    startHost(node);
    await until('the restarted host online', () => (state(homes[node])?.status === 'Online' && state(homes[node])?.pid === hosts[node]!.pid) || undefined);
  });

  it('kill -9 of the service mid-job: after its restart the run completes once', async () => {
    await pipeline('KillService', 'src', 'ks_dst', 3);
    const { runId } = await runningRun('KillService');
    await svc.stop('SIGKILL');
    await sleep(1000);
    svc = await spawnService(svcArgs);
    arm = armClient(svc);
    const run = await finalRun(runId);
    expect(run.status).toBe('Succeeded');
    expect(await fingerprint('ks_dst')).toEqual(await fingerprint('src'));
  });

  it('the hosts listen on no TCP port', () => {
    const listening = new Set<string>();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[3] === '0A') listening.add(cols[9]!);
      }
    }
    for (const n of ['a', 'b'] as const) {
      const pid = hosts[n]!.pid!;
      const sockets = readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } }).filter((l) => l.startsWith('socket:['));
      expect(sockets.length).toBeGreaterThan(0); // it does talk to the service
      expect(sockets.filter((s) => listening.has(s.slice(8, -1)))).toEqual([]);
    }
    // and the check can fail: the service's own process does listen
    const svcSockets = readdirSync(`/proc/${svc.child.pid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${svc.child.pid}/fd/${fd}`); } catch { return ''; } });
    expect(svcSockets.some((s) => listening.has(s.slice(8, -1)))).toBe(true);
  });

  it('regenerating a key stops the node registered with it within one poll; the other node keeps working', async () => {
    await arm.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, F, GW, { keyName: 'authKey1' });
    await until('node a to show NeedRegistration', () => state(homes.a)?.status === 'NeedRegistration' || undefined, 10_000);
    const st = JSON.parse(dmgw(homes.a, ['status', '--json']).stdout) as { status: string; host: { running: boolean } };
    expect(st).toMatchObject({ status: 'NeedRegistration', host: { running: true } });
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Copy');
    expect((await finalRun(runId)).status).toBe('Succeeded');
    expect(state(homes.a)?.status).toBe('NeedRegistration');
    const nodes = Object.fromEntries(((await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties as { nodes: Array<{ nodeName: string; status: string }> }).nodes.map((n) => [n.nodeName, n.status]));
    expect(nodes).toEqual({ 'node-a': 'NeedRegistration', 'node-b': 'Online' });
  });
});
