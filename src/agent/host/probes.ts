/**
 * Interactive jobs (probes: Test Connection sent by the factory service). A long poll of their own beside the job
 * poll, open whatever the node's free job slots, so a probe never waits behind copy jobs; each probe runs in a
 * short-lived worker (`dmgw worker --probe -`, the linked service on stdin, its EncryptedCredential opened there
 * only) and its report goes back under the probe's lease token. A service from before probes answers the poll 404:
 * the loop then asks again only every PROBES_ABSENT_MS.
 */
import { spawn } from 'node:child_process';
import type { ProbeMessage } from '../../common/gateway/protocol.js';
import type { Logger } from '../../common/log.js';
import type { GatewayHome } from '../config/home.js';
import { ChannelFailure, type ChannelClient } from '../channel/client.js';
import type { TestConnectionReport } from '../connectors/testLinkedService.js';
import { Backoff, sleep } from './backoff.js';
import type { Connection } from './connection.js';
import type { HostStateWriter } from './hostState.js';

const PROBES_ABSENT_MS = 10 * 60_000;
const IDLE_MS = 1000;

export interface ProbeOptions {
  home: GatewayHome;
  env: NodeJS.ProcessEnv;
  /** argv prefix that runs the dmgw CLI: [node, cli.js] */
  workerCommand: string[];
  log: Logger;
}

export async function serveProbes(conn: Connection, state: HostStateWriter, o: ProbeOptions, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff();
  while (!signal.aborted) {
    if (state.state.status === 'NeedRegistration' || !conn.client) {
      await sleep(IDLE_MS, signal);
      continue;
    }
    try {
      const client = conn.current();
      const r = await client.pollProbes({ waitSeconds: conn.settings.pollWaitSeconds }, signal);
      backoff.reset();
      for (const p of r.probes) void runProbe(client, p, o);
    } catch (e) {
      if (signal.aborted) break;
      if (e instanceof ChannelFailure && e.status === 404) {
        o.log.info('the factory service has no probe queue (an older version): Test Connection through the service is off for this node');
        await sleep(PROBES_ABSENT_MS, signal);
        continue;
      }
      // 401 and outages: the job listener reports them; this loop only waits
      await sleep(backoff.next(), signal);
    }
  }
}

/** Runs one probe in a worker and reports what its connector said; never throws. */
export async function runProbe(client: ChannelClient, p: ProbeMessage, o: ProbeOptions): Promise<void> {
  const started = Date.now();
  const report = await probeWorker(p, o).catch((e: Error): TestConnectionReport => ({ linkedService: p.linkedService, type: '', ok: false, code: 'PROBE_FAILED', message: `the test could not run on this node: ${e.message}`, durationMs: Date.now() - started }));
  o.log.info(`test connection ${p.probeId} of ${p.linkedService}: ${report.ok ? 'connected' : `failed${report.code ? ` (${report.code})` : ''}`} in ${report.durationMs} ms`);
  try {
    await client.probeResult(p.probeId, { leaseToken: p.leaseToken, ok: report.ok, message: report.message, ...(report.code ? { code: report.code } : {}), durationMs: report.durationMs });
  } catch (e) {
    o.log.warn(`test connection ${p.probeId}: the answer did not reach the service: ${(e as Error).message}`);
  }
}

function probeWorker(p: ProbeMessage, o: ProbeOptions): Promise<TestConnectionReport> {
  return new Promise((resolve, reject) => {
    const [cmd, ...pre] = o.workerCommand;
    const child = spawn(cmd!, [...pre, 'worker', '--probe', '-'], { env: { ...o.env, DMGW_HOME: o.home.root }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b) => (out += String(b)));
    child.stderr!.on('data', (b) => (err += String(b)));
    child.stdin!.on('error', () => undefined);
    // the probe holds EncryptedCredentials only, and goes through a pipe, never a file
    const { leaseToken: _t, ...message } = p;
    child.stdin!.end(JSON.stringify(message));
    const killer = setTimeout(() => child.kill('SIGKILL'), (p.timeoutSeconds + 10) * 1000);
    child.once('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once('close', (code, sig) => {
      clearTimeout(killer);
      const line = out.trim().split('\n').pop();
      try {
        if (line) return resolve(JSON.parse(line) as TestConnectionReport);
      } catch {
        // not a report: say how the worker ended
      }
      reject(new Error(sig ? `its worker was killed (${sig})` : `its worker exited with ${code}${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}`));
    });
  });
}
