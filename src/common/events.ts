/**
 * Run events: what a worker (`dmgw run --events ndjson`, `dmgw worker`) tells whoever started it, one JSON
 * object per line. The VS Code extension, the host and the demo render these; docs/EVENTS.md documents them.
 * Every event has `event`, `time` (ISO 8601) and `runId`. Add fields compatibly; never rename.
 */
export interface EventBase {
  time: string;
  runId: string;
}

export interface RunStarted extends EventBase {
  event: 'run-started';
  pipeline: string;
  parameters: Record<string, unknown>;
}

export interface ActivityStarted extends EventBase {
  event: 'activity-started';
  activity: string;
  activityType: string;
}

export interface Progress extends EventBase {
  event: 'progress';
  activity: string;
  rowsRead: number;
  rowsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  /** rows/s over the last interval */
  rowsPerSecond: number;
  /** estimated total rows when the source can tell (partition bounds, table statistics) */
  rowsTotal?: number;
  /** partitions finished / all */
  partitionsDone?: number;
  partitions?: number;
}

export interface LogEvent extends EventBase {
  event: 'log';
  level: 'error' | 'warn' | 'info' | 'verbose';
  message: string;
  activity?: string;
}

export interface ConsistencyVerdict {
  /** true when both sides agree */
  ok: boolean;
  sourceRows: number;
  sinkRows: number;
  sourceChecksum: string;
  sinkChecksum: string;
}

export interface ActivityOutput {
  rowsRead: number;
  rowsCopied: number;
  dataRead: number;
  dataWritten: number;
  copyDuration: number;
  throughput: number;
  /** how many parallel copies actually ran */
  usedParallelCopies: number;
  /** retries across partitions */
  retries: number;
  /** a content checksum of what was written (sha256 over the canonical row form), hex */
  checksum?: string;
  dataConsistencyVerification?: ConsistencyVerdict;
  /** files or blobs written, relative to the sink location */
  files?: string[];
}

export interface ActivityFinished extends EventBase {
  event: 'activity-finished';
  activity: string;
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs: number;
  output?: ActivityOutput;
  error?: { code: string; message: string; hint?: string };
}

export interface RunFinished extends EventBase {
  event: 'run-finished';
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs: number;
  error?: { code: string; message: string; hint?: string };
}

export type RunEvent = RunStarted | ActivityStarted | Progress | LogEvent | ActivityFinished | RunFinished;

/** Distributive Omit, so each member of the union keeps its own fields. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'time' | 'runId'> : never) : never;

export type EventSink = (e: RunEvent) => void;
