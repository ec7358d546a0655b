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
import { HostStateWriter } from './hostState.js';
import { listen } from './listener.js';
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
}

/** Resolves with the exit code for the launcher: Ok, or Updating when a new agent version was installed. */
export async function runHost(o: HostOptions): Promise<number> {
  const release = acquireHostLock(o.home);
  const state = new HostStateWriter(o.home);
  const endpoint = o.credentialEndpoint && new CredentialEndpoint(o.home, o.credentialEndpoint.host, o.credentialEndpoint.port, o.log.child('credential-endpoint'), (s) => state.update({ credentialEndpoint: s }));
  try {
    if (endpoint) await endpoint.start();
    const conn = new Connection(o.home, o.env, o.proxy);
    if (!(await conn.load())) {
      state.update({ status: 'NeedRegistration', message: 'not registered: run `dmgw register KEY`' });
      o.log.warn('this machine is not registered with a gateway; waiting for `dmgw register KEY`');
    } else {
      const r = conn.registration!;
      state.update({ serviceUrl: r.serviceUrl, factory: r.factory, gateway: r.gateway, node: r.nodeName });
      o.log.info(`host ${process.pid} starting: node ${r.nodeName} of gateway ${r.gateway} at ${r.serviceUrl}`);
    }
    const stallSeconds = Number(o.env.DMGW_WORKER_STALL_SECONDS ?? 600);
    if (!Number.isFinite(stallSeconds) || stallSeconds <= 0) throw new DmgwError('USAGE', `DMGW_WORKER_STALL_SECONDS must be a positive number, not "${o.env.DMGW_WORKER_STALL_SECONDS}"`);
    const supervisor = new Supervisor({ client: () => conn.current(), home: o.home, workerCommand: o.workerCommand, env: workerEnv(o.env, o.proxy), log: o.log.child('job'), stallMs: stallSeconds * 1000 }, () =>
      state.update({ runningJobs: supervisor.running() }),
    );
    const updating = new AbortController();
    const signal = AbortSignal.any([o.signal, updating.signal]);
    const updater = new Updater({ home: o.home, conn, supervisor, state, log: o.log.child('update'), exit: () => updating.abort() });
    const loops = Promise.all([listen(conn, supervisor, state, o.log.child('listener'), signal), heartbeats(conn, supervisor, state, o.log.child('heartbeat'), signal, updater)]);
    await loops;
    if (!updating.signal.aborted) state.update({ status: 'Stopping' });
    o.log.info('stopping: releasing running jobs');
    await supervisor.abandonAll('the host is stopping', true);
    await conn.client?.close().catch(() => undefined);
    await endpoint?.close();
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
