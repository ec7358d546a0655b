/**
 * Logs for support, end to end with real processes: a real service and a node (GatewayRig) whose log rotates at a small
 * size; `dmgw logs` (last entries, one run, --follow); `dmgw logs bundle`; `dmgw logs send` over the node's channel and
 * `dmgw service reports list|get` for the service's operator. Secrets are planted where a careless bundle would pick
 * them up: the proxy password (proxy.json), the node credential (registration.json), the credential endpoint's token,
 * and a database password that a pipeline run decrypts and sends to a hostile PostgreSQL server, which answers with an
 * error quoting it. Every bundle is unpacked with the system's tar and every byte of every file searched for each
 * secret in several spellings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient, ChannelFailure } from '../../src/agent/channel/client.js';
import { nodeToken, readRegistration } from '../../src/agent/channel/registration.js';
import { channelDispatcher } from '../../src/agent/channel/trust.js';
import { GatewayHome } from '../../src/agent/config/home.js';
import { SUPPORT_REPORT_MAX_BYTES } from '../../src/common/gateway/supportReport.js';
import { CLI, managementEnv, tempDir } from '../support/factoryService.js';
import { startFakePostgres, type FakePostgres } from '../support/fakePostgres.js';
import { GatewayRig, RESOURCE_GROUP } from '../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';
import { serviceGet } from '../support/scrape.js';
import { until } from '../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('logs');
const PROXY_PASSWORD = `Pr0xyPw-${Math.random().toString(36).slice(2)}`;
const DB_PASSWORD = `DbSecret-${Math.random().toString(36).slice(2)}`;
const rig = new GatewayRig({ factory: 'support', gateway: 'support-gw', serviceArgs: ['--heartbeat-seconds', '1', '--poll-seconds', '5'] });
let db: pg.Client;
let fake: FakePostgres;
const secrets: Record<string, string> = {};

/** Each secret in the spellings a leak could take. */
const spellings = (s: string) => [s, Buffer.from(s).toString('base64'), encodeURIComponent(s), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('hex')];

/** Unpacks a .tar.gz with the system's tar and returns every file's path and bytes. */
function unpack(archive: string): Array<{ path: string; bytes: Buffer }> {
  const dir = tempDir('dmgw-bundle-x');
  const r = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const out: Array<{ path: string; bytes: Buffer }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ path: p.slice(dir.length + 1), bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

function expectNoSecret(files: Array<{ path: string; bytes: Buffer }>): void {
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const text = f.bytes.toString('latin1');
    for (const [what, s] of Object.entries(secrets)) for (const form of spellings(s)) expect(text.includes(form), `${what} in ${f.path}`).toBe(false);
    expect(text, f.path).not.toMatch(/PRIVATE KEY|dmgwn_[A-Za-z0-9_-]{20}|dmgwc_[A-Za-z0-9_-]{20}|"sealedToken"|"sealedPassword"/);
  }
}

const fileOf = (files: Array<{ path: string; bytes: Buffer }>, suffix: string) => {
  const f = files.find((x) => x.path.endsWith(suffix));
  if (!f) throw new Error(`no ${suffix} in ${files.map((x) => x.path).join(', ')}`);
  return f.bytes.toString('utf8');
};

describe.skipIf(!up)('logs: rotation, dmgw logs, bundle, send, service reports', () => {
  let failedRun: string;
  let goodRuns: string[];

  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 100) g; create table ${schema}.dst (id int, t text)`);
    fake = await startFakePostgres({ echoPassword: true });
    // a small cap, so the host's own lines rotate the log within the test
    for (const [k, v] of [['logs.maxFileMb', '0.002'], ['logs.maxFiles', '10']]) expect(rig.dmgw(['config', 'set', k!, v!]).status).toBe(0);
    await rig.start();
    const home = new GatewayHome(rig.home);
    secrets.nodeCredential = await nodeToken(home, readRegistration(home)!);
    // the proxy is stored (password sealed) but bypassed for the service, which the host reaches directly
    const px = rig.dmgw(['proxy', 'set', 'http://127.0.0.1:9', '--user', 'gw', '--password-stdin', '--no-proxy', '127.0.0.1'], PROXY_PASSWORD);
    expect(px.status, px.stderr).toBe(0);
    secrets.proxyPassword = PROXY_PASSWORD;
    const ep = rig.dmgw(['credential-endpoint', 'token']);
    expect(ep.status, ep.stderr).toBe(0);
    secrets.endpointToken = /dmgwc_\S+/.exec(ep.stdout)![0];
    secrets.dbPassword = DB_PASSWORD;

    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    // the database password, encrypted on the node for the hostile server (bound to 127.0.0.1:<its port>)
    const lsDir = join(tempDir('dmgw-logs-factory'), 'linkedService');
    mkdirSync(lsDir);
    const lsFile = join(lsDir, 'Echo.json');
    writeFileSync(lsFile, JSON.stringify({ name: 'Echo', properties: { type: 'PostgreSql', connectVia: { referenceName: rig.gateway, type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: `Server=127.0.0.1;Port=${fake.port};Database=test;UID=loader;Password=` } } }, null, 2));
    const enc = rig.dmgw(['encrypt', lsFile, '--password-stdin'], DB_PASSWORD);
    expect(enc.status, enc.stderr).toBe(0);
    const encrypted = JSON.parse(readFileSync(lsFile, 'utf8')) as { properties: Record<string, unknown> };
    expect(JSON.stringify(encrypted)).not.toContain(DB_PASSWORD);
    await rig.arm.linkedServices.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Echo', { properties: encrypted.properties } as never);
    await rig.arm.datasets.createOrUpdate(RESOURCE_GROUP, rig.factory, 'EchoTable', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Echo', type: 'LinkedServiceReference' }, schemaTypePropertiesSchema: 'public', table: 't' } as never });
    const copy = (input: string) => ({ activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: input, type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink' } } as never] });
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Quick', copy('Src'));
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'EchoCopy', copy('EchoTable'));

    goodRuns = [];
    for (let i = 0; i < 8; i++) {
      const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Quick');
      expect((await rig.finalRun(runId)).status).toBe('Succeeded');
      goodRuns.push(runId);
    }
    failedRun = (await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'EchoCopy')).runId;
    expect((await rig.finalRun(failedRun)).status).toBe('Failed');
    // the attack reached its server: the node decrypted the password and the server quoted it back in its error
    expect(fake.passwords).toContain(DB_PASSWORD);
    // the run's one data activity was a job of its own: the host logs how that activity ended
    await until('the host to log the failed run', () => new RegExp(`run ${failedRun}( activity \\S+)? Failed`).test(rig.log()) || undefined, 20_000);
  }, 240_000);

  afterAll(async () => {
    await rig.stop();
    await fake?.close();
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('the log rotates by size, every file under the cap; dmgw logs --run finds one run across the rotations', async () => {
    const logs = readdirSync(join(rig.home, 'logs')).filter((f) => f.startsWith('dmgw.log'));
    expect(logs).toContain('dmgw.log.1');
    expect(logs.length).toBeLessThanOrEqual(11);
    for (const f of logs) expect(statSync(join(rig.home, 'logs', f)).size).toBeLessThanOrEqual(Math.round(0.002 * 1048576));
    const failed = rig.dmgw(['logs', '--run', failedRun]);
    expect(failed.status).toBe(0);
    // an activity job: the line names the activity too
    expect(failed.stdout).toMatch(new RegExp(`job \\S+ \\(run ${failedRun}, activity \\S+ \\(\\w+\\), attempt 1\\): worker \\d+ started`));
    expect(failed.stdout).toContain(`run ${failedRun}: activity Copy failed`);
    expect(failed.stdout).toMatch(new RegExp(`run ${failedRun} activity Copy Failed`));
    expect(failed.stdout).toContain('is not the password');
    for (const other of goodRuns) expect(failed.stdout).not.toContain(other);
    const last = rig.dmgw(['logs', '--lines', '3']);
    expect(last.stdout.trim().split('\n').filter((l) => /^\d{4}-/.test(l))).toHaveLength(3);
  });

  it('dmgw logs --follow prints what the host writes next, until stopped', async () => {
    const f = spawn(process.execPath, [CLI, 'logs', '--follow', '--lines', '0'], { env: rig.env() });
    let out = '';
    f.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Quick');
    await until('the followed log to show the run end', () => new RegExp(`run ${runId}( activity \\S+)? Succeeded`).test(out) || undefined, 60_000);
    const exited = new Promise<number | null>((r) => f.once('exit', (c) => r(c)));
    f.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a bundle holds the logs, settings, proxy, versions, status and a health report — and none of the planted secrets', async () => {
    // lines an older agent or another tool might have left in the log, quoting the home's own secrets in the clear
    appendFileSync(join(rig.home, 'logs', 'dmgw.log'), `2026-01-01T00:00:00.000Z DEBUG [old-agent] node credential ${secrets.nodeCredential}, endpoint token ${secrets.endpointToken}, proxy ${secrets.proxyPassword}\n`);
    const out = join(tempDir('dmgw-bundle'), 'support.tar.gz');
    const r = rig.dmgw(['logs', 'bundle', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const files = unpack(out);
    expectNoSecret(files);
    expect(files.map((f) => f.path.split('/').slice(1).join('/')).sort()).toEqual(expect.arrayContaining(['README.txt', 'certificates.json', 'health-report.json', 'logs/dmgw.log', 'logs/dmgw.log.1', 'proxy.json', 'settings.json', 'status.json', 'versions.json']));
    expect(fileOf(files, 'logs/dmgw.log') + fileOf(files, 'logs/dmgw.log.1')).toMatch(/run \S+ Failed|Succeeded/);
    expect(JSON.parse(fileOf(files, 'proxy.json')).stored).toMatchObject({ url: 'http://127.0.0.1:9', username: 'gw', hasPassword: true });
    expect(JSON.parse(fileOf(files, 'status.json'))).toMatchObject({ node: 'rig-node', gateway: 'support-gw', registered: true });
    expect(JSON.parse(fileOf(files, 'health-report.json'))).toMatchObject({ format: 'dmgw-health-report/1', node: 'rig-node' });
    expect(JSON.parse(fileOf(files, 'settings.json')).set).toMatchObject({ 'logs.maxFileMb': 0.002 });
  });

  it('dmgw logs send: the service keeps the report; its operator lists and downloads it (same bytes, no secret)', async () => {
    const sent = rig.dmgw(['logs', 'send', '--note', 'ticket 4711', '--no-diagnose', '--json']);
    expect(sent.status, sent.stderr).toBe(0);
    const { reportId, sha256 } = JSON.parse(sent.stdout) as { reportId: string; sha256: string };
    const env = managementEnv(rig.svc);
    const list = spawnSync(process.execPath, [CLI, 'service', 'reports', 'list', '--json'], { env, encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ reportId, sha256, node: 'rig-node', gateway: 'support-gw', factory: 'support', note: 'ticket 4711' })]);
    const file = join(tempDir('dmgw-report'), 'r.tar.gz');
    const got = spawnSync(process.execPath, [CLI, 'service', 'reports', 'get', reportId, '--out', file], { env, encoding: 'utf8' });
    expect(got.status, got.stderr).toBe(0);
    expect(got.stdout).toContain(`wrote ${file}`);
    expect(got.stdout).toMatch(/health-report\.json \(\d+ bytes\)/);
    expectNoSecret(unpack(file));
    const missing = spawnSync(process.execPath, [CLI, 'service', 'reports', 'get', '00000000-0000-0000-0000-000000000000'], { env, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('dmgw service reports list shows');
  });

  it('the service caps a report, takes only a bundle, and gives reports to the admin token alone', async () => {
    const home = new GatewayHome(rig.home);
    const reg = readRegistration(home)!;
    const client = new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }), await nodeToken(home, reg));
    try {
      const big = await client.uploadSupportReport(Buffer.alloc(SUPPORT_REPORT_MAX_BYTES + 1, 0x1f)).then(() => undefined, (e: unknown) => e as ChannelFailure);
      expect(big?.status).toBe(413);
      expect(big?.message).toContain(`at most ${SUPPORT_REPORT_MAX_BYTES} bytes`);
      const notGzip = await client.uploadSupportReport(Buffer.from('hello')).then(() => undefined, (e: unknown) => e as ChannelFailure);
      expect(notGzip?.status).toBe(400);
    } finally {
      await client.close();
    }
    const withNodeCredential = await serviceGet(rig.svc.url, rig.svc.caCertFile, '/providers/Dmgw/supportReports?api-version=2018-06-01', secrets.nodeCredential);
    expect(withNodeCredential.status).toBe(401);
  });
});
