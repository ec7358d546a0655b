/**
 * `dmgw gateway ...` and `dmgw pipeline ...` as users run them: the built CLI against a real factory service,
 * configured through flags and environment variables; a registered `dmgw host` runs the pipeline on the real
 * PostgreSQL. Asserts on exit codes, what is printed, the service's state (through @azure/arm-datafactory) and the
 * rows in the sink.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayKey } from '../../../src/common/gateway/key.js';
import { ensureBuilt, runCli, type CliResult } from '../../support/builtCli.js';
import { pgConnectionString } from '../../support/copyFactory.js';
import { armClient, managementEnv, startTestService, tempDir } from '../../support/factoryService.js';
import { freePort, PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import type { RunningService } from '../../../src/service/service.js';

const pgUp = await requireServer('PostgreSQL', 5432);
const F = 'mgmt-cli';
let svc: RunningService & { logs: string[] };
let env: NodeJS.ProcessEnv;

const dmgw = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> => runCli(args, { env: { ...env, ...extraEnv }, input });

beforeAll(async () => {
  ensureBuilt();
  svc = await startTestService();
  env = managementEnv(svc, { DMGW_FACTORY: F, DMGW_HOME: tempDir('dmgw-mgmt-home') });
});
afterAll(async () => svc?.close());

describe('dmgw gateway', () => {
  it('creates the factory and a gateway, lists it, shows it', async () => {
    const missing = await dmgw(['gateway', 'create', 'gw1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`factory ${F} not found in resource group default`);
    const created = await dmgw(['gateway', 'create', 'gw1', '--create-factory', '--description', 'next to the sales db']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created factory ${F}`);
    expect(created.stdout).toContain(`created gateway gw1 in factory ${F} (NeedRegistration)`);
    const ir = await armClient(svc).integrationRuntimes.get('default', F, 'gw1');
    expect([ir.properties.type, ir.properties.description]).toEqual(['SelfHosted', 'next to the sales db']);

    const list = await dmgw(['gateway', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^gw1\s+NeedRegistration\s+0 nodes\s+next to the sales db$/m);
    const json = JSON.parse((await dmgw(['gateway', 'list', '--json'])).stdout) as Array<{ name: string; state: string; nodes: unknown[] }>;
    expect(json.map((g) => [g.name, g.state, g.nodes.length])).toEqual([['gw1', 'NeedRegistration', 0]]);
    const show = await dmgw(['gateway', 'show', 'gw1']);
    expect(show.stdout).toMatch(/^state:\s+NeedRegistration$/m);
  });

  it('prints the keys the service holds, one bare with --key, and regenerates one', async () => {
    const both = await dmgw(['gateway', 'keys', 'gw1', '--json']);
    const keys = JSON.parse(both.stdout) as { authKey1: string; authKey2: string };
    const fromSdk = await armClient(svc).integrationRuntimes.listAuthKeys('default', F, 'gw1');
    expect(keys).toEqual({ authKey1: fromSdk.authKey1, authKey2: fromSdk.authKey2 });
    const one = await dmgw(['gateway', 'keys', 'gw1', '--key', 'authKey2']);
    expect(one.stdout.trim()).toBe(keys.authKey2);
    const k = parseGatewayKey(one.stdout);
    expect([k.url, k.gateway, k.key, k.fingerprint]).toEqual([svc.url, 'gw1', 'authKey2', svc.fingerprint]);

    const regen = await dmgw(['gateway', 'regenerate-key', 'gw1', '--key', 'authKey2']);
    expect(regen.code, regen.stderr).toBe(0);
    const fresh = regen.stdout.trim().split(/\s+/)[1]!;
    expect(parseGatewayKey(fresh).gen).toBe(k.gen + 1);
    expect(fresh).not.toBe(keys.authKey2);
    expect(regen.stderr).toContain('nodes registered with the old one stop');
    expect((await armClient(svc).integrationRuntimes.listAuthKeys('default', F, 'gw1')).authKey2).toBe(fresh);
    const bad = await dmgw(['gateway', 'regenerate-key', 'gw1', '--key', 'authKey3']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--key must be authKey1 or authKey2')]);
  });

  it('removes a gateway; a missing one is a clear error', async () => {
    expect((await dmgw(['gateway', 'create', 'doomed'])).code).toBe(0);
    const rm = await dmgw(['gateway', 'remove', 'doomed']);
    expect([rm.code, rm.stdout]).toEqual([0, expect.stringContaining('removed gateway doomed')]);
    const again = await dmgw(['gateway', 'show', 'doomed']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`dmgw gateway: gateway doomed not found in factory ${F} — dmgw gateway list shows what exists`);
    expect((await dmgw(['gateway', 'remove', 'doomed'])).stderr).toContain('gateway doomed not found');
  });
});

describe('how a management command finds and trusts the service', () => {
  it('a wrong token: "the token was refused", exit 1, the token not printed', async () => {
    const wrong = join(tempDir('dmgw-token'), 'token');
    writeFileSync(wrong, 'not-the-admin-token-4711\n');
    const r = await dmgw(['gateway', 'list', '--token-file', wrong]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dmgw gateway: the token was refused: the bearer token is not this service's admin token/);
    expect(r.stderr).toContain('--token-file');
    expect(r.stderr + r.stdout).not.toContain('4711');
  });

  it('nothing listening: connection refused and how to start the service', async () => {
    const r = await dmgw(['gateway', 'list', '--endpoint', `https://127.0.0.1:${await freePort()}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the factory service at https:\/\/127\.0\.0\.1:\d+ \(connection refused\) — is it running\? start it with `dmgw service start --data DIR`/);
  });

  it('an untrusted certificate names --ca-file; NODE_EXTRA_CA_CERTS works instead of it', async () => {
    const untrusted = await dmgw(['gateway', 'list'], { DMGW_CA_FILE: '' });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`cannot trust ${svc.url}`);
    expect(untrusted.stderr).toContain('--ca-file');
    const extra = await dmgw(['gateway', 'list'], { DMGW_CA_FILE: '', NODE_EXTRA_CA_CERTS: svc.caCertFile });
    expect([extra.code, extra.stdout]).toEqual([0, expect.stringMatching(/^gw1\s/m)]);
  });

  it('flags win over the environment; a missing credential or factory is a usage error', async () => {
    const other = await dmgw(['gateway', 'list', '--factory', 'no-such-factory']);
    expect(other.stderr).toContain('factory no-such-factory not found');
    const noToken = await dmgw(['gateway', 'list'], { DMGW_TOKEN_FILE: '' });
    expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringContaining(`no credential for ${svc.url}`)]);
    const noFactory = await dmgw(['gateway', 'list'], { DMGW_FACTORY: '' });
    expect([noFactory.code, noFactory.stderr]).toEqual([2, expect.stringContaining('which data factory?')]);
    const rg = await dmgw(['gateway', 'list', '--resource-group', 'elsewhere']);
    expect(rg.stderr).toContain(`factory ${F} not found in resource group elsewhere`);
  });
});

describe.skipIf(!pgUp)('dmgw pipeline (a registered host runs it on the real PostgreSQL)', () => {
  const schema = uniqueName('mgmt');
  const home = tempDir('dmgw-mgmt-node');
  let db: pg.Client;
  let host: ChildProcess | undefined;
  let folder: string;

  const writeResource = (kind: string, name: string, properties: unknown) => {
    mkdirSync(join(folder, kind), { recursive: true });
    // a comment in every file: the upload (like validate and run) accepts JSON with comments and sends the values
    writeFileSync(join(folder, kind, `${name}.json`), JSON.stringify({ name, properties }, null, 2).replace('{\n', `{\n  // ${kind} ${name}, written by the test\n`));
  };

  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 20000) g; create table ${schema}.dst (id int, t text)`);
    folder = tempDir('dmgw-mgmt-factory');
    writeResource('integrationRuntime', 'gw1', { type: 'SelfHosted', description: 'next to the sales db' });
    writeResource('linkedService', 'Pg', { type: 'PostgreSql', connectVia: { referenceName: 'gw1', type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: pgConnectionString() } });
    writeResource('dataset', 'Src', { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, typeProperties: { schema, table: 'src' } });
    writeResource('dataset', 'Dst', { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, typeProperties: { schema, table: 'dst' } });
    const copy = (name: string, source: Record<string, unknown>) =>
      writeResource('pipeline', name, { activities: [{ name: 'CopyRows', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], typeProperties: { source, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.dst` } } }] });
    copy('Copy', { type: 'PostgreSqlSource' });
    copy('Broken', { type: 'PostgreSqlSource', query: `SELECT id, t FROM ${schema}.no_such_table` });

    const key = await dmgw(['gateway', 'keys', 'gw1', '--key', 'authKey1']);
    const reg = await runCli(['register', '--key-stdin', '--node-name', 'node-1'], { env: { ...env, DMGW_HOME: home }, input: key.stdout });
    expect(reg.code, reg.stderr).toBe(0);
    host = spawn(process.execPath, [join(__dirname, '../../../dist/agent/cli.js'), 'host'], { env: { ...env, DMGW_HOME: home }, stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      const st = (() => { try { return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')).status as string; } catch { return undefined; } })();
      if (st === 'Online') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    host?.kill('SIGTERM');
    await db?.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('gateway show lists the node Online with its certificate; gateway certificate writes it', async () => {
    const show = await dmgw(['gateway', 'show', 'gw1', '--json']);
    const g = JSON.parse(show.stdout) as { state: string; nodes: Array<{ name: string; status: string; certificateThumbprint: string }> };
    const thumbprint = (JSON.parse((await runCli(['cert', 'show', '--json'], { env: { ...env, DMGW_HOME: home } })).stdout) as { certificates: Array<{ thumbprint: string; current: boolean }> }).certificates.find((c) => c.current)!.thumbprint;
    expect(g.state).toBe('Online');
    expect(g.nodes.map((n) => [n.name, n.status, n.certificateThumbprint])).toEqual([['node-1', 'Online', thumbprint]]);
    const out = join(tempDir('dmgw-mgmt-cert'), 'gw1.pem');
    const cert = await dmgw(['gateway', 'certificate', 'gw1', '--out', out]);
    expect(cert.code, cert.stderr).toBe(0);
    expect(cert.stdout).toContain(`node-1  ${thumbprint}`);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(home, 'certificates', thumbprint, 'certificate.pem'), 'utf8'));
  });

  it('pipeline run --factory DIR uploads the folder, --wait follows the run to Succeeded; the sink equals the source', async () => {
    const r = await dmgw(['pipeline', 'run', 'Copy', '--factory', folder, '--factory-name', F, '--wait']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain(`uploaded ${folder} to factory ${F}: 1 gateway, 1 linked service, 2 datasets, 2 pipelines`);
    expect(r.stderr).toMatch(/InProgress/);
    expect(r.stdout).toMatch(/^run [0-9a-f-]{36}\s+Copy\s+Succeeded in /);
    expect(r.stdout).toMatch(/^\s+CopyRows\s+Succeeded\s+20,000 rows copied, /m);
    const { rows } = await db.query(`select count(*)::int as n, md5(string_agg(id || ':' || t, ',' order by id)) as sum from ${schema}.dst union all select count(*)::int, md5(string_agg(id || ':' || t, ',' order by id)) from ${schema}.src`);
    expect(rows[0]).toEqual(rows[1]);
    expect(rows[0].n).toBe(20000);

    const runId = /^run ([0-9a-f-]{36})/.exec(r.stdout)![1]!;
    const status = JSON.parse((await dmgw(['pipeline', 'status', runId, '--json'])).stdout) as { status: string; activities: Array<{ name: string; status: string; output: { rowsCopied: number } }> };
    expect(status.status).toBe('Succeeded');
    expect(status.activities.map((a) => [a.name, a.status, a.output.rowsCopied])).toEqual([['CopyRows', 'Succeeded', 20000]]);
    const ls = await armClient(svc).linkedServices.get('default', F, 'Pg');
    expect((ls.properties as { connectVia?: { referenceName: string } }).connectVia?.referenceName).toBe('gw1');
  });

  it('a failing run exits 1 with the activity\'s error; without --wait the run id is printed at once', async () => {
    const started = await dmgw(['pipeline', 'run', 'Broken']);
    expect(started.code).toBe(0);
    const runId = started.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const r = await dmgw(['pipeline', 'status', runId, '--wait']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^run \S+\s+Broken\s+Failed/);
    expect(r.stdout).toContain('no_such_table');
  });

  it('a folder with errors is refused before anything is sent', async () => {
    const bad = tempDir('dmgw-mgmt-bad');
    mkdirSync(join(bad, 'pipeline'));
    writeFileSync(join(bad, 'pipeline', 'Lonely.json'), JSON.stringify({ name: 'Lonely', properties: { activities: [{ name: 'C', type: 'Copy', inputs: [{ referenceName: 'Nowhere', type: 'DatasetReference' }], outputs: [{ referenceName: 'Nowhere', type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink' } } }] } }));
    const r = await dmgw(['pipeline', 'run', 'Lonely', '--factory', bad, '--factory-name', F]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the factory folder has \d+ errors?, nothing was uploaded/);
    expect(r.stderr).toContain('Nowhere');
    const e = await armClient(svc).pipelines.get('default', F, 'Lonely').catch((x: { statusCode: number }) => x);
    expect((e as { statusCode: number }).statusCode).toBe(404);
  });
});
