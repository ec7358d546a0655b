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

/**
 * When a node credential expires, and from when its node renews it (`POST /credential`, at half its lifetime; at once
 * when the credential presented is the one a renewal replaced). ISO times of the service's clock.
 */
export interface CredentialTimes {
  credentialExpiresAt: string;
  credentialRenewAfter: string;
}

export interface RegisterResponse extends CredentialTimes {
  nodeId: string;
  nodeName: string;
  gatewayId: string;
  gatewayName: string;
  factory: string;
  /** The node credential: a bearer token bound to the key generation it was issued under, valid until it expires. */
  token: string;
  concurrentJobsLimit: number;
  settings: ChannelSettings;
  warnings: string[];
}

/** `POST /credential`: a new credential for the one presented, which stays valid a short while (a lost answer). */
export interface CredentialResponse extends CredentialTimes {
  token: string;
}

export interface NamedResource {
  name: string;
  properties: Record<string, unknown>;
}

/**
 * What an activity job is part of: the service orchestrates the run and sends each data activity as its own job,
 * a pipeline of that one activity with every expression already evaluated (docs/GATEWAY-PROTOCOL.md).
 */
export interface ActivityJobInfo {
  /** the activity as the run's pipeline names it */
  name: string;
  type: string;
  /** its activity run (the run's own id is the job's runId) */
  activityRunId: string;
  pipelineName: string;
}

/**
 * One job (credentials stay encrypted for the gateway): a pipeline to run with everything the worker needs. With
 * `activity` set it is one data activity of a run the service orchestrates; `pipeline` then holds just that activity.
 */
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
  /** How long the job waited in the service's queue before this lease, by the service's clock (pickup-delay metrics). */
  queuedSeconds?: number;
  /** set for an activity job (services with per-activity dispatch) */
  activity?: ActivityJobInfo;
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

export interface ResultResponse {
  /** The job has ended for good (done: no other attempt comes), so what a killed worker kept for resume may go. */
  ended?: boolean;
}

/**
 * An interactive job (`/probes/poll`): test one linked service's connection from the node, ahead of every queued
 * job and outside the node's job slots. `linkedServices` is the one to test plus those it references (a Key Vault);
 * credentials stay encrypted for the gateway (`EncryptedCredential`), as in a JobMessage.
 */
export interface ProbeMessage {
  probeId: string;
  leaseToken: string;
  kind: 'test-connection';
  factoryName: string;
  linkedService: string;
  linkedServices: NamedResource[];
  /** how long the connector may take */
  timeoutSeconds: number;
}

export interface ProbePollRequest {
  /** Longest the node wants the poll held (the service caps it at settings.pollWaitSeconds). */
  waitSeconds?: number;
}

export interface ProbePollResponse {
  probes: ProbeMessage[];
}

/** What the node's connector said: `message` is the driver's own (secrets redacted on the node). */
export interface ProbeResultRequest {
  leaseToken: string;
  ok: boolean;
  message: string;
  code?: string;
  durationMs: number;
}

export interface HeartbeatRequest {
  machine: MachineInfo;
  runningJobs: string[];
  cpuPercent: number;
  availableMemoryMb: number;
  /** Set while the node installs this agent version (ARM shows the node as Upgrading). */
  upgradingTo?: string;
  /** The version the node's operator asked for (`dmgw update --to V`): offer that one instead of the newest. */
  wantedVersion?: string;
  /** The node's last word on updates (a refused or failed release, and why): a rolling update halts on a refusal. */
  updateNotice?: { kind: 'refused' | 'failed' | 'waiting'; version?: string; message: string; at: string };
}

export interface HeartbeatResponse {
  settings: ChannelSettings;
  concurrentJobsLimit: number;
  status: string;
  /** An agent release (the newest, or the node's wantedVersion) when the node runs another version; the node decides. */
  update?: AgentUpdateOffer;
  /** The times of the credential this heartbeat presented (absent from services before credentials expired). */
  credential?: CredentialTimes;
}

/**
 * `POST /whoami` (`{}`): who the service takes this node for, without changing anything (no heartbeat is recorded) —
 * what `dmgw diagnose` checks the registration with.
 */
export interface WhoamiResponse extends CredentialTimes {
  nodeName: string;
  gatewayName: string;
  factory: string;
  /** the key the node registered with, and its generation then (a regenerated key revokes the credential) */
  keyName: string;
  keyGeneration: number;
  concurrentJobsLimit: number;
  /** the node's certificate as the service publishes it (credentials are encrypted for it) */
  certificateThumbprint: string;
}

/** `POST /support-reports` (raw body: a support bundle, application/gzip, at most SUPPORT_REPORT_MAX_BYTES of supportReport.ts). */
export interface SupportReportResponse {
  reportId: string;
  size: number;
  sha256: string;
}

/** Error body for every non-2xx answer, as ARM shapes them. */
export interface ChannelError {
  error: { code: string; message: string };
}
