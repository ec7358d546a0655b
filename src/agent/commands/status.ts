/** `dmgw status [--json]`: registration, gateway, node, host status, version, service URL, running jobs. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../../common/exitCodes.js';
import { shortKeyId } from '../../common/gateway/releaseManifest.js';
import { VERSION } from '../../common/version.js';
import { readRegistration } from '../channel/registration.js';
import { machineInfo } from '../channel/machine.js';
import { defaultConcurrentJobsLimit } from '../../common/gateway/concurrency.js';
import { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import type { CredentialEndpointStatus } from '../credentialEndpoint/server.js';
import { readHostState, type HostState } from '../host/hostState.js';
import { runningHostPid } from '../host/lock.js';
import type { MetricsEndpointStatus } from '../host/metricsServer.js';
import { write, type Command } from './command.js';
import { updateReport, type UpdateReport } from './update.js';

export interface GatewayStatusReport {
  home: string;
  version: string;
  registered: boolean;
  serviceUrl?: string;
  factory?: string;
  gateway?: string;
  node?: string;
  /** Running (pid) or not */
  host: { running: boolean; pid?: number };
  /** Online / Offline / NeedRegistration / Stopped ... as the host last wrote it; NeedRegistration when not registered */
  status: string;
  message?: string;
  lastContactAt?: string;
  concurrentJobsLimit?: number;
  runningJobs: HostState['runningJobs'];
  /** The running host's endpoint; from the settings (listening: false) when no host runs. */
  credentialEndpoint: CredentialEndpointStatus;
  /** This machine, and the concurrentJobsLimit a node registered from it gets by default (common/gateway/concurrency.ts). */
  machine: { cpus: number; memoryMb: number; defaultConcurrentJobsLimit: number };
  /** The running host's Prometheus endpoint; from the settings (listening: false) when no host runs. */
  metrics: MetricsEndpointStatus;
  /** The running host's agent version, what DMGW_HOME/versions holds, the update schedule, trusted release keys, the last refusal. */
  update: UpdateReport;
}

export function gatewayStatus(home: GatewayHome): GatewayStatusReport {
  const reg = readRegistration(home);
  const pid = runningHostPid(home);
  const st = readHostState(home);
  const live = pid !== undefined && st?.pid === pid ? st : undefined;
  const m = machineInfo();
  return {
    home: home.root,
    version: VERSION,
    registered: !!reg,
    serviceUrl: reg?.serviceUrl,
    factory: reg?.factory,
    gateway: reg?.gateway,
    node: reg?.nodeName,
    host: { running: pid !== undefined, pid },
    status: !reg ? 'NeedRegistration' : live ? live.status : 'Stopped',
    message: live?.message,
    lastContactAt: live?.lastContactAt,
    concurrentJobsLimit: live?.concurrentJobsLimit,
    runningJobs: live?.runningJobs ?? [],
    update: updateReport(home),
    credentialEndpoint: live ? (live.credentialEndpoint ?? { enabled: false, listening: false }) : configuredEndpoint(home),
    machine: { cpus: m.cpus, memoryMb: m.memoryMb, defaultConcurrentJobsLimit: defaultConcurrentJobsLimit(m.cpus, m.memoryMb) },
    metrics: live ? (live.metrics ?? { enabled: false, listening: false }) : configuredMetrics(home),
  };
}

function configuredMetrics(home: GatewayHome): MetricsEndpointStatus {
  try {
    const s = readSettings(home);
    const port = s['metrics.port'];
    return port === undefined ? { enabled: false, listening: false } : { enabled: true, host: s['metrics.host'], port, listening: false };
  } catch (e) {
    return { enabled: false, listening: false, message: (e as Error).message };
  }
}

function configuredEndpoint(home: GatewayHome): CredentialEndpointStatus {
  try {
    const s = readSettings(home);
    const port = s['credentialEndpoint.port'];
    return port === undefined ? { enabled: false, listening: false } : { enabled: true, host: s['credentialEndpoint.host'], port, listening: false };
  } catch (e) {
    return { enabled: false, listening: false, message: (e as Error).message };
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the gateway node: registration, host, status, running jobs',
  usage: 'Usage:\n  dmgw status [--json]\n      Registration (service, factory, gateway, node), whether the host runs, its status\n      (Online / Offline / NeedRegistration / Stopped), version and running jobs.',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const s = gatewayStatus(GatewayHome.resolve({ env: io.env }));
    if (values.json) {
      write(io.stdout, JSON.stringify(s));
      return ExitCode.Ok;
    }
    const lines = [
      `status:        ${s.status}${s.message ? ` (${s.message})` : ''}`,
      `host:          ${s.host.running ? `running (pid ${s.host.pid})` : 'not running'}`,
      `registered:    ${s.registered ? 'yes' : 'no — run `dmgw register KEY`'}`,
      ...(s.registered ? [`service:       ${s.serviceUrl}`, `factory:       ${s.factory}`, `gateway:       ${s.gateway}`, `node:          ${s.node}`] : []),
      `version:       ${s.update.hostVersion ?? s.version}${s.update.installed ? ` (installed update ${s.update.installed})` : ''}`,
      `updates:       ${s.update.off ?? `${s.update.schedule}${s.update.nextWindow ? ` (next window ${s.update.nextWindow})` : ''}, release keys ${s.update.trustedKeys.map(shortKeyId).join(', ')}`}`,
      ...(s.update.notice ? [`update notice: ${s.update.notice.message} (${s.update.notice.at})`] : []),
      ...(s.lastContactAt ? [`last contact:  ${s.lastContactAt}`] : []),
      ...(s.concurrentJobsLimit ? [`job limit:     ${s.concurrentJobsLimit} (set by the service; the default for this machine, ${s.machine.cpus} cores and ${s.machine.memoryMb} MiB, is ${s.machine.defaultConcurrentJobsLimit})`] : []),
      `credential endpoint: ${s.credentialEndpoint.enabled ? `https://${s.credentialEndpoint.host}:${s.credentialEndpoint.port} (${s.credentialEndpoint.listening ? 'listening' : 'not listening'})` : 'off'}${s.credentialEndpoint.tlsThumbprint ? `, TLS thumbprint ${s.credentialEndpoint.tlsThumbprint}` : ''}${s.credentialEndpoint.message ? ` (${s.credentialEndpoint.message})` : ''}`,
      `metrics:       ${s.metrics.enabled ? `http://${s.metrics.host}:${s.metrics.port}/metrics (${s.metrics.listening ? 'listening' : 'not listening'})` : 'off (dmgw config set metrics.port PORT)'}${s.metrics.message ? ` (${s.metrics.message})` : ''}`,
      `running jobs:  ${s.runningJobs.length}`,
      ...s.runningJobs.map((j) => `  ${j.pipeline}  run ${j.runId}  attempt ${j.attempt}  worker ${j.workerPid ?? '?'}  since ${j.startedAt}`),
      `home:          ${s.home}`,
    ];
    write(io.stdout, lines.join('\n'));
    return ExitCode.Ok;
  },
};
