/**
 * `npm run demo`: the walkthrough through the factory service, as a user does it. The service runs in this process
 * (embedded PGlite store); everything asks it through the Azure Resource Manager API (@azure/arm-datafactory, the
 * same management code as `dmgw gateway`/`dmgw pipeline`): create the factory and the gateway, get its key; then
 * `dmgw register` and `dmgw host` as a child process make this machine its node; the PostgreSQL password is encrypted
 * for the certificate the service publishes for the node (`dmgw encrypt --cert`, from a home with no key); the
 * factory is uploaded and a run created, which goes through the queue to the host's worker.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readHostState } from '../agent/host/hostState.js';
import { GatewayHome } from '../agent/config/home.js';
import { DEFAULT_SUBSCRIPTION, tokenFileCredential } from '../agent/management/client.js';
import { createGateway, ensureFactory, gatewayCertificates, gatewayKeys, showGateway } from '../agent/management/gateways.js';
import { isFinal, startRun, waitForRun, type RunReport } from '../agent/management/runs.js';
import { scopeOf, type FactoryScope } from '../agent/management/scope.js';
import { uploadFactory } from '../agent/management/upload.js';
import type { RunEvent } from '../common/events.js';
import { startService, type RunningService } from '../service/service.js';
import type { DemoContext } from './demoContext.js';
import { runDmgw, startDmgw } from './dmgwProcess.js';
import { ProgressView } from './progressView.js';
import { DemoFailure } from './stages.js';
import type { CopyFigures } from './summary.js';
import { POSTGRES_LINKED_SERVICE, prepareWalkthrough, WALKTHROUGH_PIPELINE, type PreparedFactory } from './walkthroughFactory.js';

export const SERVICE_STAGES = 5;
const FACTORY = 'dmgw-demo';
const RESOURCE_GROUP = 'demo';
/** the walkthrough's linked service names this gateway (integrationRuntime/OnPremGateway.json) */
const GATEWAY = 'OnPremGateway';
const NODE = 'demo-node';

/** The factory service in this process: PGlite store, TLS certificate and admin token in the scratch folder. */
export async function startDemoService(scratch: string): Promise<RunningService & { logFile: string }> {
  const logFile = join(scratch, 'service.log');
  const svc = await startService({ dataDir: join(scratch, 'service'), port: 0, log: (line) => appendFileSync(logFile, `${line}\n`) });
  return Object.assign(svc, { logFile });
}

export async function runThroughService(c: DemoContext, svc: RunningService & { logFile: string }): Promise<{ factory: PreparedFactory; copy: CopyFigures }> {
  const scope = scopeOf({
    connection: { endpoint: svc.url, subscription: DEFAULT_SUBSCRIPTION, credential: tokenFileCredential(svc.adminTokenFile), caPem: svc.caCertPem },
    resourceGroup: RESOURCE_GROUP,
    factory: FACTORY,
    azure: false,
  });

  const key = await c.stages.run(
    'factory + gateway',
    `creating factory ${FACTORY} and gateway ${GATEWAY} through the ARM API (@azure/arm-datafactory), then its keys (listAuthKeys)`,
    async () => {
      await ensureFactory(scope, 'local');
      const g = await createGateway(scope, GATEWAY, { description: 'the demo gateway' });
      return { state: g.state, key: (await gatewayKeys(scope, GATEWAY)).authKey1 };
    },
    (r) => `gateway ${GATEWAY}: ${r.state}; authKey1 carries the service URL, the gateway and the service's TLS fingerprint ${svc.fingerprint.slice(0, 8)}…`,
  );

  const home = join(c.scratch, 'gateway-home');
  const nodeEnv: NodeJS.ProcessEnv = { ...c.env, DMGW_HOME: home };
  const node = await c.stages.run(
    'register + host',
    `registering this machine as node ${NODE} and starting its host: dmgw register --key-stdin; dmgw host`,
    async () => {
      const r = await runDmgw(['register', '--key-stdin', '--node-name', NODE], { env: nodeEnv, input: key.key });
      if (r.code !== 0) throw new DemoFailure(`dmgw register failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      const host = startDmgw(['host'], { env: nodeEnv });
      c.defer(() => host.stop());
      const state = await until(60_000, async () => {
        if (host.exited()) throw new DemoFailure(`dmgw host exited: ${host.stderr().trim() || `see ${join(home, 'logs', 'dmgw.log')}`}`);
        const g = await showGateway(scope, GATEWAY);
        return g.state === 'Online' ? g : undefined;
      });
      if (!state) throw new DemoFailure(`the node did not come Online within a minute; see ${join(home, 'logs', 'dmgw.log')} and ${svc.logFile}`);
      return { host, thumbprint: state.nodes[0]?.certificateThumbprint ?? '?' };
    },
    (n) => `node ${NODE} Online; host pid ${n.host.pid} long-polls ${svc.url} (outbound only, no port of its own)`,
  );

  const factory = await c.stages.run(
    'encrypt',
    'encrypting the PostgreSQL password for the certificate the service publishes for the gateway: dmgw encrypt --cert',
    async () => {
      const certs = await gatewayCertificates(scope, GATEWAY);
      if (!certs[0]) throw new DemoFailure(`the service lists no certificate for gateway ${GATEWAY}`);
      const pem = join(c.scratch, 'gateway-certificate.pem');
      writeFileSync(pem, certs[0].certificate);
      const f = prepareWalkthrough(join(c.scratch, 'factory'), { postgres: { host: c.db.host, port: c.db.port }, blobConnectionString: c.blob.connectionString });
      // the author's side: a home with no gateway key at all; only the published certificate
      const authorHome = join(c.scratch, 'author-home');
      mkdirSync(authorHome, { recursive: true });
      // PGlite accepts any password; a fresh random one still shows the real flow: stdin in, JWE out.
      const r = await runDmgw(['encrypt', join(f.dir, POSTGRES_LINKED_SERVICE), '--password-stdin', '--cert', pem], { env: { ...c.env, DMGW_HOME: authorHome }, input: `${randomBytes(18).toString('base64url')}\n` });
      if (r.code !== 0) throw new DemoFailure(`dmgw encrypt failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return f;
    },
    () => `OnPremPostgreSql → ${c.db.host}:${c.db.port}; its password only as an EncryptedCredential for node certificate ${node.thumbprint.slice(0, 8)}…, bound to that server`,
  );

  const started = await c.stages.run(
    'upload + createRun',
    `uploading the factory (createOrUpdate of each file) and creating a run of ${WALKTHROUGH_PIPELINE}`,
    async () => {
      const up = await uploadFactory(scope, factory.dir);
      const at = Date.now();
      return { up, at, runId: await startRun(scope, WALKTHROUGH_PIPELINE) };
    },
    ({ up, runId }) => `${up.integrationRuntimes.length} gateway, ${up.linkedServices.length} linked services, ${up.datasets.length} datasets, ${up.pipelines.length} pipelines; run ${runId} queued`,
  );

  const report = await c.stages.run(
    'queue → worker → blob',
    `watching run ${started.runId}: the service queues it, the host's long poll takes it, a dmgw worker copies`,
    () => watch(c, scope, started.runId, new GatewayHome(home)),
    (r) => `run ${r.status}${r.message ? `: ${r.message}` : ''}`,
  );
  const act = report.activities[0];
  const verdict = act?.output?.dataConsistencyVerification as { ok?: boolean } | undefined;
  return {
    factory,
    copy: {
      copyMs: act?.durationMs ?? 0,
      engineOk: verdict?.ok,
      pickupMs: act?.start ? Date.parse(act.start) - started.at : undefined,
      node: NODE,
    },
  };
}

/**
 * The worker the host started for the run: from its running jobs, or — a short copy can start and end between two
 * looks — from the line the host logs when it starts one (`job … (run R, …, attempt N): worker PID started`).
 */
function workerOf(home: GatewayHome, runId: string): string | undefined {
  const job = readHostState(home)?.runningJobs.find((j) => j.runId === runId);
  if (job?.workerPid) return `worker pid ${job.workerPid}, attempt ${job.attempt}`;
  let text: string;
  try {
    text = readFileSync(home.logFile, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`run ${runId},.*?attempt (\\d+)\\): worker (\\d+) started`).exec(text);
  return m ? `worker pid ${m[2]}, attempt ${m[1]}` : undefined;
}

/** Follows the run through ARM, drawing it with the same progress view as a local run; fails unless it succeeds. */
async function watch(c: DemoContext, scope: FactoryScope, runId: string, home: GatewayHome): Promise<RunReport> {
  const view = new ProgressView(c.out);
  const base = { time: '', runId };
  let status = '';
  const seen = new Map<string, string>();
  let worker: string | undefined;
  const final = await waitForRun(scope, runId, {
    intervalMs: 250,
    onChange: (r) => {
      if (r.status !== status) view.onEvent({ ...base, event: 'log', level: 'info', message: `run ${r.status}` });
      status = r.status;
      if (!worker) {
        worker = workerOf(home, runId);
        if (worker) view.onEvent({ ...base, event: 'log', level: 'info', message: `the host leased the job: ${worker}` });
      }
      for (const a of r.activities) {
        const was = seen.get(a.name);
        if (!was) view.onEvent({ ...base, event: 'activity-started', activity: a.name, activityType: a.type ?? 'Copy' });
        seen.set(a.name, a.status);
        if (a.status === 'InProgress' && a.output && typeof a.output.rowsWritten === 'number') view.onEvent({ ...base, event: 'progress', activity: a.name, ...(a.output as object) } as RunEvent);
        if (a.status !== 'InProgress' && was !== a.status) {
          view.onEvent({ ...base, event: 'activity-finished', activity: a.name, status: a.status as 'Succeeded', durationMs: a.durationMs ?? 0, error: a.error?.message ? { code: a.error.errorCode ?? 'Failed', message: a.error.message } : undefined });
        }
      }
    },
  });
  view.close();
  if (!isFinal(final) || final.status !== 'Succeeded') {
    const why = final.activities.find((a) => a.error?.message)?.error?.message ?? final.message ?? final.status;
    throw new DemoFailure(`the pipeline run ${final.status}: ${why}`);
  }
  return final;
}

async function until<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}
