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

/**
 * Where an activity run sits: its own id, and for an activity inside a container (ForEach, If, Switch, Until) or
 * in a child pipeline (ExecutePipeline), the container's run and the iteration. Top-level activities of the run
 * have only `activityRunId`.
 */
export interface ActivityPlace {
  /** unique per activity run (each ForEach iteration, each retry-free run) */
  activityRunId?: string;
  /** the container activity this one runs in */
  parentActivity?: string;
  parentActivityRunId?: string;
  /** 0-based: ForEach item index, Until loop number */
  iteration?: number;
  /** set for activities of a child pipeline (ExecutePipeline): its run id and name */
  pipelineRunId?: string;
  pipeline?: string;
}

export interface ActivityStarted extends EventBase, ActivityPlace {
  event: 'activity-started';
  activity: string;
  activityType: string;
  /** the activity's typeProperties as run (expressions evaluated); `**********` when policy.secureInput is set */
  input?: unknown;
}

export interface Progress extends EventBase {
  event: 'progress';
  activity: string;
  activityRunId?: string;
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
  activityRunId?: string;
}

export interface ConsistencyVerdict {
  /** true when both sides agree */
  ok: boolean;
  sourceRows: number;
  sinkRows: number;
  sourceChecksum: string;
  sinkChecksum: string;
}

/** The output of a Copy activity. (A type, not an interface, so it fits ActivityRunOutput's index signature.) */
export type CopyOutput = {
  rowsRead: number;
  rowsCopied: number;
  dataRead: number;
  dataWritten: number;
  copyDuration: number;
  /** KB/s (kibibytes per second, as ADF reports it) */
  throughput: number;
  /** how many parallel copies actually ran */
  usedParallelCopies: number;
  /** partitions an earlier attempt of the run had finished, not read again (a resumed copy) */
  partitionsResumed?: number;
  /** retries across partitions */
  retries: number;
  /** a content checksum of what was written (sha256 over the canonical row form), hex */
  checksum?: string;
  dataConsistencyVerification?: ConsistencyVerdict;
  /** files or blobs written, relative to the sink location */
  files?: string[];
  /** a staged copy (`enableStaging`): where the rows were staged, in how many blobs, how many bytes; deleted after */
  staging?: { container: string; folder: string; files: number; dataStaged: number; compression: 'gzip' | 'none' };
  /** an earlier attempt of this copy committed at this time (ISO): the counts are that attempt's, nothing was copied again */
  alreadyCommitted?: string;
};

/** The Copy activity's output (its name before other activities had outputs). */
export type ActivityOutput = CopyOutput;

/**
 * Any activity's output, as JSON: a Copy's (above), a Lookup's `{firstRow}` / `{count, value}`, a GetMetadata's
 * fields, `{pipelineRunId, pipelineReturnValue}` of an ExecutePipeline, ... (docs/EVENTS.md). Numbers a double
 * cannot hold (64-bit ids, decimals) are written with all their digits.
 */
export type ActivityRunOutput = Partial<CopyOutput> & { [key: string]: unknown };

/** Whether an output is a Copy activity's (rows and bytes). */
export function isCopyOutput(o: ActivityRunOutput | undefined): o is CopyOutput {
  return !!o && typeof o.rowsCopied === 'number' && typeof o.dataWritten === 'number';
}

export interface ActivityFinished extends EventBase, ActivityPlace {
  event: 'activity-finished';
  activity: string;
  /** the activity's type (also on activity-started) */
  activityType?: string;
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs: number;
  output?: ActivityRunOutput;
  error?: { code: string; message: string; hint?: string };
}

export interface RunFinished extends EventBase {
  event: 'run-finished';
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs: number;
  error?: { code: string; message: string; hint?: string };
  /** what SetVariable set as `pipelineReturnValue`, when it did */
  pipelineReturnValue?: Record<string, unknown>;
}

export type RunEvent = RunStarted | ActivityStarted | Progress | LogEvent | ActivityFinished | RunFinished;

/** Distributive Omit, so each member of the union keeps its own fields. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'time' | 'runId'> : never) : never;

export type EventSink = (e: RunEvent) => void;
