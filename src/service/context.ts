/** Everything a route needs, built once by startService and passed to every route file. */
import type { ChannelSettings } from '../common/gateway/protocol.js';
import type { Wakeups } from './queue/wakeups.js';
import type { FactoryStore } from './store/factories.js';
import type { GatewayStore } from './store/gateways.js';
import type { JobStore } from './store/jobs.js';
import type { NodeStore } from './store/nodes.js';
import type { ReleaseStore } from './store/releases.js';
import type { ResourceStore } from './store/resources.js';
import type { RunStore } from './store/runs.js';
import type { Sql } from './store/sql.js';

export interface ServiceContext {
  sql: Sql;
  factories: FactoryStore;
  resources: ResourceStore;
  gateways: GatewayStore;
  nodes: NodeStore;
  runs: RunStore;
  jobs: JobStore;
  releases: ReleaseStore;
  /** Signs with the service's TLS private key (RSA-SHA256, base64): agent releases, verified by nodes against the pinned certificate. */
  sign(message: string): string;
  wakeups: Wakeups;
  settings: ChannelSettings;
  /** How many times a job is tried (lease expiries and releases count) before its run fails. */
  maxAttempts: number;
  /** The URL agents use, written into gateway keys. */
  publicUrl: string;
  /** SHA-256 of the TLS certificate, pinned by agents through the key. */
  fingerprint: string;
  certPem: string;
  /** Aborted when the service stops: long polls return at once. */
  stopping: AbortSignal;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}
