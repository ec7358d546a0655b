/**
 * Fuzzing the factory service as a stranger would: the built `dmgw service start` in a child process, a registered
 * node and leased jobs behind it, and fast-check throwing requests at every channel and ARM route for a fixed time —
 * bodies (valid ones with a field replaced by a wrong type, a huge number, a long string, deep nesting, a NUL; any
 * JSON; not JSON), headers (content types, a Content-Length that lies, garbage or missing authorization) and paths
 * (random and encoded segments, dot segments, `%2F`, very long). Every request goes over its own TLS connection.
 *
 * What must hold: no answer is a 5xx, every request is answered or closed within ANSWER_MS, the service logs no
 * error, and its resident memory stays bounded. `fuzzService` returns the figures (the soak writes them to
 * bench/results/); test/integration/service/fuzz.test.ts runs it.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import fc from 'fast-check';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { joinGateway } from '../../src/agent/channel/joinGateway.js';
import { machineInfo } from '../../src/agent/channel/machine.js';
import { nodeToken, readRegistration } from '../../src/agent/channel/registration.js';
import { GatewayHome } from '../../src/agent/config/home.js';
import type { JobMessage } from '../../src/common/gateway/protocol.js';
import { ensureBuilt } from './builtCli.js';
import { armClient, RESOURCE_GROUP, spawnService, SUBSCRIPTION, tempDir, type ServiceProcess } from './factoryService.js';
import { fuzzSeed } from './fuzz.js';
import { PG_URL, portOpen, uniqueName } from './servers.js';

/** A request is answered or its connection closed within this (body deadlines are 10 s before authentication). */
export const ANSWER_MS = 25_000;
const F = 'fuzz-factory';
const GW = 'fuzz-gw';
const NODE = 'fuzz-node';
const API = 'api-version=2018-06-01';

export interface ServiceFuzzFigures {
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  /** closed by the service without an answer (a body that never came, an HTTP-level error) */
  closedWithoutAnswer: number;
  slowestMs: number;
  rssMb: { afterSetup: number; peak: number; end: number };
  /** [seconds since the start, RSS MiB] every 5 s */
  rssTimeline: Array<[number, number]>;
  /** where the service kept its store: PostgreSQL (so RSS is the service's own) or PGlite (in the service's memory) */
  store: 'postgres' | 'pglite';
  /** 5xx answers and requests neither answered nor closed in time, with what was sent (empty when all is well) */
  failures: string[];
  /** service log lines at error level */
  errorLines: string[];
  seed: number;
}

interface Lease {
  jobId: string;
  leaseToken: string;
  runId: string;
}

interface World {
  svc: ServiceProcess;
  ca: string;
  admin: string;
  node: string;
  cert: string;
  key: string;
  leases: Lease[];
}

type Auth = 'admin' | 'node' | 'none';
interface Route {
  method: string;
  /** path segments; `{name}` parts are filled by the fuzzer */
  path: string;
  auth: Auth;
  /** a body the route takes, to be mutated */
  body?: (w: World, lease: Lease) => unknown;
  /** changes what other requests rely on: only ever aimed at scratch names */
  destructive?: boolean;
}

const FACTORY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/{factory}`;
const now = () => new Date().toISOString();
const lsBody = () => ({ properties: { type: 'PostgreSql', connectVia: { referenceName: GW, type: 'IntegrationRuntimeReference' }, typeProperties: { connectionString: 'Host=db;Database=d;Username=u;Password=fuzz-pw' } } });
const filterBody = () => ({ lastUpdatedAfter: new Date(0).toISOString(), lastUpdatedBefore: now(), filters: [{ operand: 'Status', operator: 'In', values: ['Queued', 'InProgress'] }], orderBy: [{ orderBy: 'RunStart', order: 'DESC' }] });

const ROUTES: Route[] = [
  { method: 'GET', path: '/gateway/v1/certificate', auth: 'none' },
  { method: 'POST', path: '/gateway/v1/register', auth: 'none', body: (w) => ({ key: w.key, nodeName: 'scratch-node', certificatePem: w.cert, machine: machineInfo() }) },
  { method: 'POST', path: '/gateway/v1/poll', auth: 'node', body: () => ({ free: 1, waitSeconds: 1 }) },
  { method: 'POST', path: '/gateway/v1/heartbeat', auth: 'node', body: () => ({ machine: machineInfo(), runningJobs: [], cpuPercent: 3, availableMemoryMb: 1024, wantedVersion: '9.9.9' }) },
  { method: 'POST', path: '/gateway/v1/jobs/{job}/lease', auth: 'node', body: (_w, l) => ({ leaseToken: l.leaseToken }) },
  {
    method: 'POST',
    path: '/gateway/v1/jobs/{job}/events',
    auth: 'node',
    body: (_w, l) => ({
      leaseToken: l.leaseToken,
      events: [
        { event: 'run-started', time: now(), runId: l.runId, pipeline: 'copy', parameters: {} },
        { event: 'activity-started', time: now(), runId: l.runId, activity: 'Copy', activityType: 'Copy' },
        { event: 'progress', time: now(), runId: l.runId, activity: 'Copy', rowsRead: 10, rowsWritten: 10, bytesRead: 100, bytesWritten: 100, rowsPerSecond: 5 },
        { event: 'log', time: now(), runId: l.runId, level: 'info', message: 'hello' },
        { event: 'activity-finished', time: now(), runId: l.runId, activity: 'Copy', status: 'Succeeded', durationMs: 5, output: { rowsCopied: 10 } },
      ],
    }),
  },
  { method: 'POST', path: '/gateway/v1/jobs/{job}/result', auth: 'node', body: (_w, l) => ({ leaseToken: l.leaseToken, outcome: 'release', exitCode: null, signal: 'SIGKILL' }) },
  { method: 'GET', path: '/gateway/v1/agent/{version}', auth: 'node' },
  { method: 'GET', path: '/subscriptions', auth: 'admin' },
  { method: 'GET', path: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.DataFactory/factories`, auth: 'admin' },
  { method: 'GET', path: `/subscriptions/${SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories`, auth: 'admin' },
  { method: 'PUT', path: FACTORY, auth: 'admin', destructive: true, body: () => ({ location: 'here', tags: { team: 'fuzz' }, properties: {} }) },
  { method: 'PATCH', path: FACTORY, auth: 'admin', destructive: true, body: () => ({ tags: { team: 'fuzz2' } }) },
  { method: 'GET', path: FACTORY, auth: 'admin' },
  { method: 'DELETE', path: FACTORY, auth: 'admin', destructive: true },
  ...(['linkedservices', 'datasets', 'pipelines'] as const).flatMap((kind): Route[] => [
    { method: 'GET', path: `${FACTORY}/${kind}`, auth: 'admin' },
    { method: 'GET', path: `${FACTORY}/${kind}/{name}`, auth: 'admin' },
    { method: 'DELETE', path: `${FACTORY}/${kind}/{name}`, auth: 'admin', destructive: true },
    {
      method: 'PUT',
      path: `${FACTORY}/${kind}/{name}`,
      auth: 'admin',
      destructive: true,
      body: () =>
        kind === 'linkedservices'
          ? lsBody()
          : kind === 'datasets'
            ? { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'db', type: 'LinkedServiceReference' }, typeProperties: { tableName: 't' } } }
            : { properties: { parameters: { p: { type: 'String', defaultValue: 'x' }, s: { type: 'SecureString' } }, activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'table', type: 'DatasetReference' }], outputs: [{ referenceName: 'table', type: 'DatasetReference' }] }] } },
    },
  ]),
  { method: 'GET', path: `${FACTORY}/integrationRuntimes`, auth: 'admin' },
  { method: 'GET', path: `${FACTORY}/integrationRuntimes/{ir}`, auth: 'admin' },
  { method: 'PUT', path: `${FACTORY}/integrationRuntimes/{ir}`, auth: 'admin', destructive: true, body: () => ({ properties: { type: 'SelfHosted', description: 'fuzz' } }) },
  { method: 'PATCH', path: `${FACTORY}/integrationRuntimes/{ir}`, auth: 'admin', destructive: true, body: () => ({ autoUpdate: 'Off', updateDelayOffset: 'PT3H' }) },
  { method: 'DELETE', path: `${FACTORY}/integrationRuntimes/{ir}`, auth: 'admin', destructive: true },
  ...['getStatus', 'listAuthKeys', 'monitoringData', 'upgrade', 'getConnectionInfo', 'listCertificates'].map((a): Route => ({ method: 'POST', path: `${FACTORY}/integrationRuntimes/{ir}/${a}`, auth: 'admin' })),
  // authKey2: the fuzz node registered with authKey1
  { method: 'POST', path: `${FACTORY}/integrationRuntimes/{ir}/regenerateAuthKey`, auth: 'admin', body: () => ({ keyName: 'authKey2' }) },
  { method: 'GET', path: `${FACTORY}/integrationRuntimes/{ir}/nodes/{node}`, auth: 'admin' },
  { method: 'PATCH', path: `${FACTORY}/integrationRuntimes/{ir}/nodes/{node}`, auth: 'admin', destructive: true, body: () => ({ concurrentJobsLimit: 4 }) },
  { method: 'DELETE', path: `${FACTORY}/integrationRuntimes/{ir}/nodes/{node}`, auth: 'admin', destructive: true },
  { method: 'POST', path: `${FACTORY}/integrationRuntimes/{ir}/nodes/{node}/ipAddress`, auth: 'admin' },
  { method: 'POST', path: `${FACTORY}/pipelines/{pipeline}/createRun`, auth: 'admin', body: () => ({ p: 'value', s: { type: 'SecureString', value: 'fuzz-secret' } }) },
  { method: 'GET', path: `${FACTORY}/pipelineruns/{run}`, auth: 'admin' },
  { method: 'POST', path: `${FACTORY}/pipelineruns/{run}/cancel`, auth: 'admin' },
  { method: 'POST', path: `${FACTORY}/pipelineruns/{run}/queryActivityruns`, auth: 'admin', body: filterBody },
  { method: 'POST', path: `${FACTORY}/queryPipelineRuns`, auth: 'admin', body: filterBody },
  { method: 'GET', path: '/providers/Dmgw/agentReleases', auth: 'admin' },
  { method: 'PUT', path: '/providers/Dmgw/agentReleases/{version}', auth: 'admin', destructive: true },
];

/** A path segment: mostly the real name, else a scratch one, else something hostile. */
const hostileSegment = fc.oneof(
  fc.constantFrom('.', '..', '%2e', '%2E%2e', '%2F', 'a%2fb', '%5C', '%00', 'a%0Ab', '%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', 'x'.repeat(5000), '%20', '~', '%7E', 'ＡＢＣ', 'K', 'İ'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ maxLength: 20, unit: 'binary' }).map((s) => s.replace(/[/?#\s]/g, '')),
);
const scratchName = fc.stringMatching(/^[a-z][a-z0-9-]{2,14}$/).filter((s) => !s.endsWith('-'));

export interface FuzzRequest {
  route: number;
  /** segment choices: 0 = the real name, 1 = a scratch name, 2 = hostile */
  names: Array<{ kind: 0 | 1 | 2; scratch: string; hostile: string }>;
  lease: number;
  auth: { kind: 'right' | 'none' | 'garbage' | 'other'; garbage: string };
  apiVersion: 'right' | 'none' | 'other';
  body: { kind: 'valid' | 'mutated' | 'json' | 'text' | 'deep' | 'none'; at: number; replacement: unknown; text: string; depth: number; drop: boolean };
  contentType: string | undefined;
  extraHeaders: Array<[string, string]>;
  lie: 'none' | 'longer' | 'shorter' | 'huge';
  lieBy: number;
  wholePath: string | undefined;
}

/** Raw JSON spellings JSON.stringify cannot make (or the fuzzer could not build): they replace a sentinel string in the body's text. */
const RAW = [
  '1e400',
  '-1e400',
  '-0',
  '1E+999',
  '123456789012345678901234567890',
  '0.0000000000000000000000001',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"x\\udc00"',
  '"\\ud83d\\ude00"',
  `${'['.repeat(129)}${']'.repeat(129)}`,
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
];
const SENTINEL = (i: number) => `__raw_${i}__`;

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, '', true, [], {}, 'x'.repeat(70_000), '\u0000', 'a\u0000b', '\ud800', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59+15:00', 'NaN'),
  fc.nat({ max: RAW.length - 1 }).map(SENTINEL),
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  route: fc.nat({ max: ROUTES.length - 1 }),
  names: fc.array(fc.record({ kind: fc.oneof({ weight: 8, arbitrary: fc.constant(0 as const) }, { weight: 1, arbitrary: fc.constant(1 as const) }, { weight: 1, arbitrary: fc.constant(2 as const) }), scratch: scratchName, hostile: hostileSegment }), { minLength: 4, maxLength: 4 }),
  lease: fc.nat(),
  auth: fc.record({ kind: fc.oneof({ weight: 8, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const, 'other' as const) }), garbage: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'Bearer dmgwn_', `Bearer ${'A'.repeat(8000)}`, 'bearer  x  y')) }),
  apiVersion: fc.oneof({ weight: 9, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'other' as const) }),
  body: fc.record({
    kind: fc.oneof({ weight: 4, arbitrary: fc.constant('valid' as const) }, { weight: 5, arbitrary: fc.constant('mutated' as const) }, { weight: 1, arbitrary: fc.constantFrom('json' as const, 'text' as const, 'deep' as const, 'none' as const) }),
    at: fc.nat(),
    replacement,
    text: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200, unit: 'binary' }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? '')),
    depth: fc.oneof(fc.integer({ min: 50, max: 300 }), fc.integer({ min: 1000, max: 40_000 })),
    drop: fc.boolean(),
  }),
  contentType: fc.oneof(fc.constant('application/json'), fc.constant(undefined), fc.constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', ''), fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ''))),
  extraHeaders: fc.array(fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), fc.string({ maxLength: 100 }).map((s) => s.replace(/[\r\n\0]/g, ''))), { maxLength: 3 }),
  lie: fc.oneof({ weight: 20, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('longer' as const, 'shorter' as const, 'huge' as const) }),
  lieBy: fc.integer({ min: 1, max: 500 }),
  wholePath: fc.option(fc.oneof(fc.array(hostileSegment, { maxLength: 8 }).map((s) => `/${s.join('/')}`), fc.constantFrom('*', '//x', `/${'a/'.repeat(3000)}`, '/gateway/v1/../v1/poll', '/GATEWAY/V1/poll'), fc.webPath()), { freq: 10, nil: undefined }),
});

/** Every path into a JSON value (objects' keys and arrays' indexes), the root included. */
function paths(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function mutate(value: unknown, at: number, replacementValue: unknown, drop: boolean): unknown {
  const all = paths(value);
  const path = all[at % all.length]!;
  if (!path.length) return replacementValue;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (drop && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacementValue;
  return copy;
}

function bodyText(r: FuzzRequest, route: Route, w: World, lease: Lease): string | undefined {
  const valid = route.body?.(w, lease);
  switch (r.body.kind) {
    case 'none':
      return undefined;
    case 'text':
      return r.body.text;
    case 'json':
      return JSON.stringify(r.body.replacement) ?? '';
    case 'deep':
      return `${'['.repeat(r.body.depth)}${']'.repeat(r.body.depth)}`;
    case 'valid':
      return valid === undefined ? undefined : JSON.stringify(valid);
    case 'mutated': {
      if (valid === undefined) return JSON.stringify(r.body.replacement) ?? '';
      let text = JSON.stringify(mutate(valid, r.body.at, r.body.replacement, r.body.drop)) ?? '';
      RAW.forEach((raw, i) => (text = text.replaceAll(JSON.stringify(SENTINEL(i)), raw)));
      return text;
    }
  }
}

export interface Prepared {
  method: string;
  path: string;
  head: string;
  body: Buffer;
  summary: string;
}

export function prepare(r: FuzzRequest, w: World): Prepared {
  const route = ROUTES[r.route]!;
  const lease = w.leases.length ? w.leases[r.lease % w.leases.length]! : { jobId: '00000000-0000-0000-0000-000000000000', leaseToken: 'none', runId: '00000000-0000-0000-0000-000000000000' };
  const real: Record<string, string> = { factory: F, rg: RESOURCE_GROUP, ir: GW, node: NODE, name: 'db', pipeline: 'copy', run: lease.runId, job: lease.jobId, version: '9.9.9' };
  let i = 0;
  let path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const n = r.names[i++ % r.names.length]!;
    // a destructive call never names what the other requests rely on (a child's factory stays the real one)
    const spared = route.destructive && n.kind === 0 && !(name === 'factory' && route.path !== FACTORY);
    const kind = spared ? 1 : n.kind;
    return kind === 0 ? encodeURIComponent(real[name]!) : kind === 1 ? n.scratch : n.hostile;
  });
  if (r.wholePath) path = r.wholePath;
  const query = route.auth === 'admin' ? (r.apiVersion === 'right' ? `?${path.toLowerCase() === '/subscriptions' ? 'api-version=2022-12-01' : API}` : r.apiVersion === 'other' ? '?api-version=2099-01-01' : '') : '';
  const token = route.auth === 'admin' ? w.admin : w.node;
  const authorization = r.auth.kind === 'right' ? `Bearer ${token}` : r.auth.kind === 'other' ? `Bearer ${route.auth === 'admin' ? w.node : w.admin}` : r.auth.kind === 'garbage' ? r.auth.garbage : undefined;
  const text = bodyText(r, route, w, lease);
  const body = Buffer.from(text ?? '', 'utf8');
  const headers: Array<[string, string]> = [['Host', 'service'], ['Connection', 'close']];
  if (authorization !== undefined) headers.push(['Authorization', authorization.replace(/[\r\n]/g, '')]);
  if (r.contentType !== undefined && text !== undefined) headers.push(['Content-Type', r.contentType]);
  for (const h of r.extraHeaders) headers.push(h);
  if (text !== undefined || route.method !== 'GET') {
    const length = r.lie === 'longer' ? body.length + r.lieBy : r.lie === 'shorter' ? Math.max(0, body.length - r.lieBy) : r.lie === 'huge' ? 1e12 : body.length;
    headers.push(['Content-Length', String(length)]);
  }
  const head = `${route.method} ${path}${query} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  const summary = `${route.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}${query} auth=${r.auth.kind} body=${r.body.kind}${text ? ` ${text.length > 300 ? `${text.slice(0, 300)}…` : text}` : ''} lie=${r.lie}`;
  return { method: route.method, path, head, body, summary };
}

export interface Outcome {
  status?: number;
  closed: boolean;
  ms: number;
  text: string;
}

/** Sends one prepared request over its own TLS connection; resolves with the status, or closed, or hung. */
export function sendRaw(w: World, p: Prepared): Promise<Outcome> {
  const u = new URL(w.svc.url);
  const t0 = Date.now();
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, closed, ms: Date.now() - t0, text: text.slice(0, 2000) });
    };
    const s = connect({ host: u.hostname, port: Number(u.port), ca: w.ca }, () => {
      s.write(p.head);
      if (p.body.length) s.write(p.body);
    });
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
    s.on('end', () => finish(true));
    const timer = setTimeout(() => finish(false), ANSWER_MS);
  });
}

/** RSS of a process in MiB (Linux /proc; 0 elsewhere). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function setUp(pgSchema: string | undefined): Promise<{ world: World; arm: DataFactoryManagementClient }> {
  ensureBuilt();
  const store = pgSchema ? ['--postgres', PG_URL, '--schema', pgSchema] : [];
  const svc = await spawnService(['--port', '0', '--data', tempDir('dmgw-fuzz-svc'), '--poll-seconds', '1', '--lease-seconds', '120', '--heartbeat-seconds', '5', ...store]);
  const arm = armClient(svc);
  await arm.factories.createOrUpdate(RESOURCE_GROUP, F, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(RESOURCE_GROUP, F, GW, { properties: { type: 'SelfHosted' } });
  const key = (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!;
  const home = new GatewayHome(tempDir('dmgw-fuzz-home'));
  await joinGateway(home, key, { nodeName: NODE });
  const node = await nodeToken(home, readRegistration(home)!);
  await arm.linkedServices.createOrUpdate(RESOURCE_GROUP, F, 'db', lsBody() as never);
  await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'table', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'db', type: 'LinkedServiceReference' }, tableName: 't' } as never });
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, 'copy', { parameters: { p: { type: 'String' }, s: { type: 'SecureString' } }, activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'table', type: 'DatasetReference' }], outputs: [{ referenceName: 'table', type: 'DatasetReference' }] } as never] });
  await arm.integrationRuntimeNodes.update(RESOURCE_GROUP, F, GW, NODE, { concurrentJobsLimit: 256 });
  const admin = readFileSync(svc.adminTokenFile, 'utf8').trim();
  const certPem = readFileSync(`${home.root}/certificates/${readFileSync(home.currentCertificateFile, 'utf8').trim()}/certificate.pem`, 'utf8');
  return { world: { svc, ca: readFileSync(svc.caCertFile, 'utf8'), admin, node, cert: certPem, key: (await arm.integrationRuntimes.listAuthKeys(RESOURCE_GROUP, F, GW)).authKey1!, leases: [] }, arm };
}

/** Queues runs and leases them to the fuzz node, so events, lease and result requests have jobs to be about. */
async function addLeases(w: World, arm: DataFactoryManagementClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await arm.pipelines.createRun(RESOURCE_GROUP, F, 'copy');
  const p: Prepared = { method: 'POST', path: '/gateway/v1/poll', head: '', body: Buffer.from(JSON.stringify({ free: n, waitSeconds: 1 })), summary: 'poll' };
  p.head = `POST /gateway/v1/poll HTTP/1.1\r\nHost: service\r\nConnection: close\r\nAuthorization: Bearer ${w.node}\r\nContent-Type: application/json\r\nContent-Length: ${p.body.length}\r\n\r\n`;
  const out = await sendRaw(w, p);
  const json = out.text.slice(out.text.indexOf('\r\n\r\n') + 4);
  try {
    for (const j of (JSON.parse(json) as { jobs: JobMessage[] }).jobs) w.leases.push({ jobId: j.jobId, leaseToken: j.leaseToken, runId: j.runId });
  } catch {
    // a poll that leased nothing (the fuzz may have changed the node): carry on with what there is
  }
  if (w.leases.length > 50) w.leases.splice(0, w.leases.length - 50);
}

/**
 * Fuzzes a fresh service for `seconds` with `concurrency` requests in flight. Resolves with the figures; the caller
 * asserts on them (no failures, no error lines, memory bounded).
 */
export async function fuzzService(o: { seconds: number; concurrency?: number }): Promise<ServiceFuzzFigures> {
  // On PostgreSQL the service's RSS is its own; PGlite keeps the store (which grows with every run) in the same heap.
  const pgSchema = (await portOpen(5432)) ? uniqueName('fuzz') : undefined;
  const { world: w, arm } = await setUp(pgSchema);
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let requests = 0;
  let closedWithoutAnswer = 0;
  let slowestMs = 0;
  const seed = fuzzSeed() ?? Date.now() % 2 ** 31;
  try {
    await addLeases(w, arm, 8);
    const afterSetup = rssMb(w.svc.child.pid!);
    let peak = afterSetup;
    const t0 = Date.now();
    const rssTimeline: Array<[number, number]> = [[0, afterSetup]];
    const sampler = setInterval(() => {
      const rss = rssMb(w.svc.child.pid!);
      peak = Math.max(peak, rss);
      const at = Math.round((Date.now() - t0) / 1000);
      if (at - rssTimeline[rssTimeline.length - 1]![0] >= 5) rssTimeline.push([at, rss]);
    }, 250);
    const refill = setInterval(() => void addLeases(w, arm, 4).catch(() => undefined), 3000);
    try {
      const workers = Array.from({ length: o.concurrency ?? 6 }, (_, k) =>
        fc.assert(
          fc.asyncProperty(fuzzRequest, async (r) => {
            const p = prepare(r, w);
            const out = await sendRaw(w, p);
            requests++;
            slowestMs = Math.max(slowestMs, out.ms);
            const key = out.status === undefined ? (out.closed ? 'closed' : 'hung') : String(out.status);
            statuses[key] = (statuses[key] ?? 0) + 1;
            if (out.status === undefined && out.closed) closedWithoutAnswer++;
            const bad = (out.status !== undefined && out.status >= 500) || (!out.closed && out.status === undefined);
            if (bad) {
              const why = `${out.status ?? 'no answer and not closed'} after ${out.ms} ms: ${p.summary}\n  → ${out.text.slice(0, 400).replace(/\r\n/g, ' | ')}`;
              failures.push(why);
              throw new Error(why);
            }
          }),
          { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: o.seconds * 1000, markInterruptAsFailure: false, seed: seed + k, endOnFailure: true },
        ),
      );
      const settled = await Promise.allSettled(workers);
      for (const s of settled) if (s.status === 'rejected' && !failures.length) failures.push(String(s.reason));
    } finally {
      clearInterval(sampler);
      clearInterval(refill);
    }
    const errorLines = w.svc.stderr.filter((l) => / error /.test(l));
    return { seconds: o.seconds, requests, statuses, closedWithoutAnswer, slowestMs, rssMb: { afterSetup, peak, end: rssMb(w.svc.child.pid!) }, rssTimeline, store: pgSchema ? 'postgres' : 'pglite', failures, errorLines, seed };
  } finally {
    await w.svc.stop('SIGKILL');
    if (pgSchema) {
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`drop schema if exists ${pgSchema} cascade`).finally(() => db.end());
    }
  }
}
