/**
 * The message loop (actions/runner's MessageListener, buildkite's ping loop): long-poll for jobs while there are
 * free worker slots, hand each job to the supervisor, poll again at once after an answer. Unreachable service:
 * back off with jitter. 401: the credential was revoked — stop taking work (and stop running jobs, whose reports
 * would be refused), show NeedRegistration, and wait for a new registration.
 */
import type { Logger } from '../../common/log.js';
import { ChannelFailure } from '../channel/client.js';
import { describeProxy } from '../proxy/proxySettings.js';
import { Backoff, sleep } from './backoff.js';
import type { Connection } from './connection.js';
import type { HostStateWriter } from './hostState.js';
import type { Supervisor } from './supervisor.js';

const REGISTRATION_CHECK_MS = 1000;

export async function listen(conn: Connection, supervisor: Supervisor, state: HostStateWriter, log: Logger, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff();
  while (!signal.aborted) {
    if (state.state.status === 'NeedRegistration' || !conn.client) {
      if (!conn.changed()) {
        await sleep(REGISTRATION_CHECK_MS, signal);
        continue;
      }
      if (!(await conn.load())) continue;
      const r = conn.registration!;
      log.info(`registration loaded: node ${r.nodeName} of gateway ${r.gateway} at ${r.serviceUrl}`);
      state.update({ status: 'Starting', message: undefined, serviceUrl: r.serviceUrl, factory: r.factory, gateway: r.gateway, node: r.nodeName });
    }
    if (conn.changed()) {
      // registered again while running (a new key), or a new proxy: use them from the next poll on
      try {
        await conn.load();
        log.info(`registration or proxy changed: node ${conn.registration?.nodeName}, ${conn.proxy ? `through the proxy ${describeProxy(conn.proxy)}` : conn.bypassed ? 'no proxy (NO_PROXY lists the service)' : 'no proxy'}`);
      } catch (e) {
        // keep the connection we have; the next change of the files is tried again
        log.error(`cannot use the changed registration or proxy: ${(e as Error).message}`);
        state.update({ message: (e as Error).message });
      }
    }
    if (supervisor.free() <= 0) {
      await supervisor.slotFreed(signal);
      continue;
    }
    supervisor.prepare();
    try {
      const r = await supervisor.take(() => conn.current().poll({ free: supervisor.free(), waitSeconds: conn.settings.pollWaitSeconds }, signal));
      backoff.reset();
      conn.settings = r.settings;
      supervisor.limit = r.concurrentJobsLimit;
      if (state.state.status !== 'Online') log.info('connected to the factory service');
      state.update({ ...(state.state.status === 'Upgrading' ? {} : { status: 'Online', message: undefined }), lastContactAt: new Date().toISOString(), concurrentJobsLimit: r.concurrentJobsLimit });
    } catch (e) {
      if (signal.aborted) break;
      if (e instanceof ChannelFailure && e.kind === 'unauthorized') {
        log.error(`the service refused this node: ${e.message}`);
        state.update({ status: 'NeedRegistration', message: e.message });
        await supervisor.abandonAll('this node is no longer registered');
        continue;
      }
      const wait = backoff.next();
      log.warn(`poll failed (${(e as Error).message}); retrying in ${(wait / 1000).toFixed(1)} s`);
      state.update({ status: e instanceof ChannelFailure && e.kind === 'unreachable' ? 'Offline' : state.state.status, message: (e as Error).message });
      await sleep(wait, signal);
    }
  }
}
