/**
 * A rolling restart of two service replicas under a steady stream of runs, on the real PostgreSQL: both replicas share
 * one store (a unique schema) and one --data folder, behind a round-robin TCP balancer that is both the address in the
 * gateway key and the ARM endpoint the submitter uses. Two nodes run the jobs. While runs are created every 300 ms,
 * replica A is stopped (SIGTERM, as an orchestrator does) and started again, then replica B. Every run appends its rows
 * tagged with its run id, so a run executed twice would leave its rows twice. Checked from the store and the target
 * table, not from what the client was told: every run the store holds (answered to the client or not) Succeeded, each
 * job leased exactly once, and each run's rows are in the table exactly once.
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
import { until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const F = 'rolling-restart';
const GW = 'onprem';
const ROWS = 300;
const storeSchema = uniqueName('rr_store');
const dataSchema = uniqueName('rr_data');
const SETTINGS = ['--lease-seconds', '6', '--heartbeat-seconds', '1', '--poll-seconds', '5'];

let db: pg.Client;
let lb: TcpBalancer;
let arm: DataFactoryManagementClient;
const replicas: ServiceProcess[] = [];
const replicaArgs: string[][] = [];
const hosts: ChildProcess[] = [];
const homes = [tempDir('dmgw-rr-node1'), tempDir('dmgw-rr-node2')];
const online = (home: string) => {
  try {
    return (JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { status: string }).status === 'Online';
  } catch {
    return false;
  }
};
const NETWORK = /ECONNREFUSED|ECONNRESET|socket hang up|EPIPE|other side closed|REQUEST_SEND_ERROR/;

/** createRun through the balancer; a connection that breaks before an answer is tried again (the store decides what ran). */
async function createRun(): Promise<{ runId?: string; retries: number }> {
  for (let retries = 0; retries < 30; retries++) {
    try {
      return { runId: (await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Append')).runId, retries };
    } catch (e) {
      if (!NETWORK.test(`${(e as { code?: string }).code ?? ''} ${(e as Error).message}`)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { retries: 30 };
}

describe.skipIf(!up)('rolling restart of two service replicas under a stream of runs', () => {
  beforeAll(async () => {
    ensureBuilt();
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${dataSchema}; create table ${dataSchema}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g; create table ${dataSchema}.dst (id int, t text, run_id text)`);
    const ports = [await freePort(), await freePort()];
    lb = await startTcpBalancer(ports, 'round-robin');
    const data = tempDir('dmgw-rr-svc');
    for (const port of ports) replicaArgs.push(['--port', String(port), '--data', data, '--postgres', PG_URL, '--schema', storeSchema, '--public-url', `https://127.0.0.1:${lb.port}`, ...SETTINGS]);
    replicas.push(await spawnService(replicaArgs[0]!));
    replicas.push(await spawnService(replicaArgs[1]!));
    arm = armClient({ url: `https://127.0.0.1:${lb.port}`, caCertFile: replicas[0]!.caCertFile, adminTokenFile: replicas[0]!.adminTokenFile });
    await defineAppendFactory(arm, { factory: F, gateway: GW, schema: dataSchema, sleepSeconds: 1 });
    const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
    for (const [i, home] of homes.entries()) {
      const reg = await runCli(['register', '--key-stdin', '--node-name', `node-${i + 1}`], { env: { ...process.env, DMGW_HOME: home }, input: key });
      expect(reg.code, reg.stderr).toBe(0);
      hosts.push(spawn(process.execPath, [CLI, 'host'], { env: { ...process.env, DMGW_HOME: home }, stdio: 'ignore' }));
    }
    await until('both nodes online', () => homes.every(online) || undefined, 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const h of hosts) h.kill('SIGKILL');
    for (const r of replicas) await r.stop('SIGKILL');
    await lb?.close();
    await db?.query(`drop schema if exists ${dataSchema} cascade; drop schema if exists ${storeSchema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('loses no run and runs none twice while A, then B, is stopped and started again', async () => {
    const known: string[] = [];
    let retried = 0;
    let submitting = true;
    const submitter = (async () => {
      while (submitting) {
        const r = await createRun();
        if (r.runId) known.push(r.runId);
        retried += r.retries;
        await new Promise((res) => setTimeout(res, 300));
      }
    })();
    const restart = async (i: number) => {
      await new Promise((r) => setTimeout(r, 4000));
      const code = await replicas[i]!.stop('SIGTERM');
      expect(code).toBe(0);
      await new Promise((r) => setTimeout(r, 1500));
      replicas[i] = await spawnService(replicaArgs[i]!);
    };
    await restart(0);
    await restart(1);
    await new Promise((r) => setTimeout(r, 4000));
    submitting = false;
    await submitter;
    expect(known.length).toBeGreaterThan(20);

    // every run the store holds ends Succeeded — including any whose createRun answer was lost on the way
    const runs = await until('every run to end', async () => {
      const r = await db.query<{ run_id: string; status: string; message: string }>(`select run_id, status, message from ${storeSchema}.runs`);
      return r.rows.every((x) => ['Succeeded', 'Failed', 'Cancelled'].includes(x.status)) ? r.rows : undefined;
    }, 180_000, 500);
    expect(runs.filter((r) => r.status !== 'Succeeded')).toEqual([]);
    expect(new Set(runs.map((r) => r.run_id))).toEqual(new Set([...known, ...runs.map((r) => r.run_id)]));
    expect(known.every((id) => runs.some((r) => r.run_id === id))).toBe(true);
    // each job was leased once: no lease expired, no job given to a second node
    const attempts = await db.query<{ attempt: number; n: number }>(`select attempt, count(*)::int as n from ${storeSchema}.jobs group by attempt`);
    expect(attempts.rows).toEqual([{ attempt: 1, n: runs.length }]);
    // and its rows are in the table exactly once
    const rows = await db.query<{ run_id: string; n: number; ids: number }>(`select run_id, count(*)::int as n, count(distinct id)::int as ids from ${dataSchema}.dst group by run_id`);
    expect(rows.rows.map((r) => r.run_id).sort()).toEqual(runs.map((r) => r.run_id).sort());
    for (const r of rows.rows) expect([r.n, r.ids]).toEqual([ROWS, ROWS]);
    // both replicas served through the restarts (each was reached after the other's stop)
    expect([...lb.served.values()].every((n) => n > 0)).toBe(true);
    console.log(`rolling restart: ${runs.length} runs, ${retried} createRun retries after a broken connection`);
  }, 360_000);
});
