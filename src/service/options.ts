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
  /** Schema for the tables on --postgres. Default dmgw. */
  postgresSchema?: string;
  /** URL written into gateway keys. Default https://<host>:<port>. */
  publicUrl?: string;
  settings?: Partial<ChannelSettings>;
  maxAttempts?: number;
  /** Where log lines go (already redacted). Default stderr. */
  log?: (line: string) => void;
}

export const DEFAULT_SETTINGS: ChannelSettings = { pollWaitSeconds: 25, heartbeatSeconds: 10, leaseSeconds: 30 };
export const DEFAULT_MAX_ATTEMPTS = 3;
