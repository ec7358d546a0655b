/**
 * Node credentials expire and hosts renew them. A real service with short lifetimes (`nodeCredentialSeconds`), the
 * agent's real channel client and registration, then `dmgw service start` + `dmgw host` processes:
 * - the channel: register and heartbeat say when the credential expires and when to renew it (half-life);
 *   `/credential` gives a new one; the old one lasts the overlap only; a renewal whose answer was lost is asked for
 *   again with the old credential and the lost one is refused;
 * - attack: a copied credential that is never renewed is refused once its time is up (it was valid forever);
 * - a running host renews its credential on its own, keeps working well past the first one's lifetime, and keeps it
 *   sealed in registration.json; the store holds hashes only; a host stopped for longer than a lifetime comes back as
 *   NeedRegistration saying the credential expired, and `dmgw register` brings it back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient, ChannelFailure } from '../../../src/agent/channel/client.js';
import { joinGateway } from '../../../src/agent/channel/joinGateway.js';
import { machineInfo } from '../../../src/agent/channel/machine.js';
import { nodeToken, readRegistration } from '../../../src/agent/channel/registration.js';
import { channelDispatcher } from '../../../src/agent/channel/trust.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, tempDir } from '../../support/factoryService.js';
import { GatewayRig } from '../../support/gatewayRig.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';
import { sleep, until } from '../../support/wait.js';

const up = await requireServer('PostgreSQL', 5432);

async function failure(p: Promise<unknown>): Promise<ChannelFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ChannelFailure) return e;
    throw e;
  }
  throw new Error('expected a ChannelFailure');
}
const heartbeat = (c: ChannelClient) => c.heartbeat({ machine: machineInfo(), runningJobs: [], cpuPercent: 5, availableMemoryMb: 1000 });

describe('node credentials on the channel (lifetime 6 s, overlap 2 s)', () => {
  let svc: RunningService;
  let key: string;
  let registration: { url: string; pem?: string; fingerprint?: string };
  const client = (token: string) => new ChannelClient(registration.url, channelDispatcher({ certificatePem: registration.pem, fingerprint: registration.fingerprint }), token);

  /** a node registered in a fresh home, and its credential */
  async function node(name: string): Promise<string> {
    const home = new GatewayHome(tempDir('dmgw-cred-home'));
    const r = await joinGateway(home, key, { nodeName: name });
    const reg = readRegistration(home)!;
    registration = { url: reg.serviceUrl, pem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint };
    expect(reg.credentialExpiresAt).toBe(r.credentialExpiresAt);
    return nodeToken(home, reg);
  }

  beforeAll(async () => {
    svc = await startTestService({ nodeCredentialSeconds: 6, nodeCredentialOverlapSeconds: 2, settings: { heartbeatSeconds: 1, pollWaitSeconds: 2, leaseSeconds: 10 } });
    const arm = armClient(svc);
    await arm.factories.createOrUpdate(RESOURCE_GROUP, 'factory-cred', { location: 'local' });
    await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, 'factory-cred', 'credgw', { properties: { type: 'SelfHosted' } });
    key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, 'factory-cred', 'credgw')).authKey1!;
  }, 60_000);

  afterAll(() => svc?.close());

  it('register and heartbeat say when the credential expires and when to renew it (half its lifetime)', async () => {
    const t0 = Date.now();
    const token = await node('times');
    const hb = await heartbeat(client(token));
    const expires = Date.parse(hb.credential!.credentialExpiresAt);
    const renewAfter = Date.parse(hb.credential!.credentialRenewAfter);
    expect(expires - t0).toBeGreaterThan(4500);
    expect(expires - t0).toBeLessThan(8000);
    expect(expires - renewAfter).toBe(3000);
  });

  it('renewal: the new credential works, the old one only for the overlap', async () => {
    const old = await node('renew');
    const r = await client(old).renewCredential();
    expect(r.token).toMatch(/^dmgwn_/);
    expect(r.token).not.toBe(old);
    await heartbeat(client(r.token));
    // the replaced credential still works a moment (and its heartbeat says: renew now)
    const hb = await heartbeat(client(old));
    expect(Date.parse(hb.credential!.credentialRenewAfter)).toBeLessThanOrEqual(Date.now());
    await sleep(2500);
    const e = await failure(heartbeat(client(old)));
    expect([e.kind, e.code]).toEqual(['unauthorized', 'NeedRegistration']);
    await heartbeat(client(r.token));
  });

  it('a renewal whose answer was lost: asked for again with the old credential; the credential never received is refused', async () => {
    const old = await node('lost');
    const lost = (await client(old).renewCredential()).token;
    const again = await client(old).renewCredential();
    await heartbeat(client(again.token));
    const e = await failure(heartbeat(client(lost)));
    expect([e.kind, e.code]).toEqual(['unauthorized', 'NeedRegistration']);
  });

  it('attack: a copied credential that is never renewed is refused once it expires, saying so', async () => {
    const copied = await node('copied');
    await heartbeat(client(copied));
    await sleep(6500);
    const e = await failure(heartbeat(client(copied)));
    expect([e.kind, e.code]).toEqual(['unauthorized', 'NeedRegistration']);
    expect(e.message).toMatch(/this node credential expired at .*register the node again/);
    const renew = await failure(client(copied).renewCredential());
    expect(renew.kind).toBe('unauthorized');
  });
});

const schema = uniqueName('cred');
const store = `${schema}_svc`;
const rig = new GatewayRig({ factory: 'factory-cred', gateway: 'credgw', postgresSchema: store, serviceArgs: ['--node-credential-seconds', '8', '--node-credential-overlap-seconds', '3', '--heartbeat-seconds', '1', '--poll-seconds', '2', '--lease-seconds', '10'] });

describe.skipIf(!up)('a host renews its credential (dmgw service start, dmgw host)', () => {
  let db: pg.Client;
  const sealed = () => (JSON.parse(readFileSync(join(rig.home, 'registration.json'), 'utf8')) as { sealedToken: string; credentialExpiresAt: string }).sealedToken;
  const token = () => nodeToken(new GatewayHome(rig.home), readRegistration(new GatewayHome(rig.home))!);

  beforeAll(async () => {
    db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    await db.query(`create schema ${schema}; create table ${schema}.src as select g as id, md5(g::text) as t from generate_series(1, 100) g; create table ${schema}.dst (id int, t text)`);
    await rig.start();
    await rig.tableDataset('Src', schema, 'src');
    await rig.tableDataset('Dst', schema, 'dst');
    await rig.arm.pipelines.createOrUpdate(RESOURCE_GROUP, rig.factory, 'Copy', { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'Src', type: 'DatasetReference' }], outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${schema}.dst` } } as never] });
  }, 120_000);

  afterAll(async () => {
    await rig.stop();
    await db?.query(`drop schema if exists ${schema} cascade; drop schema if exists ${store} cascade`).catch(() => undefined);
    await db?.end();
  });

  it('keeps working long past its first credential, which is refused by then; only hashes in the store, the token sealed on disk', async () => {
    const first = await token();
    const firstSealed = sealed();
    await sleep(20_000);
    expect(rig.state()?.status).toBe('Online');
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, rig.factory, 'Copy');
    expect((await rig.finalRun(runId)).status).toBe('Succeeded');
    expect(sealed()).not.toBe(firstSealed);
    expect(rig.log()).toMatch(/node credential renewed: valid until /);
    const now = await token();
    expect(now).not.toBe(first);
    const reg = readRegistration(new GatewayHome(rig.home))!;
    const c = (t: string) => new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }), t);
    expect((await failure(heartbeat(c(first)))).kind).toBe('unauthorized');
    const text = readFileSync(join(rig.home, 'registration.json'), 'utf8');
    const rows = JSON.stringify((await db.query(`select * from ${store}.nodes`)).rows);
    for (const t of [first, now]) {
      expect(text).not.toContain(t);
      expect(rows).not.toContain(t);
      expect(rig.log()).not.toContain(t);
    }
    expect(rows).toContain(createHash('sha256').update(now).digest('hex'));
  }, 120_000);

  it('a host stopped for longer than a lifetime comes back as NeedRegistration (expired); dmgw register brings it back', async () => {
    await rig.stop();
    await rig.restartService();
    await sleep(9000);
    await rig.startHost();
    await until('NeedRegistration', () => rig.state()?.status === 'NeedRegistration' || undefined, 30_000);
    expect(rig.state()?.message).toMatch(/this node credential expired at /);
    await rig.register();
    await until('the host online again', () => rig.state()?.status === 'Online' || undefined, 30_000);
  }, 120_000);
});
