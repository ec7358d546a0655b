/**
 * The gateway channel between the agent's real client (pinned TLS, keys, sealed credential) and a real service:
 * registration, long polls, leases, reports, heartbeats and the node states computed from them.
 */
import type { DataFactoryManagementClient, SelfHostedIntegrationRuntimeStatus } from '@azure/arm-datafactory';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGatewayKey, parseGatewayKey } from '../../../src/common/gateway/key.js';
import type { RunEvent } from '../../../src/common/events.js';
import { ChannelClient, ChannelFailure } from '../../../src/agent/channel/client.js';
import { joinGateway } from '../../../src/agent/channel/joinGateway.js';
import { machineInfo } from '../../../src/agent/channel/machine.js';
import { nodeToken, readRegistration, registrationFile } from '../../../src/agent/channel/registration.js';
import { channelDispatcher } from '../../../src/agent/channel/trust.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, tempDir } from '../../support/factoryService.js';

const F = 'factory-channel';
let svc: RunningService;
let arm: DataFactoryManagementClient;

async function failure(p: Promise<unknown>): Promise<ChannelFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ChannelFailure) return e;
    throw e;
  }
  throw new Error('expected a ChannelFailure');
}

/** A gateway with a pipeline that runs on it. */
async function gateway(name: string): Promise<{ key1: string; key2: string; pipeline: string }> {
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, name, { properties: { type: 'SelfHosted' } });
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, `${name}-db`, { properties: { type: 'PostgreSql', connectionString: 'Host=127.0.0.1;Database=test', connectVia: { referenceName: name, type: 'IntegrationRuntimeReference' } } as never });
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, `${name}-table`, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: `${name}-db`, type: 'LinkedServiceReference' }, tableName: 't' } as never });
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, `${name}-copy`, { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: `${name}-table`, type: 'DatasetReference' }], outputs: [{ referenceName: `${name}-table`, type: 'DatasetReference' }] } as never] });
  const keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, name);
  return { key1: keys.authKey1!, key2: keys.authKey2!, pipeline: `${name}-copy` };
}

/** Registers a node in a fresh gateway home and returns a client holding its credential. */
async function node(key: string, nodeName: string): Promise<{ client: ChannelClient; home: GatewayHome }> {
  const home = new GatewayHome(tempDir('dmgw-home'));
  await joinGateway(home, key, { nodeName });
  const reg = readRegistration(home)!;
  const client = new ChannelClient(reg.serviceUrl, channelDispatcher({ certificatePem: reg.serviceCertificatePem, fingerprint: reg.serviceFingerprint }), await nodeToken(home, reg));
  return { client, home };
}

const status = async (ir: string) => (await arm.integrationRuntimes.getStatus(RESOURCE_GROUP, F, ir)).properties as SelfHostedIntegrationRuntimeStatus;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const heartbeat = (c: ChannelClient) => c.heartbeat({ machine: machineInfo(), runningJobs: [], cpuPercent: 5, availableMemoryMb: 1000 });
async function finalRun(runId: string) {
  for (let i = 0; i < 100; i++) {
    const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
    if (['Succeeded', 'Failed', 'Cancelled'].includes(r.status!)) return r;
    await sleep(100);
  }
  throw new Error(`run ${runId} did not end`);
}
const ev = (runId: string, e: Record<string, unknown>) => ({ time: new Date().toISOString(), runId, ...e }) as RunEvent;

beforeAll(async () => {
  svc = await startTestService({ settings: { leaseSeconds: 2, heartbeatSeconds: 1, pollWaitSeconds: 20 } });
  arm = armClient(svc);
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
});
afterAll(async () => svc?.close());

describe('registration', () => {
  it('exchanges a good key for a node credential, stored sealed; the node shows in getStatus', async () => {
    const g = await gateway('gw-reg');
    const { client, home } = await node(g.key1, 'node-a');
    const file = readFileSync(registrationFile(home), 'utf8');
    const token = await nodeToken(home, readRegistration(home)!);
    expect(token).toMatch(/^dmgwn_/);
    expect(file).not.toContain(token);
    expect(readRegistration(home)!.serviceFingerprint).toBe(svc.fingerprint);
    const hb = await heartbeat(client);
    expect(hb.settings.leaseSeconds).toBe(2);
    const st = await status('gw-reg');
    expect(st.state).toBe('Online');
    expect(st.nodes?.map((n) => [n.nodeName, n.status])).toEqual([['node-a', 'Online']]);
  });

  it('refuses a key with a wrong secret with 401 KeyInvalid', async () => {
    const g = await gateway('gw-wrong');
    const forged = formatGatewayKey({ ...parseGatewayKey(g.key1), secret: 'not-the-secret' });
    const home = new GatewayHome(tempDir('dmgw-home'));
    await expect(joinGateway(home, forged, { nodeName: 'n' })).rejects.toThrow(/refused the key/);
    const c = new ChannelClient(svc.url, channelDispatcher({ certificatePem: svc.caCertPem }));
    const e = await failure(c.register({ key: forged, nodeName: 'n', certificatePem: svc.caCertPem, machine: machineInfo() }));
    expect([e.status, e.code, e.kind]).toEqual([401, 'KeyInvalid', 'unauthorized']);
  });

  it('refuses to talk to a service whose certificate is not the pinned one', async () => {
    const g = await gateway('gw-pin');
    const k = parseGatewayKey(g.key1);
    const lying = formatGatewayKey({ ...k, fingerprint: 'AB'.repeat(32) });
    await expect(joinGateway(new GatewayHome(tempDir('dmgw-home')), lying, { nodeName: 'n' })).rejects.toThrow(/the key pins ABAB/);
  });

  it('regenerating a key revokes its nodes: the old key gets 401, a waiting poll and the next poll get 401 NeedRegistration', async () => {
    const g = await gateway('gw-regen');
    const a = await node(g.key1, 'node-old');
    const b = await node(g.key2, 'node-other-key');
    const waiting = failure(a.client.poll({ free: 1, waitSeconds: 15 }));
    await sleep(300);
    const t0 = Date.now();
    await arm.integrationRuntimes.regenerateAuthKey(RESOURCE_GROUP, F, 'gw-regen', { keyName: 'authKey1' });
    const inFlight = await waiting;
    expect([inFlight.status, inFlight.code]).toEqual([401, 'NeedRegistration']);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const next = await failure(a.client.poll({ free: 1, waitSeconds: 0 }));
    expect([next.status, next.code]).toEqual([401, 'NeedRegistration']);
    expect(next.message).toContain('regenerated');
    await expect(joinGateway(new GatewayHome(tempDir('dmgw-home')), g.key1, { nodeName: 'again' })).rejects.toThrow(/refused the key/);
    // the node under the other key is untouched
    expect((await b.client.poll({ free: 1, waitSeconds: 0 })).jobs).toEqual([]);
    const st = await status('gw-regen');
    expect(Object.fromEntries(st.nodes!.map((n) => [n.nodeName, n.status]))).toEqual({ 'node-old': 'NeedRegistration', 'node-other-key': 'Online' });
  });
});

describe('jobs', () => {
  it('a waiting long poll returns as soon as a run is queued, with the job and everything it needs', async () => {
    const g = await gateway('gw-poll');
    const { client } = await node(g.key1, 'poller');
    const t0 = Date.now();
    const polled = client.poll({ free: 1, waitSeconds: 20 });
    await sleep(500);
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    const r = await polled;
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.jobs).toHaveLength(1);
    const job = r.jobs[0]!;
    // an activity job: the pipeline's one data activity, as a pipeline of its own with every expression evaluated
    expect(job).toMatchObject({ runId, attempt: 1, factoryName: F, parameters: {}, pipeline: { name: g.pipeline }, activity: { name: 'Copy', type: 'Copy', pipelineName: g.pipeline } });
    expect((job.pipeline.properties.activities as Array<{ name: string }>).map((a) => a.name)).toEqual(['Copy']);
    expect(job.datasets.map((d) => d.name)).toEqual(['gw-poll-table']);
    expect(job.linkedServices.map((d) => d.name)).toEqual(['gw-poll-db']);
    expect((await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId)).status).toBe('InProgress');
  });

  it('reports events under the lease: the run and its activity runs follow them, and end once', async () => {
    const g = await gateway('gw-events');
    const { client } = await node(g.key1, 'reporter');
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    const job = (await client.poll({ free: 1, waitSeconds: 5 })).jobs[0]!;
    await client.events(job.jobId, { leaseToken: job.leaseToken, events: [ev(runId, { event: 'run-started', pipeline: g.pipeline, parameters: {} }), ev(runId, { event: 'activity-started', activity: 'Copy', activityType: 'Copy' })] });
    const acts1 = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts1.value.map((a) => [a.activityName, a.status])).toEqual([['Copy', 'InProgress']]);
    const output = { rowsRead: 10, rowsCopied: 10, dataRead: 100, dataWritten: 100, copyDuration: 1, throughput: 0.1, usedParallelCopies: 1, retries: 0 };
    await client.events(job.jobId, { leaseToken: job.leaseToken, events: [ev(runId, { event: 'activity-finished', activity: 'Copy', status: 'Succeeded', durationMs: 5, output }), ev(runId, { event: 'run-finished', status: 'Succeeded', durationMs: 9 })] });
    expect(await client.result(job.jobId, { leaseToken: job.leaseToken, outcome: 'finished', exitCode: 0 })).toEqual({ ended: true });
    // the service's orchestrator sees the job end and ends the run
    const run = await finalRun(runId);
    expect(run.status).toBe('Succeeded');
    const acts = await arm.activityRuns.queryByPipelineRun(RESOURCE_GROUP, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
    expect(acts.value[0]).toMatchObject({ activityName: 'Copy', status: 'Succeeded', output });
    // a late release after the end changes nothing
    expect(await client.result(job.jobId, { leaseToken: job.leaseToken, outcome: 'release', exitCode: null, signal: 'SIGKILL' })).toEqual({ ended: true });
    expect((await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId)).status).toBe('Succeeded');
  });

  it('an expired lease puts the job back in the queue; the old holder gets 409 LeaseLost', async () => {
    const g = await gateway('gw-lease');
    const a = await node(g.key1, 'dies');
    const b = await node(g.key1, 'takes-over');
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    const first = (await a.client.poll({ free: 1, waitSeconds: 5 })).jobs[0]!;
    expect(first.attempt).toBe(1);
    // a never renews; the lease is 2 s; the sweeper runs every second and wakes b's poll
    const second = (await b.client.poll({ free: 1, waitSeconds: 15 })).jobs[0]!;
    expect(second).toMatchObject({ runId, jobId: first.jobId, attempt: 2 });
    expect(second.leaseToken).not.toBe(first.leaseToken);
    const lost = await failure(a.client.renew(first.jobId, first.leaseToken));
    expect([lost.status, lost.code, lost.kind]).toEqual([409, 'LeaseLost', 'leaseLost']);
    const lostEvents = await failure(a.client.events(first.jobId, { leaseToken: first.leaseToken, events: [ev(runId, { event: 'run-finished', status: 'Failed', durationMs: 1 })] }));
    expect(lostEvents.kind).toBe('leaseLost');
    const renewed = await b.client.renew(second.jobId, second.leaseToken);
    expect(renewed.cancel).toBe(false);
    expect(new Date(renewed.leaseExpiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('a released job is retried until maxAttempts, then its run fails saying why', async () => {
    const g = await gateway('gw-release');
    const { client } = await node(g.key1, 'crashy');
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = (await client.poll({ free: 1, waitSeconds: 5 })).jobs[0]!;
      expect(job.attempt).toBe(attempt);
      // the answer says whether another attempt comes (the host keeps a killed worker's resume parts until it does not)
      expect(await client.result(job.jobId, { leaseToken: job.leaseToken, outcome: 'release', exitCode: null, signal: 'SIGKILL' })).toEqual({ ended: attempt === 3 });
    }
    const run = await finalRun(runId);
    expect(run.status).toBe('Failed');
    expect(run.message).toContain('gave up after 3 attempts: the worker was killed by SIGKILL');
  });

  it('never leases a node more jobs than its concurrentJobsLimit', async () => {
    const g = await gateway('gw-limit');
    const { client } = await node(g.key1, 'small');
    const updated = await arm.integrationRuntimeNodes.update(RESOURCE_GROUP, F, 'gw-limit', 'small', { concurrentJobsLimit: 2 });
    expect(updated.concurrentJobsLimit).toBe(2);
    for (let i = 0; i < 3; i++) await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    const r = await client.poll({ free: 10, waitSeconds: 2 });
    expect(r.jobs).toHaveLength(2);
    expect(r.concurrentJobsLimit).toBe(2);
    const more = await client.poll({ free: 10, waitSeconds: 1 });
    expect(more.jobs).toHaveLength(0);
    const mon = await arm.integrationRuntimes.getMonitoringData(RESOURCE_GROUP, F, 'gw-limit');
    expect(mon.nodes?.[0]).toMatchObject({ nodeName: 'small', concurrentJobsLimit: 2, concurrentJobsRunning: 2 });
  });

  it('cancelling a leased run tells the node at its next renewal', async () => {
    const g = await gateway('gw-cancel');
    const { client } = await node(g.key1, 'busy');
    const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, g.pipeline);
    const job = (await client.poll({ free: 1, waitSeconds: 5 })).jobs[0]!;
    await arm.pipelineRuns.cancel(RESOURCE_GROUP, F, runId);
    expect((await arm.pipelineRuns.get(RESOURCE_GROUP, F, runId)).status).toBe('Canceling');
    expect((await client.renew(job.jobId, job.leaseToken)).cancel).toBe(true);
    await client.events(job.jobId, { leaseToken: job.leaseToken, events: [ev(runId, { event: 'run-finished', status: 'Cancelled', durationMs: 3 })] });
    expect((await finalRun(runId)).status).toBe('Cancelled');
  });
});

describe('node status from heartbeats', () => {
  it('goes Online → Limited → Offline as heartbeats stop, and Online again when they resume', async () => {
    await gateway('gw-status');
    const keys = await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, 'gw-status');
    const { client } = await node(keys.authKey1!, 'quiet');
    await heartbeat(client);
    const seen: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !seen.includes('Offline')) {
      const s = (await status('gw-status')).nodes![0]!.status!;
      if (seen[seen.length - 1] !== s) seen.push(s);
      await sleep(250);
    }
    expect(seen).toEqual(['Online', 'Limited', 'Offline']);
    expect((await status('gw-status')).state).toBe('Offline');
    await heartbeat(client);
    expect((await status('gw-status')).state).toBe('Online');
  });
});
