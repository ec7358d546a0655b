/** Runs jobs in worker processes, at most `limit` at once, and says when a slot frees up. */
import { EventEmitter } from 'node:events';
import type { JobMessage } from '../../common/gateway/protocol.js';
import type { RunningJob } from './hostState.js';
import { JobRun, type JobRunOptions } from './jobRun.js';

export class Supervisor {
  private readonly runs = new Map<string, { run: JobRun; job: JobMessage; done: Promise<void> }>();
  private readonly events = new EventEmitter();
  limit = 1;

  constructor(
    private readonly options: Omit<JobRunOptions, 'job'>,
    private readonly onChange: () => void,
  ) {}

  free(): number {
    return Math.max(0, this.limit - this.runs.size);
  }

  running(): RunningJob[] {
    return [...this.runs.values()].map(({ run, job }) => ({ jobId: job.jobId, runId: job.runId, pipeline: job.pipeline.name, attempt: job.attempt, workerPid: run.workerPid, startedAt: run.startedAt }));
  }

  start(job: JobMessage): void {
    if (this.runs.has(job.jobId)) return;
    const run = new JobRun({ ...this.options, job });
    const done = run.run().finally(() => {
      this.runs.delete(job.jobId);
      this.onChange();
      this.events.emit('slot');
    });
    this.runs.set(job.jobId, { run, job, done });
    // the pid is known right after spawn
    setImmediate(() => this.onChange());
  }

  /** Resolves when a job ends (or the signal aborts). */
  slotFreed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.events.off('slot', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.events.once('slot', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Kills every worker (their jobs are released, or retried when their lease expires) and waits for them. */
  async abandonAll(reason: string): Promise<void> {
    for (const { run } of this.runs.values()) run.abandon(reason);
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }
}
