/**
 * Runs one pipeline of a factory on this machine: the orchestrator (src/orchestrator) does the control flow —
 * dependsOn, ForEach/If/Switch/Until, variables, expressions, policies — and the agent's executor (executor.ts)
 * the activities that touch data. Used by `dmgw run` (and so by the VS Code extension), `dmgw worker` (a job from
 * the factory service) and in-process by the demo and tests.
 */
import type { EventSink } from '../../common/events.js';
import { loadFactory, type Factory } from '../../common/model/factory.js';
import { orchestrate, type PipelineRunResult } from '../../orchestrator/index.js';
import type { RetryPolicy } from '../copy/retry.js';
import { agentExecutor } from './executor.js';
import { randomUUID } from 'node:crypto';
import { finishRun } from '../copy/resume.js';

export type { ActivityResult, PipelineRunResult, RunStatus } from '../../orchestrator/index.js';

export interface RunPipelineOptions {
  /** a factory folder, or one already loaded */
  factory: string | Factory;
  pipeline: string;
  /** values for pipeline parameters (strings are converted to the declared type) */
  parameters?: Record<string, unknown>;
  /** gateway home (default DMGW_HOME, ~/.dmgw): its certificate decrypts EncryptedCredential, its settings say which folders pipelines may use */
  home?: string;
  emit?: EventSink;
  signal?: AbortSignal;
  runId?: string;
  /** an activity job's id (the service runs each data activity, each ForEach iteration, as a job): commit markers are keyed by it */
  jobId?: string;
  /** partition-level retries inside a copy (default: 5 tries, 0.5 s doubling) */
  copyRetry?: RetryPolicy;
  /** ms per second of `retryIntervalInSeconds` / Wait (tests shorten it); default 1000 */
  secondMs?: number;
  progressIntervalMs?: number;
}

export async function runPipeline(o: RunPipelineOptions): Promise<PipelineRunResult> {
  const factory = typeof o.factory === 'string' ? loadFactory(o.factory) : o.factory;
  const runId = o.runId ?? randomUUID();
  try {
    return await orchestrate({
      factory,
      pipeline: o.pipeline,
      parameters: o.parameters,
      executor: agentExecutor({ factory, home: o.home, copyRetry: o.copyRetry, progressIntervalMs: o.progressIntervalMs, jobId: o.jobId }),
      emit: o.emit,
      signal: o.signal,
      runId,
      secondMs: o.secondMs,
    });
  } finally {
    // the run ended: what its failed copies kept for a retry (copy/resume.ts) is not needed any more
    await finishRun(runId);
  }
}
