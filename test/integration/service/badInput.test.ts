/**
 * Bad request bodies against the real service (startService, real HTTPS requests): every channel and ARM body is
 * checked against its schema before use, and a wrong one is a 400 naming the field — never a 500, a poll that spins
 * on the store, or a run that stays InProgress forever.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../support/wait.js';
import { joinGateway } from '../../../src/agent/channel/joinGateway.js';
import { nodeToken, readRegistration } from '../../../src/agent/channel/registration.js';
import { GatewayHome } from '../../../src/agent/config/home.js';
import { machineInfo } from '../../../src/agent/channel/machine.js';
import type { JobMessage } from '../../../src/common/gateway/protocol.js';
import type { RunningService } from '../../../src/service/service.js';
import { armClient, RESOURCE_GROUP, startTestService, SUBSCRIPTION, tempDir } from '../../support/factoryService.js';
import { post, send, type RawAnswer } from '../../support/rawHttps.js';

const F = 'factory-bad-input';
const GW = 'gw';
const FACTORY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${F}`;
const API = 'api-version=2018-06-01';
let svc: RunningService & { logs: string[] };
let arm: DataFactoryManagementClient;
let token: string;
let admin: string;
let key: string;

const channel = (path: string, body: unknown, t = token, timeoutMs?: number) => post(svc, `/gateway/v1${path}`, body, t, timeoutMs);
const armPost = (path: string, body: unknown, method = 'POST') => send(svc, { method, path: `${FACTORY}${path}?${API}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const time = () => new Date().toISOString();

/** A 400 whose error names `target` (and says so in its message). */
function expect400(r: RawAnswer, target: string): void {
  expect({ status: r.status, code: r.json?.error?.code, target: r.json?.error?.target }, r.text).toEqual({ status: 400, code: 'BadRequest', target });
  expect(r.json!.error!.message).toContain(target);
}

/** A fresh run, leased by this test's node. */
async function leasedJob(): Promise<JobMessage> {
  const { runId } = await arm.pipelines.createRun(RESOURCE_GROUP, F, 'copy');
  const r = await channel('/poll', { free: 1, waitSeconds: 2 });
  expect(r.status, r.text).toBe(200);
  const job = (r.json!.jobs as JobMessage[]).find((j) => j.runId === runId);
  expect(job, 'the run was leased').toBeDefined();
  return job!;
}

beforeAll(async () => {
  svc = await startTestService({ settings: { leaseSeconds: 60, heartbeatSeconds: 5, pollWaitSeconds: 6 } });
  arm = armClient(svc);
  admin = readFileSync(svc.adminTokenFile, 'utf8').trim();
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'db', { properties: { type: 'PostgreSql', connectionString: 'Host=127.0.0.1;Database=test', connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' } } as never });
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'table', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'db', type: 'LinkedServiceReference' }, tableName: 't' } as never });
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'copy', { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'table', type: 'DatasetReference' }], outputs: [{ referenceName: 'table', type: 'DatasetReference' }] } as never] });
  key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
  const home = new GatewayHome(tempDir('dmgw-home'));
  await joinGateway(home, key, { nodeName: 'node' });
  token = await nodeToken(home, readRegistration(home)!);
  await arm.integrationRuntimeNodes.update(RESOURCE_GROUP, F, GW, 'node', { concurrentJobsLimit: 256 });
});
afterAll(async () => svc?.close());

describe('the long poll', () => {
  it.each([
    ['a non-numeric waitSeconds (NaN deadline: the poll spun on the store)', { free: 1, waitSeconds: 'soon' }, 'waitSeconds'],
    ['a negative waitSeconds', { free: 1, waitSeconds: -5 }, 'waitSeconds'],
    ['a huge waitSeconds', { free: 1, waitSeconds: 1e9 }, 'waitSeconds'],
    ['a fractional free', { free: 1.5 }, 'free'],
    ['a negative free', { free: -1 }, 'free'],
    ['free as a string', { free: 'all' }, 'free'],
  ])('%s is a 400 at once, not a wait', async (_what, body, target) => {
    const r = await channel('/poll', body, token, 12_000);
    expect400(r, target);
    expect(r.ms).toBeLessThan(3000);
  });

  it('a good poll still waits and answers with no jobs', async () => {
    const r = await channel('/poll', { free: 1, waitSeconds: 1 });
    expect(r.status, r.text).toBe(200);
    expect(r.json!.jobs).toEqual([]);
  });
});

describe('run events', () => {
  it('an unknown event kind is a 400 naming events[i].event; nothing of the batch is applied', async () => {
    const job = await leasedJob();
    const r = await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: [{ event: 'run-started', time: time(), runId: job.runId, pipeline: 'copy', parameters: {} }, { event: 'explode', time: time(), runId: job.runId }] });
    expect400(r, 'events[1].event');
    expect(r.json!.error!.message).toMatch(/run-started.*run-finished/);
  });

  it('a run-finished with a non-final status is a 400, and the run is not left InProgress with its job closed', async () => {
    const job = await leasedJob();
    const bad = await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: [{ event: 'run-finished', time: time(), runId: job.runId, status: 'InProgress', durationMs: 1 }] });
    expect400(bad, 'events[0].status');
    expect(bad.json!.error!.message).toMatch(/Succeeded, Failed, Cancelled/);
    // the job is still leased to us: a real end is taken
    const good = await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: [{ event: 'run-finished', time: time(), runId: job.runId, status: 'Failed', durationMs: 1, error: { code: 'X', message: 'it broke' } }] });
    expect(good.status, good.text).toBe(200);
    // the job was the run's one activity: the service's orchestrator fails the run with its error
    const run = await until('the run to end', async () => {
      const r = await arm.pipelineRuns.get(RESOURCE_GROUP, F, job.runId);
      return r.status === 'Failed' ? r : undefined;
    }, 10_000);
    expect(run.message).toBe('activity Copy failed: it broke');
  });

  it('an activity event with no activity name is a 400 (it was a 500 from the store)', async () => {
    const job = await leasedJob();
    const r = await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: [{ event: 'activity-started', time: time(), runId: job.runId, activityType: 'Copy' }] });
    expect400(r, 'events[0].activity');
  });

  it.each([
    ['a time that is not a date-time', { event: 'activity-started', time: 'yesterday', activity: 'Copy', activityType: 'Copy' }, 'events[0].time'],
    ['a progress count that is a string', { event: 'progress', time: time(), activity: 'Copy', rowsRead: 'many', rowsWritten: 0, bytesRead: 0, bytesWritten: 0, rowsPerSecond: 0 }, 'events[0].rowsRead'],
    ['an error without a message', { event: 'run-finished', time: time(), status: 'Failed', durationMs: 1, error: { code: 'X' } }, 'events[0].error.message'],
  ])('%s is a 400 naming it', async (_what, event, target) => {
    const job = await leasedJob();
    const r = await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: [{ runId: job.runId, ...event }] });
    expect400(r, target);
  });

  it('events that is not an array, and a result with a wrong exit code, are 400s', async () => {
    const job = await leasedJob();
    expect400(await channel(`/jobs/${job.jobId}/events`, { leaseToken: job.leaseToken, events: { event: 'log' } }), 'events');
    expect400(await channel(`/jobs/${job.jobId}/result`, { leaseToken: job.leaseToken, outcome: 'finished', exitCode: 'zero' }), 'exitCode');
    expect400(await channel(`/jobs/${job.jobId}/lease`, { leaseToken: 42 }), 'leaseToken');
  });
});

describe('heartbeat and register', () => {
  it.each([
    ['a machine whose version is a number', { machine: { ...machineInfo(), version: 5 } }, 'machine.version'],
    ['an available memory beyond any machine (was a 500 from the store)', { machine: machineInfo(), runningJobs: [], cpuPercent: 1, availableMemoryMb: 1e12 }, 'availableMemoryMb'],
    ['a cpu share that is not a number', { machine: machineInfo(), runningJobs: [], cpuPercent: 'busy', availableMemoryMb: 1 }, 'cpuPercent'],
  ])('heartbeat: %s is a 400', async (_what, body, target) => {
    expect400(await channel('/heartbeat', body), target);
  });

  it('register: a machine whose cpus is not a number is a 400 (it was a 500 from the store)', async () => {
    const r = await channel('/register', { key, nodeName: 'other', certificatePem: svc.caCertPem, machine: { ...machineInfo(), cpus: 'many' } }, undefined);
    expect400(r, 'machine.cpus');
  });

  it('register: a body that is not an object is a 400', async () => {
    expect400(await channel('/register', [key], undefined), 'body');
  });
});

describe('ARM bodies', () => {
  it('queryPipelineRuns with a filter whose values are not a list is a 400 (it was a 500)', async () => {
    const r = await armPost('/queryPipelineRuns', { lastUpdatedAfter: new Date(0).toISOString(), lastUpdatedBefore: time(), filters: [{ operand: 'Status', operator: 'Equals', values: 'Failed' }] });
    expect400(r, 'filters[0].values');
  });

  it('queryPipelineRuns without its window is a 400 naming the field', async () => {
    expect400(await armPost('/queryPipelineRuns', { lastUpdatedBefore: time() }), 'lastUpdatedAfter');
  });

  it('a pipeline parameter that is not an object (createRun reads each as { type }) is a 400 on PUT', async () => {
    const r = await armPost('/pipelines/params', { properties: { activities: [], parameters: { day: null } } }, 'PUT');
    expect400(r, 'properties.parameters.day');
  });

  it('a factory whose tags are not an object of strings is a 400', async () => {
    const r = await send(svc, { method: 'PUT', path: `${FACTORY}-tags?${API}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'x', tags: { a: { b: 1 } } }) });
    expect400(r, 'tags.a');
  });

  it('createRun with parameters that are not an object, and a node limit out of range, are 400s', async () => {
    expect400(await armPost('/pipelines/copy/createRun', [1, 2]), 'body');
    expect400(await armPost(`/integrationRuntimes/${GW}/nodes/node`, { concurrentJobsLimit: 1e6 }, 'PATCH'), 'concurrentJobsLimit');
    expect400(await armPost(`/integrationRuntimes/${GW}/regenerateAuthKey`, { keyName: 'authKey3' }), 'keyName');
  });

  it.each([
    ['a NUL in a string (jsonb refused it: a 500)', '{"properties":{"activities":[],"description":"a\\u0000b"}}', /\\u0000 \(NUL\)/],
    ['a NUL in a property name', '{"properties":{"activities":[],"k\\u0000":1}}', /\\u0000 \(NUL\)/],
    ['half a surrogate pair (jsonb refused it: a 500)', '{"properties":{"activities":[],"description":"\\ud800"}}', /surrogate/],
    ['nesting 5,000 deep (the recursive walks overflowed the stack: a 500)', `{"properties":{"activities":[],"annotations":${'['.repeat(5000)}${']'.repeat(5000)}}}`, /more than 128 deep/],
  ])('a body with %s is a 400', async (_what, body, message) => {
    const r = await send(svc, { method: 'PUT', path: `${FACTORY}/pipelines/stored?${API}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body });
    expect([r.status, r.json?.error?.code], r.text).toEqual([400, 'InvalidRequestContent']);
    expect(r.json!.error!.message).toMatch(message);
  });

  it('a surrogate pair that is a character, and nesting as deep as a real pipeline, are fine', async () => {
    const nested = (d: number): unknown => (d ? [nested(d - 1)] : 'x');
    const body = `{"properties":{"activities":[],"description":"emoji \\ud83d\\ude00 \\u00e9","annotations":[${JSON.stringify(nested(60))}]}}`;
    const r = await send(svc, { method: 'PUT', path: `${FACTORY}/pipelines/stored?${API}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body });
    expect(r.status, r.text).toBe(200);
  });

  it('nothing above reached the log as an error', () => {
    expect(svc.logs.filter((l) => / error /.test(l))).toEqual([]);
  });
});
