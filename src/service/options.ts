/** What the service can be told, and the defaults (the channel timings are handed to every node). */
import type { ChannelSettings } from '../common/gateway/protocol.js';

export interface ServiceOptions {
  /** Folder for the embedded store, the TLS certificate, the admin token and the master key. */
  dataDir: string;
  /** 0 picks a free port. Default 8443. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (the CLI defaults to 0.0.0.0). */
  host?: string;
  /** PostgreSQL URL: share one store between replicas. Default: PGlite in dataDir/store. */
  postgres?: string;
  /** The PostgreSQL password (from a file or stdin); without it pg uses PGPASSWORD. Never in the URL. */
  postgresPassword?: string;
  /** Schema for the tables on --postgres. Default dmgw. */
  postgresSchema?: string;
  /** URL written into gateway keys. Default https://<host>:<port>. */
  publicUrl?: string;
  settings?: Partial<ChannelSettings>;
  /** Open connections one client address may hold (more are closed as they arrive). Default 128. */
  maxConnectionsPerAddress?: number;
  maxAttempts?: number;
  /** How long a node credential is valid (its host renews it at half that). Default 30 days. */
  nodeCredentialSeconds?: number;
  /** How long a renewed credential stays valid after its renewal (a lost answer must not strand the node). Default 10 minutes, at most half the lifetime. */
  nodeCredentialOverlapSeconds?: number;
  /** A rolling update halts when the node it asked is silent this long. Default 900. */
  rolloutNodeTimeoutSeconds?: number;
  /** Where log lines go (already redacted). Default stderr. */
  log?: (line: string) => void;
}

export const DEFAULT_SETTINGS: ChannelSettings = { pollWaitSeconds: 25, heartbeatSeconds: 10, leaseSeconds: 30 };
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_ROLLOUT_NODE_TIMEOUT_SECONDS = 900;
export const DEFAULT_NODE_CREDENTIAL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_NODE_CREDENTIAL_OVERLAP_SECONDS = 600;
