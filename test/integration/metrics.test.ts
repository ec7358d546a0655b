/**
 * Metrics end to end: a real service (`dmgw service start`), a node registered with `dmgw register` and its host
 * (`dmgw host`, `metrics.port` set) copying a real PostgreSQL table. Both /metrics endpoints are scraped while the copy
 * runs and after it, and every scrape is parsed strictly (test/support/prometheus.ts). The values asserted are ones
 * that crossed the wire or sit on disk: the rows in the target table, the activity's output through ARM, the error code
 * ARM reports, the node's limit set through ARM. The service's endpoint takes its scrape token only, never the admin
 * token (the attack). Also: the default concurrentJobsLimit from cores and memory, and ARM nodes update changing it.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { family, holds, parseExposition, sample, value, type Family } from '../support/prometheus.js';
import { scrapeHost, serviceGet } from '../support/scrape.js';
import { freePort, PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const ROWS = 30_000;
const schema = uniqueName('metrics');
const rig = new GatewayRig({ factory: 'metrics', gateway: 'metrics-gw', serviceArgs: ['--heartbeat-seconds', '1', '--poll-seconds', '5'] });
let db: pg.Client;
let hostPort: number;

const host = async (): Promise<Family[]> => {
  const r = await scrapeHost(hostPort);
  expect(r.status).toBe(200);
  expect(r.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(r.text);
};
const scrapeToken = () => readFileSync(join(rig.svc.dataDir, 'metrics-token'), 'utf8').trim();
const service = async (token = scrapeToken()): Promise<Family[]> => {
  const r = await serviceGet(rig.svc.url, rig.svc.caCertFile, '/metrics', token);
  expect(r.status, r.text).toBe(200);
  return parseExposition(r.text);
};
const gw = { factory: 'metrics', gateway: 'metrics-gw' };
const node = { ...gw, node: 'rig-node' };

describe.skipIf(!up)('metrics on the host and the service', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, ${ROWS}) g; create table ${schema}.dst (id int, t text)`);
    hostPort = await freePort();
    const set = rig.dmgw(['config', 'set', 'metrics.port', String(hostPort)]);
    expect(set.status, set.stderr).toBe(0);
    await rig.start();
    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    const copy = (query: string) => ({ activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.dst` } } as never] });
    // pg_sleep in the FROM list runs once, before the first row: the copy stays running long enough to be scraped
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Copy', copy(`SELECT s.id, s.t FROM ${schema}.src s, pg_sleep(4)`));
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Broken', copy(`SELECT id, t FROM ${schema}.no_such_table`));
  }, 180_000);

  afterAll(async () => {
    await rig.stop();
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('during a copy: one running job on both sides; after it: the rows, bytes, duration and pickup that crossed the wire', async () => {
    const { runId } = await rig.runningRun('Copy');
    let during = await host();
    expect(value(during, 'dmgw_node_running_jobs')).toBe(1);
    expect(value(during, 'dmgw_node_status', { status: 'Online' })).toBe(1);
    expect(value(during, 'dmgw_node_heartbeat_age_seconds')).toBeLessThan(10);
    expect(value(during, 'dmgw_node_available_memory_megabytes')).toBeGreaterThan(0);
    expect(sample(during, 'dmgw_node_info', { node: 'rig-node', gateway: 'metrics-gw' }).value).toBe('1');
    const svcDuring = await until('the service to count the run InProgress', async () => {
      const f = await service();
      return holds(f, 'dmgw_service_runs', { factory: 'metrics', status: 'InProgress' }, 1) ? f : undefined;
    }, 20_000);
    expect(value(svcDuring, 'dmgw_service_node_running_jobs', node)).toBe(1);
    expect(value(svcDuring, 'dmgw_service_nodes', { ...gw, state: 'Online' })).toBe(1);
    expect(value(svcDuring, 'dmgw_service_gateway_state', { ...gw, state: 'Online' })).toBe(1);
    expect(value(svcDuring, 'dmgw_service_queue_length', gw)).toBe(0);

    const run = await rig.finalRun(runId);
    expect(run.status).toBe('Succeeded');
    const [activity] = await rig.activityRuns(runId);
    const out = activity!.output as { rowsCopied: number; dataRead: number; dataWritten: number };
    const inTable = Number((await db.query(`select count(*) as n from ${schema}.dst`)).rows[0].n);
    expect(inTable).toBe(ROWS);
    expect(out.rowsCopied).toBe(inTable);

    during = await until('the host to count the finished job', async () => {
      const f = await host();
      return holds(f, 'dmgw_jobs_total', { outcome: 'Succeeded' }, 1) ? f : undefined;
    }, 20_000);
    expect(value(during, 'dmgw_rows_copied_total')).toBe(inTable);
    expect(value(during, 'dmgw_bytes_read_total')).toBe(out.dataRead);
    expect(value(during, 'dmgw_bytes_written_total')).toBe(out.dataWritten);
    expect(out.dataWritten).toBeGreaterThan(0);
    expect(value(during, 'dmgw_node_running_jobs')).toBe(0);
    const duration = sample(during, 'dmgw_job_duration_seconds', { outcome: 'Succeeded' });
    expect(Number(duration.count)).toBe(1);
    expect(Number(duration.sum)).toBeGreaterThanOrEqual(4);
    const pickup = family(during, 'dmgw_job_pickup_delay_seconds').metrics[0]!;
    expect(Number(pickup.count)).toBe(1);
    expect(Number(pickup.sum)).toBeGreaterThan(0);
    expect(Number(pickup.sum)).toBeLessThan(Number(duration.sum));

    const svc = await service();
    expect(value(svc, 'dmgw_service_runs', { factory: 'metrics', status: 'Succeeded' })).toBe(1);
    expect(value(svc, 'dmgw_service_node_sent_bytes_total', node)).toBe(out.dataWritten);
    expect(value(svc, 'dmgw_service_node_received_bytes_total', node)).toBe(out.dataRead);
    expect(value(svc, 'dmgw_service_pickup_delay_seconds_avg', gw)).toBeGreaterThanOrEqual(0);
    const mon = await rig.arm.integrationRuntimes.getMonitoringData(RESOURCE_GROUP, rig.factory, rig.gateway);
    expect(mon.nodes?.[0]).toMatchObject({ nodeName: 'rig-node', sentBytes: out.dataWritten, receivedBytes: out.dataRead });
  }, 120_000);

  it('errors by code: the code ARM reports for a failed activity is the one counted', async () => {
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Broken');
    expect((await rig.finalRun(runId)).status).toBe('Failed');
    const [activity] = await rig.activityRuns(runId);
    const code = (activity!.error as { errorCode: string }).errorCode;
    expect(code).toMatch(/^[A-Z_]+$/);
    const f = await until('the host to count the failed job', async () => {
      const x = await host();
      return holds(x, 'dmgw_jobs_total', { outcome: 'Failed' }, 1) ? x : undefined;
    }, 20_000);
    expect(value(f, 'dmgw_errors_total', { code })).toBe(1);
    expect(family(f, 'dmgw_errors_total').metrics.reduce((n, m) => n + Number(m.value), 0)).toBe(1);
    expect(value(await service(), 'dmgw_service_runs', { factory: 'metrics', status: 'Failed' })).toBe(1);
  }, 60_000);

  it('attack: the service metrics take the scrape token only — not the admin token, none or a wrong one', async () => {
    const admin = readFileSync(rig.svc.adminTokenFile, 'utf8').trim();
    const withAdmin = await serviceGet(rig.svc.url, rig.svc.caCertFile, '/metrics', admin);
    expect(withAdmin.status).toBe(401);
    expect(withAdmin.text).toContain('this is the admin token, which the metrics endpoint does not take');
    expect(withAdmin.text).not.toContain('dmgw_service');
    expect((await serviceGet(rig.svc.url, rig.svc.caCertFile, '/metrics')).status).toBe(401);
    expect((await serviceGet(rig.svc.url, rig.svc.caCertFile, '/metrics', `${scrapeToken()}x`)).status).toBe(401);
    // and the scrape token opens nothing else
    const arm = await serviceGet(rig.svc.url, rig.svc.caCertFile, `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories?api-version=2018-06-01`, scrapeToken());
    expect(arm.status).toBe(401);
    expect((await stat(join(rig.svc.dataDir, 'metrics-token'))).mode & 0o777).toBe(0o600);
    // rotated: the old token is refused at once
    const old = scrapeToken();
    const rotated = rig.dmgw(['service', 'token', 'rotate', '--metrics', '--data', rig.svc.dataDir]);
    expect(rotated.status, rotated.stderr).toBe(0);
    expect((await serviceGet(rig.svc.url, rig.svc.caCertFile, '/metrics', old)).status).toBe(401);
    await service();
  });

  it('concurrency: the default follows cores and memory; ARM nodes update changes it; status and both metrics show it', async () => {
    // the documented formula, written out here independently of the code
    const expected = Math.max(1, Math.min(2 * cpus().length, Math.floor(Math.round(totalmem() / 1048576) / 1024), 32));
    const st = await rig.arm.integrationRuntimes.getStatus(RESOURCE_GROUP, rig.factory, rig.gateway);
    expect((st.properties as { nodes: Array<{ concurrentJobsLimit: number }> }).nodes[0]!.concurrentJobsLimit).toBe(expected);
    expect(value(await host(), 'dmgw_node_concurrent_jobs_limit')).toBe(expected);
    const status = JSON.parse(rig.dmgw(['status', '--json']).stdout) as { concurrentJobsLimit: number; machine: { defaultConcurrentJobsLimit: number } };
    expect(status).toMatchObject({ concurrentJobsLimit: expected, machine: { defaultConcurrentJobsLimit: expected } });

    const changed = expected + 1;
    await rig.arm.integrationRuntimeNodes.update(RESOURCE_GROUP, rig.factory, rig.gateway, 'rig-node', { concurrentJobsLimit: changed });
    await until('the host to take the new limit', () => (rig.state() as { concurrentJobsLimit?: number } | undefined)?.concurrentJobsLimit === changed || undefined, 20_000);
    expect(value(await host(), 'dmgw_node_concurrent_jobs_limit')).toBe(changed);
    expect(value(await service(), 'dmgw_service_node_concurrent_jobs_limit', node)).toBe(changed);
    expect(rig.dmgw(['status']).stdout).toContain(`job limit:     ${changed} (set by the service; the default for this machine`);
    // what the Configuration Manager shows: the same endpoint, as JSON, through dmgw metrics
    const samples = JSON.parse(rig.dmgw(['metrics', '--json']).stdout) as Array<{ name: string; value: number }>;
    expect(samples.find((m) => m.name === 'dmgw_node_concurrent_jobs_limit')?.value).toBe(changed);
  });
});

async function stat(path: string) {
  return (await import('node:fs/promises')).stat(path);
}
