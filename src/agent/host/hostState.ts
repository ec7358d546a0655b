/**
 * What the host is doing, written to `host-state.json` in the gateway home on every change, so `dmgw status` (and
 * the VS Code extension through it) can show it without talking to the host: the host has no port to ask.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../../common/version.js';
import type { GatewayHome } from '../config/home.js';
import type { CredentialEndpointStatus } from '../credentialEndpoint/server.js';
import type { MetricsEndpointStatus } from './metricsServer.js';

/** Online: talking to the service; Offline: cannot reach it (backing off); NeedRegistration: no valid credential; Upgrading: installing a new agent version. */
export type HostStatus = 'Starting' | 'Online' | 'Offline' | 'NeedRegistration' | 'Upgrading' | 'Stopping' | 'Stopped';

export interface RunningJob {
  jobId: string;
  runId: string;
  pipeline: string;
  /** an activity job: the data activity it runs (the service orchestrates the rest of the run) */
  activity?: string;
  attempt: number;
  workerPid?: number;
  startedAt: string;
}

export interface HostState {
  pid: number;
  version: string;
  status: HostStatus;
  message?: string;
  startedAt: string;
  updatedAt: string;
  lastContactAt?: string;
  serviceUrl?: string;
  factory?: string;
  gateway?: string;
  node?: string;
  concurrentJobsLimit: number;
  runningJobs: RunningJob[];
  /** Present when the host serves the credential endpoint. */
  credentialEndpoint?: CredentialEndpointStatus;
  /** Present when the host serves Prometheus metrics. */
  metrics?: MetricsEndpointStatus;
  /** The last thing about agent updates the operator should know: a refused or failed release, a wait. */
  updateNotice?: UpdateNotice;
}

export interface UpdateNotice {
  /** refused: not installed, and why; failed: could not fetch it (tried again later); waiting: for the version asked for */
  kind: 'refused' | 'failed' | 'waiting';
  version?: string;
  message: string;
  at: string;
}

export const stateFile = (home: GatewayHome): string => join(home.root, 'host-state.json');

export function readHostState(home: GatewayHome): HostState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(home), 'utf8')) as HostState;
  } catch {
    return undefined;
  }
}

export class HostStateWriter {
  readonly state: HostState;

  constructor(private readonly home: GatewayHome) {
    const now = new Date().toISOString();
    this.state = { pid: process.pid, version: VERSION, status: 'Starting', startedAt: now, updatedAt: now, concurrentJobsLimit: 0, runningJobs: [] };
  }

  update(patch: Partial<HostState>): void {
    Object.assign(this.state, patch, { updatedAt: new Date().toISOString() });
    const file = stateFile(this.home);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o644 });
      renameSync(tmp, file);
    } catch {
      // the home went away (tests cleaning up); nothing to show anyway
    }
  }
}
