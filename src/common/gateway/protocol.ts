/**
 * The gateway channel: what a node (the host) and the factory service say to each other over HTTPS under
 * `/gateway/v1`. The node only ever connects out; every call but register carries `Authorization: Bearer <node
 * credential>`. docs/GATEWAY-PROTOCOL.md describes the exchange; these types are its single source.
 */
import type { RunEvent } from '../events.js';
import type { AgentUpdateOffer } from './agentRelease.js';

export const CHANNEL_PREFIX = '/gateway/v1';

/** Timings the service hands every node (buildkite-style: the server sets the pace; nodes add jitter). */
export interface ChannelSettings {
  /** Longest the service holds a poll open when there is no work. */
  pollWaitSeconds: number;
  heartbeatSeconds: number;
  /** A lease not renewed within this many seconds expires and the job is queued again. */
  leaseSeconds: number;
}

export interface MachineInfo {
  machineName: string;
  version: string;
  os: string;
  arch: string;
  cpus: number;
  memoryMb: number;
}

export interface RegisterRequest {
  key: string;
  nodeName: string;
  /** The node's certificate (PEM): the service publishes it so credentials can be encrypted for the gateway. */
  certificatePem: string;
  machine: MachineInfo;
}

export interface RegisterResponse {
  nodeId: string;
  nodeName: string;
  gatewayId: string;
  gatewayName: string;
  factory: string;
  /** The node credential: a bearer token bound to the key generation it was issued under. */
  token: string;
  concurrentJobsLimit: number;
  settings: ChannelSettings;
  warnings: string[];
}

export interface NamedResource {
  name: string;
  properties: Record<string, unknown>;
}

/** One job: a pipeline run with everything the worker needs (credentials stay encrypted for the gateway). */
export interface JobMessage {
  jobId: string;
  runId: string;
  leaseToken: string;
  attempt: number;
  leaseSeconds: number;
  factoryName: string;
  pipeline: NamedResource;
  linkedServices: NamedResource[];
  datasets: NamedResource[];
  parameters: Record<string, unknown>;
}

export interface PollRequest {
  /** Free worker slots on the node right now. */
  free: number;
  /** Longest the node wants the poll held (the service caps it at settings.pollWaitSeconds). */
  waitSeconds?: number;
}

export interface PollResponse {
  jobs: JobMessage[];
  settings: ChannelSettings;
  concurrentJobsLimit: number;
}

export interface LeaseRequest {
  leaseToken: string;
}

export interface LeaseResponse {
  leaseExpiresAt: string;
  /** The run was cancelled: stop the worker; report run-finished Cancelled. */
  cancel: boolean;
}

export interface EventsRequest {
  leaseToken: string;
  events: RunEvent[];
}

/**
 * How a job ended on the node. `finished`: the worker reported run-finished (its status is final).
 * `release`: the worker died or could not run (crash, retryable error): queue it again (or fail it when out of attempts).
 */
export interface ResultRequest {
  leaseToken: string;
  outcome: 'finished' | 'release';
  exitCode: number | null;
  signal?: string | null;
  message?: string;
}

export interface HeartbeatRequest {
  machine: MachineInfo;
  runningJobs: string[];
  cpuPercent: number;
  availableMemoryMb: number;
  /** Set while the node installs this agent version (ARM shows the node as Upgrading). */
  upgradingTo?: string;
}

export interface HeartbeatResponse {
  settings: ChannelSettings;
  concurrentJobsLimit: number;
  status: string;
  /** The newest agent release, when the node runs another version. */
  update?: AgentUpdateOffer;
}

/** Error body for every non-2xx answer, as ARM shapes them. */
export interface ChannelError {
  error: { code: string; message: string };
}
