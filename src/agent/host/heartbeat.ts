/** Heartbeats at the interval the service sets, with jitter: machine, load, running jobs; takes back the node's job limit and renews its credential when due. */
import type { Logger } from '../../common/log.js';
import { availableMemoryMb, cpuPercent, machineInfo } from '../channel/machine.js';
import { ChannelFailure } from '../channel/client.js';
import { jittered, sleep } from './backoff.js';
import { renewCredentialIfDue } from './credentialRenewal.js';
import type { Connection } from './connection.js';
import type { HostStateWriter } from './hostState.js';
import type { Supervisor } from './supervisor.js';
import type { Updater } from '../update/updater.js';
import type { HostMetrics } from './metrics.js';

export async function heartbeats(conn: Connection, supervisor: Supervisor, state: HostStateWriter, log: Logger, signal: AbortSignal, updater?: Updater, metrics?: HostMetrics): Promise<void> {
  while (!signal.aborted) {
    if (conn.client && state.state.status !== 'NeedRegistration') {
      try {
        const r = await conn.client.heartbeat({ machine: machineInfo(), runningJobs: supervisor.running().map((j) => j.jobId), cpuPercent: cpuPercent(), availableMemoryMb: availableMemoryMb(), upgradingTo: updater?.upgradingTo, wantedVersion: updater?.wantedVersion, updateNotice: state.state.updateNotice });
        metrics?.heartbeat();
        updater?.consider(r.update);
        await renewCredentialIfDue(conn, r.credential, log);
        conn.settings = r.settings;
        supervisor.limit = r.concurrentJobsLimit;
        const reached = state.state.status === 'Starting' || state.state.status === 'Offline';
        state.update({ ...(reached ? { status: 'Online', message: undefined } : {}), lastContactAt: new Date().toISOString(), concurrentJobsLimit: r.concurrentJobsLimit, runningJobs: supervisor.running() });
      } catch (e) {
        // the listener owns the reaction to 401 and outages; a heartbeat only reports
        if (!(e instanceof ChannelFailure && e.kind === 'unauthorized')) log.debug(`heartbeat failed: ${(e as Error).message}`);
      }
    }
    await sleep(jittered(conn.settings.heartbeatSeconds * 1000), signal);
  }
}
