/**
 * The host's side of self-update (actions/runner's SelfUpdater): the heartbeat hands it the service's offer; when
 * it is due — asked for through ARM `upgrade` or `dmgw update`, or the node's schedule window is open and the
 * gateway's autoUpdate is On — the host stops taking work, waits for running jobs to finish, downloads the bundle
 * over the pinned channel, checks its SHA-256 and the service's signature, installs it beside the current one,
 * switches `current`, and exits with ExitCode.Updating so its launcher restarts it on the new version.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, verifyRelease, VERSION_PATTERN, type AgentUpdateOffer } from '../../common/gateway/agentRelease.js';
import type { Logger } from '../../common/log.js';
import { VERSION } from '../../common/version.js';
import type { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { inUpdateWindow, parseUpdateSchedule } from '../config/updateSchedule.js';
import type { Connection } from '../host/connection.js';
import type { HostStateWriter } from '../host/hostState.js';
import type { Supervisor } from '../host/supervisor.js';
import { hasFailed, installVersion, readCurrentVersion, switchCurrent } from './versions.js';

/** `dmgw update` leaves this file for the host: update at the next offer, whatever the schedule. */
export const updateRequestFile = (home: GatewayHome): string => join(home.root, 'update-requested');

export class Updater {
  private busy = false;
  private refused = new Set<string>();

  constructor(
    private readonly o: { home: GatewayHome; conn: Connection; supervisor: Supervisor; state: HostStateWriter; log: Logger; exit: () => void },
  ) {}

  /** The version the heartbeat should report as being installed. */
  get upgradingTo(): string | undefined {
    return this.busy ? this.target : undefined;
  }

  private target?: string;

  consider(offer: AgentUpdateOffer | undefined): void {
    if (!offer || this.busy || offer.version === VERSION || this.refused.has(offer.version)) return;
    const { home, log } = this.o;
    if (!VERSION_PATTERN.test(offer.version)) return this.refuse(offer.version, `the service offers "${offer.version}", which is not a version`);
    if (hasFailed(home, offer.version)) return this.refuse(offer.version, `agent ${offer.version} failed to start here before (rolled back); not installing it again`);
    const asked = offer.requested || existsSync(updateRequestFile(home));
    let inWindow = false;
    try {
      inWindow = offer.autoUpdate && inUpdateWindow(parseUpdateSchedule(readSettings(home)['update.schedule']), new Date());
    } catch (e) {
      log.warn(`update schedule: ${(e as Error).message}`);
    }
    if (!asked && !inWindow) return;
    this.busy = true;
    this.target = offer.version;
    log.info(`updating ${VERSION} → ${offer.version} (${asked ? 'requested' : 'scheduled window'}): taking no new jobs, waiting for ${this.o.supervisor.running().length} running`);
    void this.apply(offer);
  }

  private refuse(version: string, why: string): void {
    this.refused.add(version);
    this.o.log.warn(why);
  }

  private async apply(offer: AgentUpdateOffer): Promise<void> {
    const { home, conn, supervisor, state, log } = this.o;
    supervisor.drain();
    state.update({ status: 'Upgrading', message: `installing agent ${offer.version} once running jobs finish` });
    await supervisor.idle();
    try {
      const pinned = conn.registration?.serviceCertificatePem;
      if (!pinned) throw new Error('the service certificate is not pinned (a publicly trusted service): updates need it to check the signature');
      const bytes = await conn.current().download(offer.path);
      const sha = sha256Hex(bytes);
      if (sha !== offer.sha256.toLowerCase()) throw new Error(`refused agent ${offer.version}: its SHA-256 is ${sha}, the service announced ${offer.sha256}`);
      if (!verifyRelease(offer.version, sha, offer.signature, pinned)) throw new Error(`refused agent ${offer.version}: the signature does not verify against the pinned service certificate`);
      installVersion(home, offer.version, bytes, sha);
      const before = readCurrentVersion(home)?.version;
      switchCurrent(home, offer.version, before);
      rmSync(updateRequestFile(home), { force: true });
      log.info(`agent ${offer.version} installed (sha256 ${sha}, signature verified); restarting on it`);
      state.update({ message: `restarting on agent ${offer.version}` });
      this.o.exit();
    } catch (e) {
      log.error(`update to ${offer.version} failed: ${(e as Error).message}; staying on ${VERSION}`);
      this.refused.add(offer.version);
      this.busy = false;
      this.target = undefined;
      supervisor.resume();
      state.update({ status: 'Online', message: `update to ${offer.version} failed: ${(e as Error).message}` });
    }
  }
}
