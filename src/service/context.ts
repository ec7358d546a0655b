/** Everything a route needs, built once by startService and passed to every route file. */
import type { ChannelSettings } from '../common/gateway/protocol.js';
import type { Wakeups } from './queue/wakeups.js';
import type { FactoryStore } from './store/factories.js';
import type { GatewayStore } from './store/gateways.js';
import type { JobStore } from './store/jobs.js';
import type { NodeStore } from './store/nodes.js';
import type { ProbeStore } from './store/probes.js';
import type { ReleaseStore } from './store/releases.js';
import type { ResourceStore } from './store/resources.js';
import type { RunStore } from './store/runs.js';
import type { Sql } from './store/sql.js';
import type { SupportReportStore } from './store/supportReports.js';

/** The runs the service orchestrates (orchestration/orchestrations.ts). */
export interface RunOrchestration {
  /** creates a run and starts orchestrating it; returns its run id */
  create(r: { factoryId: string; pipelineName: string; shown: Record<string, unknown>; values: Record<string, unknown>; secure: string[] }): Promise<string>;
  cancel(runId: string, recursive: boolean): Promise<void>;
}

export interface ServiceContext {
  sql: Sql;
  factories: FactoryStore;
  resources: ResourceStore;
  gateways: GatewayStore;
  nodes: NodeStore;
  runs: RunStore;
  jobs: JobStore;
  /** interactive jobs: Test Connection through a gateway (store/probes.ts) */
  probes: ProbeStore;
  releases: ReleaseStore;
  supportReports: SupportReportStore;
  wakeups: Wakeups;
  settings: ChannelSettings;
  /** A rolling update halts when the node it asked has not been heard from for this long (rollout/rollout.ts). */
  rolloutNodeTimeoutSeconds: number;
  /** How many times a job is tried (lease expiries and releases count) before its run fails. */
  maxAttempts: number;
  /** Node credentials: lifetime, and how long a renewed one stays valid (service/channel/credential.ts). */
  credentials: { lifetimeSeconds: number; overlapSeconds: number };
  /** The URL agents use, written into gateway keys. */
  publicUrl: string;
  /** SHA-256 of the TLS certificate, pinned by agents through the key. */
  fingerprint: string;
  certPem: string;
  /** Aborted when the service stops: long polls return at once. */
  stopping: AbortSignal;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** set once the service is up */
  orchestration?: RunOrchestration;
}
