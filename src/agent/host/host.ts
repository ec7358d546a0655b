/**
 * The host: what a service manager runs (`dmgw host`). Owns everything long-lived on the node — the lock, the
 * registration, the listener, heartbeats and the supervisor of workers — and nothing of any one job. It keeps
 * running through service outages (backing off) and revoked credentials (NeedRegistration, until registered
 * again); SIGTERM/SIGINT stop it: workers are killed and their jobs released for another node.
 */
import { DmgwError } from '../../common/errors.js';
import { DIRECT } from '../proxy/proxySettings.js';
import type { Logger } from '../../common/log.js';
import type { GatewayHome } from '../config/home.js';
import { CredentialEndpoint } from '../credentialEndpoint/server.js';
import { Connection } from './connection.js';
import { heartbeats } from './heartbeat.js';
import { serveProbes } from './probes.js';
import { HostStateWriter } from './hostState.js';
import { listen } from './listener.js';
import { HostMetrics } from './metrics.js';
import { MetricsEndpoint } from './metricsServer.js';
import { acquireHostLock } from './lock.js';
import { Supervisor } from './supervisor.js';
import { ExitCode } from '../../common/exitCodes.js';
import { Updater } from '../update/updater.js';

export interface HostOptions {
  home: GatewayHome;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** argv prefix that runs the dmgw CLI, for workers: [node, cli.js] */
  workerCommand: string[];
  signal: AbortSignal;
  /** `--proxy`: a proxy URL or `direct`, over DMGW_PROXY, the home's stored proxy and HTTPS_PROXY. */
  proxy?: string;
  /** Serve the credential endpoint on this address (off when absent). */
  credentialEndpoint?: { host: string; port: number };
  /** Serve Prometheus metrics on this address (off when absent). */
  metrics?: { host: string; port: number };
}

/** Resolves with the exit code for the launcher: Ok, or Updating when a new agent version was installed. */
export async function runHost(o: HostOptions): Promise<number> {
  const release = acquireHostLock(o.home);
  const state = new HostStateWriter(o.home);
  const endpoint = o.credentialEndpoint && new CredentialEndpoint(o.home, o.credentialEndpoint.host, o.credentialEndpoint.port, o.log.child('credential-endpoint'), (s) => state.update({ credentialEndpoint: s }));
  let supervisor: Supervisor | undefined;
  const metrics = new HostMetrics({
    runningJobs: () => supervisor?.running().length ?? 0,
    limit: () => state.state.concurrentJobsLimit,
    status: () => state.state.status,
    identity: () => ({ node: state.state.node, gateway: state.state.gateway }),
  });
  const metricsEndpoint = o.metrics && new MetricsEndpoint(metrics, o.metrics.host, o.metrics.port, o.log.child('metrics'), (s) => state.update({ metrics: s }));
  try {
    if (endpoint) await endpoint.start();
    if (metricsEndpoint) await metricsEndpoint.start();
    const conn = new Connection(o.home, o.env, o.proxy);
    if (!(await conn.load())) {
      state.update({ status: 'NeedRegistration', message: 'not registered: run `dmgw register KEY`' });
      o.log.warn('this machine is not registered with a gateway; waiting for `dmgw register KEY`');
    } else {
      const r = conn.registration!;
      state.update({ serviceUrl: r.serviceUrl, factory: r.factory, gateway: r.gateway, node: r.nodeName });
      o.log.info(`host ${process.pid} starting: node ${r.nodeName} of gateway ${r.gateway} at ${r.serviceUrl}`);
    }
    const seconds = (name: string, fallback: number): number => {
      const v = Number(o.env[name] ?? fallback);
      if (!Number.isFinite(v) || v <= 0) throw new DmgwError('USAGE', `${name} must be a positive number of seconds, not "${o.env[name]}"`, { field: name });
      return v * 1000;
    };
    const stallMs = seconds('DMGW_WORKER_STALL_SECONDS', 600);
    const killMs = seconds('DMGW_WORKER_KILL_SECONDS', 10);
    const jobs = new Supervisor({ client: () => conn.current(), home: o.home, workerCommand: o.workerCommand, env: workerEnv(o.env, o.proxy), log: o.log.child('job'), stallMs, killMs, metrics }, () =>
      state.update({ runningJobs: jobs.running() }),
    );
    supervisor = jobs;
    const updating = new AbortController();
    const signal = AbortSignal.any([o.signal, updating.signal]);
    const updater = new Updater({ home: o.home, conn, supervisor: jobs, state, log: o.log.child('update'), exit: () => updating.abort(), env: o.env });
    const probeOptions = { home: o.home, env: workerEnv(o.env, o.proxy), workerCommand: o.workerCommand, log: o.log.child('probe') };
    const loops = Promise.all([listen(conn, jobs, state, o.log.child('listener'), signal), serveProbes(conn, state, probeOptions, signal), heartbeats(conn, jobs, state, o.log.child('heartbeat'), signal, updater, metrics)]);
    await loops;
    if (!updating.signal.aborted) state.update({ status: 'Stopping' });
    o.log.info('stopping: releasing running jobs');
    await jobs.abandonAll('the host is stopping', true);
    await conn.client?.close().catch(() => undefined);
    await endpoint?.close();
    await metricsEndpoint?.close();
    state.update({ status: updating.signal.aborted ? 'Upgrading' : 'Stopped', runningJobs: [] });
    return updating.signal.aborted ? ExitCode.Updating : ExitCode.Ok;
  } finally {
    release();
  }
}

/**
 * The environment of the workers, which resolve the proxy for their cloud data traffic themselves (from the home,
 * never given its password): `--proxy direct` reaches them as DMGW_PROXY=direct; `--proxy URL` was stored in the
 * home (`dmgw host` does it first), so a DMGW_PROXY of the environment must not win over it there either.
 */
export function workerEnv(env: NodeJS.ProcessEnv, proxyFlag: string | undefined): NodeJS.ProcessEnv {
  if (proxyFlag === undefined) return env;
  return { ...env, DMGW_PROXY: proxyFlag === DIRECT ? DIRECT : '' };
}
