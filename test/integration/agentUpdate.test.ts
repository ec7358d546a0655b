/**
 * Self-update end to end, and the attacks on it: a real service (on PostgreSQL, so the test can play a compromised
 * service by editing its store), a node started with `dmgw start` (the launcher) that trusts one release key, releases
 * made as a release authority makes them (`dmgw release keygen|sign`) and published with `dmgw service publish-agent`,
 * and ARM `upgrade` through @azure/arm-datafactory. Every bundle the node must not run writes a marker file when it
 * runs (even for `--version`); the marker must never appear. Good releases install after the running job; a bundle
 * that cannot start is rolled back and may come back with another SHA-256; a download the service cannot serve is
 * tried again; only the node's operator can downgrade; a removed key stops its releases from being launched.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawnSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manifestBytes, sha256Hex } from '../../src/common/gateway/releaseManifest.js';
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
const work = tempDir('dmgw-upd-release');
const MARKER = join(tempDir('dmgw-upd-marker'), 'bundle-ran');
const env = { ...process.env, DMGW_HOME: home, DMGW_UPDATE_PROBATION_SECONDS: '5', DMGW_UPDATE_RETRY_SECONDS: '2' };
const dmgw = (args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, input, encoding: 'utf8', timeout: 60_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let svc: ServiceProcess;
let arm: DataFactoryManagementClient;
let db: pg.Client;
let trustedId: string;
const KEY = join(work, 'authority', 'release-private-key.pem');
const STRANGER = join(work, 'stranger', 'release-private-key.pem');

interface HostState {
  pid: number;
  version: string;
  status: string;
  startedAt: string;
  runningJobs: Array<{ runId: string; workerPid?: number }>;
  updateNotice?: { kind: string; version?: string; message: string };
}
const hostState = (): HostState | undefined => {
  try {
    return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as HostState;
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

/** A bundle an attacker wants run: it leaves the marker on any run, and would pass the launcher's self-check. */
const evil = (version: string): Buffer =>
  Buffer.from(`require('fs').appendFileSync(${JSON.stringify(MARKER)}, process.argv.slice(2).join(' ') + '\\n');\nif (process.argv[2] === '--version') console.log('dmgw ${version}'); else setInterval(() => {}, 1000);\n`);

/** Writes the bundle and signs it with `key` (`dmgw release sign`): returns its file, manifest bytes and signature. */
function signed(version: string, bundle: Buffer, key = KEY): { file: string; manifest: Buffer; signature: string } {
  const file = join(tempDir('dmgw-upd-bundle'), 'cli.js');
  writeFileSync(file, bundle);
  const r = dmgw(['release', 'sign', file, '--key', key, '--version', version]);
  expect(r.status, r.stderr).toBe(0);
  return { file, manifest: readFileSync(`${file}.manifest.json`), signature: readFileSync(`${file}.sig`, 'utf8').trim() };
}

/** `dmgw service publish-agent` (what any holder of the admin token can do). */
function publish(release: { file: string }): Record<string, unknown> {
  const r = spawnSync(process.execPath, [CLI, 'service', 'publish-agent', '--bundle', release.file, '--json'], {
    env: { ...env, DMGW_ENDPOINT: svc.url, DMGW_TOKEN_FILE: svc.adminTokenFile, DMGW_CA_FILE: svc.caCertFile },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Writes a release straight into the service's store: a compromised service, or one whose data was edited. */
async function plant(version: string, bundle: Buffer, manifest: Buffer, signature: string, sha256 = sha256Hex(bundle)): Promise<void> {
  await db.query(`insert into ${schema}_svc.agent_releases (version, sha256, signature, manifest, size, bundle) values ($1, $2, $3, $4, $5, $6)`, [version, sha256, signature, manifest, bundle.length, bundle]);
}

/** Each case starts from an empty release list and no pending ARM upgrade. */
async function noReleases(): Promise<void> {
  await db.query(`delete from ${schema}_svc.agent_releases; update ${schema}_svc.gateways set upgrade_requested_at = null`);
}

/** ARM upgrade, then the node's refusal (host-state, `dmgw update --check`, `dmgw status`, the log); nothing ran, nothing changed. */
async function refusedAfterUpgrade(reason: RegExp): Promise<void> {
  const before = hostState()!;
  await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
  const notice = await until(`the refusal ${reason}`, () => (reason.test(hostState()?.updateNotice?.message ?? '') ? hostState()!.updateNotice : undefined), 40_000);
  expect(notice.kind).toBe('refused');
  await sleep(2500);
  expect(log()).toMatch(reason);
  expect(dmgw(['update', '--check']).stdout).toMatch(reason);
  expect(dmgw(['status']).stdout).toMatch(reason);
  expect(existsSync(MARKER)).toBe(false);
  expect(hostState()).toMatchObject({ pid: before.pid, version: before.version, status: 'Online' });
}

const onVersion = (version: string, ms = 60_000) =>
  until(`the host on ${version}`, () => {
    const s = hostState();
    return s && s.version === version && s.status === 'Online' ? s : undefined;
  }, ms);

describe.skipIf(!up)('agent self-update (release authority, service, ARM upgrade, launcher)', () => {
  beforeAll(async () => {
    for (const who of ['authority', 'stranger']) expect(dmgw(['release', 'keygen', '--out', join(work, who)]).status).toBe(0);
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
    const reg = dmgw(['register', '--key-stdin', '--node-name', 'upd-node', '--trust-release-key', join(work, 'authority', 'release-public-key.pem'), '--json'], keys.authKey1);
    expect(reg.status, reg.stderr).toBe(0);
    trustedId = (JSON.parse(reg.stdout) as { trustedReleaseKeys: string[] }).trustedReleaseKeys[0]!;
    expect(readdirSync(join(home, 'trusted-release-keys'))).toEqual([`${trustedId}.pem`]);
    // ARM upgrade must work whatever the schedule; "off" also keeps the weekly window out of the test
    expect(dmgw(['config', 'set', 'update.schedule', 'off']).status).toBe(0);
    const started = dmgw(['start']);
    expect(started.status, started.stderr).toBe(0);
    await until('the host online', () => hostState()?.status === 'Online' || undefined);
  }, 120_000);

  afterEach(() => expect(existsSync(MARKER), `a bundle ran on the node: ${existsSync(MARKER) ? readFileSync(MARKER, 'utf8') : ''}`).toBe(false));

  afterAll(async () => {
    dmgw(['stop']);
    await svc?.stop();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_svc cascade`).catch(() => undefined);
    await db?.end();
  });

  it('attack: a bundle signed by a release key the node does not trust, published with the admin token, never runs', async () => {
    await noReleases();
    publish(signed('9.0.0-a', evil('9.0.0-a'), STRANGER));
    await refusedAfterUpgrade(/agent 9\.0\.0-a is signed by release key [0-9a-f]{16}, which this node does not trust/);
  });

  it("attack: a manifest signed with the service's own TLS key (as releases were before) never runs", async () => {
    await noReleases();
    const bundle = evil('9.0.0-b');
    const manifest = manifestBytes({ version: '9.0.0-b', sha256: sha256Hex(bundle), size: bundle.length, created: new Date().toISOString(), keyId: trustedId });
    const tlsKey = readFileSync(join(svc.dataDir, 'tls', 'service.key.pem'), 'utf8');
    await plant('9.0.0-b', bundle, manifest, sign('sha256', manifest, tlsKey).toString('base64'));
    await refusedAfterUpgrade(/agent 9\.0\.0-b: the signature does not verify with release key/);
  });

  it('attack: a signed manifest altered to describe another bundle never runs', async () => {
    await noReleases();
    const good = signed('9.0.0-c', bundleAs('9.0.0-c'));
    const bundle = evil('9.0.0-c');
    const altered = Buffer.from(good.manifest.toString().replace(/"sha256": "[0-9a-f]+"/, `"sha256": "${sha256Hex(bundle)}"`).replace(/"size": \d+/, `"size": ${bundle.length}`));
    await plant('9.0.0-c', bundle, altered, good.signature);
    await refusedAfterUpgrade(/agent 9\.0\.0-c: the signature does not verify/);
  });

  it('attack: a bundle swapped in the store after a genuine release was published is downloaded, refused and never run', async () => {
    await noReleases();
    const good = signed('9.0.0-d', bundleAs('9.0.0-d'));
    publish(good);
    // the same size as the genuine bundle, so only its SHA-256 can tell
    const swapped = Buffer.concat([evil('9.0.0-d'), Buffer.alloc(bundleAs('9.0.0-d').length - evil('9.0.0-d').length, 0x20)]);
    await db.query(`update ${schema}_svc.agent_releases set bundle = $1 where version = '9.0.0-d'`, [swapped]);
    await refusedAfterUpgrade(/agent 9\.0\.0-d: the bundle's SHA-256 is [0-9a-f]{64}, its signed manifest says [0-9a-f]{64} \(altered\)/);
    expect(existsSync(join(home, 'versions', '9.0.0-d'))).toBe(false);
  });

  it('with no trusted release key updates are off, and status says why', async () => {
    await noReleases();
    const rm = dmgw(['update', 'trust', 'remove', trustedId.slice(0, 12)]);
    expect(rm.stdout).toContain('updates are off: no trusted release key — dmgw update trust add FILE');
    publish(signed('9.0.0-e', evil('9.0.0-e')));
    await refusedAfterUpgrade(/updates are off: no trusted release key — dmgw update trust add FILE/);
    expect(JSON.parse(dmgw(['status', '--json']).stdout)).toMatchObject({ update: { trustedKeys: [], off: 'updates are off: no trusted release key — dmgw update trust add FILE' } });
    expect(dmgw(['update']).stderr).toContain('updates are off: no release key is trusted here — trust the release authority');
    await noReleases();
    expect(dmgw(['update', 'trust', 'add', join(work, 'authority', 'release-public-key.pem')]).stdout).toContain(`trusting release key ${trustedId.slice(0, 16)}`);
  });

  it('a version that cannot start is rolled back; republished with another SHA-256 it is tried again', async () => {
    await noReleases();
    const pid = hostState()!.pid;
    const broken = Buffer.from('process.exit(9);\n');
    publish(signed('9.0.0-f', broken));
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await until('the rollback', () => /agent 9\.0\.0-f failed: .*rolled back to the bundled agent/.test(log()) || undefined);
    const back = await until('the host back on the old version', () => {
      const s = hostState();
      return s && s.pid !== pid && s.version === OLD && s.status === 'Online' ? s : undefined;
    });
    expect(JSON.parse(readFileSync(join(home, 'versions', '9.0.0-f', 'failed'), 'utf8'))).toMatchObject({ sha256: sha256Hex(broken) });
    expect(existsSync(join(home, 'versions', 'current.json'))).toBe(false);
    // still offered, still requested: refused by its SHA-256, not retried
    await until('the refusal of the failed bundle', () => /agent 9\.0\.0-f \(sha256 [0-9a-f]{12}…\) is not installed again: its self-check failed/.test(hostState()?.updateNotice?.message ?? '') || undefined, 20_000);
    expect(hostState()!.pid).toBe(back.pid);
    // the rollout the upgrade started halted on that refusal, saying why; republishing does not restart it, an upgrade does
    const halted = await until('the rollout halted', async () => {
      const r = ((await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties as unknown as { rollout?: { status: string; reason?: string } }).rollout;
      return r?.status === 'Halted' ? r : undefined;
    }, 20_000);
    expect(halted.reason).toMatch(/^node upd-node did not take agent 9\.0\.0-f: agent 9\.0\.0-f \(sha256 [0-9a-f]{12}…\) is not installed again/);

    publish(signed('9.0.0-f', bundleAs('9.0.0-f')));
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await onVersion('9.0.0-f');
  });

  it('a download the service cannot serve is not a failed version: it is tried again at a later offer', async () => {
    await noReleases();
    publish(signed('9.0.0-g', bundleAs('9.0.0-g')));
    await db.query(`alter table ${schema}_svc.agent_releases rename column bundle to bundle_away`);
    try {
      await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
      await until('the failed download', () => /could not download agent 9\.0\.0-g: .*HTTP 500.*trying again at a later offer/.test(hostState()?.updateNotice?.message ?? '') || undefined, 40_000);
      expect(log()).toMatch(/download of agent 9\.0\.0-g failed \(attempt 1 of 3\)/);
    } finally {
      await db.query(`alter table ${schema}_svc.agent_releases rename column bundle_away to bundle`);
    }
    await onVersion('9.0.0-g');
    expect(existsSync(join(home, 'versions', '9.0.0-g', 'failed'))).toBe(false);
  });

  it('SemVer: 1.0.0-rc.10 is newer than rc.9 — the service offers rc.10, and the node refuses rc.9 once on rc.10', async () => {
    await noReleases();
    // rc.9 is signed by the trusted key but must never run here: it is older than what gets installed
    publish(signed('9.1.0-rc.9', evil('9.1.0-rc.9')));
    publish(signed('9.1.0-rc.10', bundleAs('9.1.0-rc.10')));
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await onVersion('9.1.0-rc.10');
    // a service that offers the older one (its newer release deleted) cannot make the node go back
    await db.query(`delete from ${schema}_svc.agent_releases where version = '9.1.0-rc.10'`);
    await refusedAfterUpgrade(/agent 9\.1\.0-rc\.9 is older than the running 9\.1\.0-rc\.10: not installing it — only this node's operator can downgrade: dmgw update --to 9\.1\.0-rc\.9 --allow-downgrade/);
  });

  it("downgrade only by the node's operator: dmgw update --to V --allow-downgrade", async () => {
    await noReleases();
    publish(signed('9.0.0', bundleAs('9.0.0')));
    await refusedAfterUpgrade(/agent 9\.0\.0 is older than the running 9\.1\.0-rc\.10/);
    const plain = dmgw(['update', '--to', '9.0.0']);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain('agent 9.0.0 is older than the running 9.1.0-rc.10 — a downgrade must be asked for: dmgw update --to 9.0.0 --allow-downgrade');
    const asked = dmgw(['update', '--to', '9.0.0', '--allow-downgrade']);
    expect(asked.status, asked.stderr).toBe(0);
    expect(asked.stdout).toContain('the host installs agent 9.0.0 (downgrade allowed)');
    await onVersion('9.0.0');
    expect(existsSync(join(home, 'update-requested'))).toBe(false);
    expect(log()).toMatch(/updating 9\.1\.0-rc\.10 → 9\.0\.0 \(a downgrade the operator asked for\)/);
  });

  it('ARM upgrade: the running job finishes first, then the host runs the new version', async () => {
    await noReleases();
    publish(signed('9.2.0', bundleAs('9.2.0')));
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'Slow');
    const oldPid = (await until('the job running', () => hostState()?.runningJobs.find((j) => j.runId === runId && j.workerPid) && hostState()))!.pid;
    await arm.integrationRuntimes.upgrade(RESOURCE_GROUP, F, GW);
    await until('Upgrading while the job runs', () => hostState()?.status === 'Upgrading' || undefined, 20_000);
    const now = await onVersion('9.2.0', 90_000);
    expect(now.pid).not.toBe(oldPid);
    const run = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    expect(run.status).toBe('Succeeded');
    expect(new Date(run.runEnd!).getTime()).toBeLessThanOrEqual(new Date(now.startedAt).getTime());
    // in one attempt: a job killed by the switch and run again by the new version would also end Succeeded
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts.value.map((a) => (a as { gatewayAttempt?: number }).gatewayAttempt)).toEqual([1]);
    expect((await db.query(`select count(*)::int as n from ${schema}.dst`)).rows[0].n).toBe(1000);
    const st = JSON.parse(dmgw(['status', '--json']).stdout) as { update: { hostVersion: string; installed: string; previous?: string } };
    expect(st.update).toMatchObject({ hostVersion: '9.2.0', installed: '9.2.0' });
    // the exact signed bytes are kept beside the version, for the launcher to verify again
    expect(readFileSync(join(home, 'versions', '9.2.0', 'manifest.json'), 'utf8')).toContain(`"keyId": "${trustedId}"`);
    const status = await until('the service to see 9.2.0', async () => {
      const p = (await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, GW)).properties as unknown as { latestVersion: string; versionStatus: string; nodes: Array<{ version: string; versionStatus: string }> };
      return p.nodes[0]?.version === '9.2.0' ? p : undefined;
    }, 20_000);
    expect(status).toMatchObject({ latestVersion: '9.2.0', versionStatus: 'UpToDate', nodes: [{ version: '9.2.0', versionStatus: 'UpToDate' }] });
  });

  it('a release key removed from the trust list: its installed releases are no longer launched', async () => {
    expect(dmgw(['update', 'trust', 'remove', trustedId]).status).toBe(0);
    expect(dmgw(['stop']).status).toBe(0);
    const started = dmgw(['start']);
    expect(started.status, started.stderr).toBe(0);
    await onVersion(OLD);
    expect(log()).toMatch(/not launching agent 9\.2\.0 from .*: agent 9\.2\.0 is signed by release key [0-9a-f]{16}, which this node does not trust; running the bundled agent/);
  });
});

