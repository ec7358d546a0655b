/**
 * Self-update end to end: a real service (on PostgreSQL, so the test can tamper with a stored release), a node
 * started with `dmgw start` (the launcher), releases published over the service's HTTPS route, and ARM `upgrade`
 * through @azure/arm-datafactory (one release goes through `dmgw service publish-agent`, as operators publish). Tampered bundles are refused, a bundle that cannot start is rolled back, and a
 * good one replaces the running host only after the job it runs has finished.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/common/gateway/agentRelease.js';
import { ensureBuilt } from '../support/builtCli.js';
import { armClient, RESOURCE_GROUP, spawnService, tempDir, type ServiceProcess } from '../support/factoryService.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const CLI = ensureBuilt();
const OLD = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const F = 'factory-update';
const GW = 'upd';
const schema = uniqueName('upd');
const home = tempDir('dmgw-upd-node');
const env = { ...process.env, DMGW_HOME: home, DMGW_UPDATE_PROBATION_SECONDS: '5' };
const dmgw = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { env, input, encoding: 'utf8', timeout: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let svc: ServiceProcess;
let arm: DataFactoryManagementClient;
let db: pg.Client;

const hostState = () => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { pid: number; version: string; status: string; startedAt: string; runningJobs: Array<{ runId: string; workerPid?: number }> };
  } catch {
    return undefined;
  }
};
const log = () => (existsSync(join(home, 'logs', 'dmgw.log')) ? readFileSync(join(home, 'logs', 'dmgw.log'), 'utf8') : '');
async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- log tail:\n${log().split('\n').slice(-25).join('\n')}`);
    await sleep(200);
  }
}

/** The built bundle with another version string (the build inlines it once). */
function bundleAs(version: string): Buffer {
  const text = readFileSync(CLI, 'utf8');
  expect(text.split(JSON.stringify(OLD)).length).toBe(2);
  return Buffer.from(text.replace(JSON.stringify(OLD), JSON.stringify(version)));
}

function publish(version: string, bundle: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${svc.url}/providers/Dmgw/agentReleases/${version}?api-version=2018-06-01`);
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'PUT', ca: readFileSync(svc.caCertFile, 'utf8'), headers: { authorization: `Bearer ${readFileSync(svc.adminTokenFile, 'utf8').trim()}`, 'content-type': 'application/octet-stream', 'content-length': bundle.length } },
      (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(t) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(bundle);
  });
}

/** `dmgw service publish-agent` (the operators' way); the bundle cannot report its version, so --version names it. */
function publishWithCli(version: string, bundle: Buffer): { status: number | null; stderr: string; body?: Record<string, unknown> } {
  const file = join(tempDir('dmgw-upd-bundle'), 'cli.js');
  writeFileSync(file, bundle);
  const r = spawnSync(process.execPath, [CLI, 'service', 'publish-agent', '--bundle', file, '--version', version, '--json'], {
    env: { ...env, DMGW_ENDPOINT: svc.url, DMGW_TOKEN_FILE: svc.adminTokenFile, DMGW_CA_FILE: svc.caCertFile },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, body: r.status === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
}

describe.skipIf(!up)('agent self-update (service releases, ARM upgrade, launcher)', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 1000) g; create table ${schema}.dst (id int, t text)`);
    svc = await spawnService(['--port', '0', '--data', tempDir('dmgw-upd-svc'), '--postgres', PG_URL, '--schema', `${schema}_svc`, '--heartbeat-seconds', '1', '--poll-seconds', '2', '--lease-seconds', '10']);
    arm = armClient(svc);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
    const u = new URL(PG_URL);
    await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'Pg', { properties: { type: 'PostgreSql', connectionString: `Server=${u.hostname};Port=${u.port || 5432};Database=${u.pathname.slice(1)};UID=${u.username}`, connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } as never });
    for (const [name, table] of [['Src', 'src'], ['Dst', 'dst']]) await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, name!, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: schema, table } as never });
    await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'Slow', {
      activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: `SELECT s.id, s.t FROM ${schema}.src s, pg_sleep(6)` }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.dst` } } as never],
    });
    const keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW);
    const reg = dmgw(['register', '--key-stdin', '--node-name', 'upd-node'], keys.authKey1);
    expect(reg.status, reg.stderr).toBe(0);
    // ARM upgrade must work whatever the schedule; "off" also keeps the weekly window out of the test
    expect(dmgw(['config', 'set', 'update.schedule', 'off']).status).toBe(0);
    const started = dmgw(['start']);
    expect(started.status, started.stderr).toBe(0);
    await until('the host online', () => hostState()?.status === 'Online' || undefined);
  }, 120_000);

  afterAll(async () => {
    dmgw(['stop']);
    await svc?.stop();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_svc cascade`).catch(() => undefined);
    await db?.end();
  });

  it('a bundle whose bytes do not match the announced SHA-256 is refused; the host stays on its version', async () => {
    const pid = hostState()!.pid;
    expect((await publish('9.0.0-a', bundleAs('9.0.0-a'))).status).toBe(200);
    await db.query(`update ${schema}_svc.agent_releases set bundle = bundle || '\n// injected'::bytea where version = '9.0.0-a'`);
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await until('the refusal', () => /refused agent 9\.0\.0-a: its SHA-256 is/.test(log()) || undefined);
    await sleep(1500);
    expect(hostState()).toMatchObject({ pid, version: OLD, status: 'Online' });
  });

  it('a bundle re-hashed after tampering fails the signature check', async () => {
    const pid = hostState()!.pid;
    const forged = Buffer.concat([bundleAs('9.0.0-b'), Buffer.from('\n// injected')]);
    // not requested while the release is tampered with, so the node cannot fetch it in between
    await db.query(`update ${schema}_svc.gateways set upgrade_requested_at = null`);
    await sleep(1500);
    expect((await publish('9.0.0-b', bundleAs('9.0.0-b'))).status).toBe(200);
    await db.query(`update ${schema}_svc.agent_releases set bundle = $1, sha256 = $2 where version = '9.0.0-b'`, [forged, sha256Hex(forged)]);
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await until('the refusal', () => /refused agent 9\.0\.0-b: the signature does not verify/.test(log()) || undefined);
    await sleep(1500);
    expect(hostState()).toMatchObject({ pid, version: OLD, status: 'Online' });
    expect(existsSync(join(home, 'versions', '9.0.0-b'))).toBe(false);
  });

  it('a version that cannot start is rolled back to the previous one', async () => {
    const pid = hostState()!.pid;
    const broken = Buffer.from('process.exit(9);\n');
    const published = publishWithCli('9.0.0-c', broken);
    expect(published.status, published.stderr).toBe(0);
    expect(published.body).toMatchObject({ version: '9.0.0-c', sha256: sha256Hex(broken) });
    await until('the rollback', () => /agent 9\.0\.0-c failed: .*rolled back to the bundled agent/.test(log()) || undefined);
    const back = await until('the host back on the old version', () => {
      const s = hostState();
      return s && s.pid !== pid && s.version === OLD && s.status === 'Online' ? s : undefined;
    });
    expect(back.version).toBe(OLD);
    expect(existsSync(join(home, 'versions', '9.0.0-c', 'failed'))).toBe(true);
    expect(existsSync(join(home, 'versions', 'current.json'))).toBe(false);
  });

  it('ARM upgrade: the running job finishes first, then the host runs the new version', async () => {
    expect((await publish('9.0.1', bundleAs('9.0.1'))).status).toBe(200);
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Slow');
    const oldPid = (await until('the job running', () => hostState()?.runningJobs.find((j) => j.runId === runId && j.workerPid) && hostState()))!.pid;
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await until('Upgrading while the job runs', () => hostState()?.status === 'Upgrading' || undefined, 20_000);
    const now = await until('the host on 9.0.1', () => {
      const s = hostState();
      return s && s.version === '9.0.1' && s.status === 'Online' ? s : undefined;
    }, 90_000);
    expect(now.pid).not.toBe(oldPid);
    const run = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    expect(run.status).toBe('Succeeded');
    expect(new Date(run.runEnd!).getTime()).toBeLessThanOrEqual(new Date(now.startedAt).getTime());
    expect((await db.query(`select count(*)::int as n from ${schema}.dst`)).rows[0].n).toBe(1000);
    const st = JSON.parse(dmgw(['status', '--json']).stdout) as { update: { hostVersion: string; installed: string; previous?: string } };
    expect(st.update).toMatchObject({ hostVersion: '9.0.1', installed: '9.0.1' });
    const status = await until('the service to see 9.0.1', async () => {
      const p = (await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties as unknown as { latestVersion: string; versionStatus: string; nodes: Array<{ version: string; versionStatus: string }> };
      return p.nodes[0]?.version === '9.0.1' ? p : undefined;
    }, 20_000);
    expect(status).toMatchObject({ latestVersion: '9.0.1', versionStatus: 'UpToDate', nodes: [{ version: '9.0.1', versionStatus: 'UpToDate' }] });
  });
});
