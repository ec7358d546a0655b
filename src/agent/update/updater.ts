/**
 * The host's side of self-update (actions/runner's SelfUpdater): the heartbeat hands it the service's offer, which
 * it judges first (offerCheck.ts: signed by a trusted release key, not older, not failed before) — a refusal is
 * logged, shown in `dmgw status` and never acted on, whatever ARM `upgrade` or the schedule asks. When an acceptable
 * offer is due — asked for through ARM `upgrade` or `dmgw update`, or the schedule window is open and the gateway's
 * autoUpdate is On — the host stops taking work, waits for running jobs to finish (and for the long poll in flight, whose
 * jobs are the node's to finish too), downloads the bundle, checks it
 * against the signed manifest, installs it beside the current one with manifest and signature, switches `current`
 * and exits with ExitCode.Updating so its launcher restarts it on the new version. A download that breaks or a
 * service that cannot serve it is tried again at a later offer: only a bundle that does not match its manifest is
 * final (until the host restarts), and only a start that fails marks the bundle failed (launcher.ts).
 */
import { isDmgwError } from '../../common/errors.js';
import type { AgentUpdateOffer } from '../../common/gateway/agentRelease.js';
import { checkBundle, ReleaseRefused, verifyManifest, type ReleaseManifest } from '../../common/gateway/releaseManifest.js';
import type { Logger } from '../../common/log.js';
import { VERSION } from '../../common/version.js';
import { ChannelFailure } from '../channel/client.js';
import type { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { inUpdateWindow, parseUpdateSchedule } from '../config/updateSchedule.js';
import { sleep } from '../host/backoff.js';
import type { Connection } from '../host/connection.js';
import type { HostStateWriter, UpdateNotice } from '../host/hostState.js';
import type { Supervisor } from '../host/supervisor.js';
import { checkOffer, signedBy } from './offerCheck.js';
import { clearUpdateRequest, readUpdateRequest } from './request.js';
import { NO_TRUSTED_KEY, trustedKeys } from './trustStore.js';
import { failedBefore, installVersion, readCurrentVersion, switchCurrent, type SignedManifest } from './versions.js';

const DOWNLOAD_ATTEMPTS = 3;

export class Updater {
  private busy = false;
  private target?: string;
  /** refusals of bundles whose download did not match their signed manifest, by `version:sha256`: not fetched again until restart */
  private readonly altered = new Map<string, string>();
  /** after a download that could not be fetched, no new try before this time */
  private retryAt = 0;
  private readonly retryMs: number;

  constructor(
    private readonly o: { home: GatewayHome; conn: Connection; supervisor: Supervisor; state: HostStateWriter; log: Logger; exit: () => void; env?: NodeJS.ProcessEnv },
  ) {
    this.retryMs = Number(o.env?.DMGW_UPDATE_RETRY_SECONDS ?? 60) * 1000;
  }

  /** The version the heartbeat should report as being installed. */
  get upgradingTo(): string | undefined {
    return this.busy ? this.target : undefined;
  }

  /** The version the node's operator asked for (`dmgw update --to V`), for the heartbeat to ask the service for. */
  get wantedVersion(): string | undefined {
    return readUpdateRequest(this.o.home)?.to;
  }

  consider(offer: AgentUpdateOffer | undefined): void {
    if (this.busy) return;
    const { home, log } = this.o;
    const request = readUpdateRequest(home);
    if (request?.to === VERSION) {
      clearUpdateRequest(home);
      log.info(`agent ${VERSION} was asked for (dmgw update --to) and is running`);
    }
    const trusted = trustedKeys(home, log);
    if (!trusted.length) return this.notice({ kind: 'refused', message: NO_TRUSTED_KEY });
    if (!offer) return this.notice(request?.to && request.to !== VERSION ? { kind: 'waiting', version: request.to, message: `waiting for agent ${request.to} (asked with dmgw update --to): the service does not offer it` } : undefined);
    let decision;
    try {
      decision = checkOffer(offer, { trusted, running: VERSION, request, failedBefore: (v, sha) => failedBefore(home, v, sha) });
    } catch (e) {
      if (!isDmgwError(e)) throw e;
      return this.notice({ kind: 'refused', version: offer.version, message: `${e.message}${e.hint ? ` — ${e.hint}` : ''}` });
    }
    if (decision.kind === 'skip') return this.notice(decision.why ? { kind: 'waiting', version: request?.to, message: decision.why } : undefined);
    // the same refusal as when its download was checked, not a new one at every heartbeat
    const altered = this.altered.get(`${decision.manifest.version}:${decision.manifest.sha256}`);
    if (altered) return this.notice({ kind: 'refused', version: decision.manifest.version, message: altered });
    if (Date.now() < this.retryAt) return;
    const asked = offer.requested || request !== undefined;
    let inWindow = false;
    try {
      inWindow = offer.autoUpdate && inUpdateWindow(parseUpdateSchedule(readSettings(home)['update.schedule']), new Date());
    } catch (e) {
      log.warn(`update schedule: ${(e as Error).message}`);
    }
    if (!asked && !inWindow) return;
    this.busy = true;
    this.target = decision.manifest.version;
    log.info(
      `updating ${VERSION} → ${decision.manifest.version}${decision.downgrade ? ' (a downgrade the operator asked for)' : ''} (${asked ? 'requested' : 'scheduled window'}; signed by ${signedBy(decision.manifest)}): taking no new jobs, waiting for ${this.o.supervisor.running().length} running and for the poll in flight`,
    );
    void this.apply(offer.path, decision.manifest, decision.signed);
  }

  /** Shows `n` in `dmgw status` and logs it once (heartbeats repeat the same offer); undefined clears it. */
  private notice(n: Omit<UpdateNotice, 'at'> | undefined): void {
    const old = this.o.state.state.updateNotice;
    if (old?.message === n?.message) return;
    if (n) this.o.log[n.kind === 'waiting' ? 'info' : 'warn'](n.message);
    this.o.state.update({ updateNotice: n && { ...n, at: new Date().toISOString() } });
  }

  private async apply(path: string, m: ReleaseManifest, signed: SignedManifest): Promise<void> {
    const { home, supervisor, state, log } = this.o;
    supervisor.drain();
    state.update({ status: 'Upgrading', message: `installing agent ${m.version} once running jobs finish` });
    await supervisor.idle();
    const resume = (n: Omit<UpdateNotice, 'at'>) => {
      this.busy = false;
      this.target = undefined;
      supervisor.resume();
      state.update({ status: 'Online', message: undefined });
      this.notice(n);
    };
    let bytes: Buffer;
    try {
      bytes = await this.download(path, m.version);
    } catch (e) {
      this.retryAt = Date.now() + this.retryMs;
      return resume({ kind: 'failed', version: m.version, message: `could not download agent ${m.version}: ${(e as Error).message}; staying on ${VERSION}, trying again at a later offer` });
    }
    try {
      checkBundle(m, bytes);
    } catch (e) {
      if (!(e instanceof ReleaseRefused)) throw e;
      const message = `${e.message}; staying on ${VERSION}, not fetching this bundle again until restarted`;
      this.altered.set(`${m.version}:${m.sha256}`, message);
      return resume({ kind: 'refused', version: m.version, message });
    }
    try {
      // the trust list may have changed while the jobs finished
      verifyManifest(signed.bytes, signed.signature, trustedKeys(home, log));
      installVersion(home, m, bytes, signed);
      switchCurrent(home, m.version, readCurrentVersion(home)?.version);
    } catch (e) {
      return resume({ kind: e instanceof ReleaseRefused ? 'refused' : 'failed', version: m.version, message: `agent ${m.version} not installed: ${(e as Error).message}; staying on ${VERSION}` });
    }
    clearUpdateRequest(home);
    log.info(`agent ${m.version} installed (sha256 ${m.sha256}, signed by ${signedBy(m)}); restarting on it`);
    state.update({ message: `restarting on agent ${m.version}`, updateNotice: undefined });
    this.o.exit();
  }

  /** Fetches the bundle, trying again a few times when the connection breaks or the service fails. */
  private async download(path: string, version: string): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.o.conn.current().download(path);
      } catch (e) {
        const transient = e instanceof ChannelFailure && (e.kind === 'unreachable' || e.kind === 'unavailable');
        if (!transient || attempt >= DOWNLOAD_ATTEMPTS) throw e;
        this.o.log.warn(`download of agent ${version} failed (attempt ${attempt} of ${DOWNLOAD_ATTEMPTS}): ${(e as Error).message}`);
        await sleep(2000 * attempt);
      }
    }
  }
}
