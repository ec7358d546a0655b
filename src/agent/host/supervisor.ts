/**
 * Runs jobs in worker processes, at most `limit` at once, and says when a slot frees up. One spare worker is kept
 * booted and waiting for a job on stdin: a job then starts without waiting for a process to load (pickup < 1 s).
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { JobMessage } from '../../common/gateway/protocol.js';
import type { RunningJob } from './hostState.js';
import { JobRun, spawnWorker, type JobRunOptions } from './jobRun.js';

export class Supervisor {
  private readonly runs = new Map<string, { run: JobRun; job: JobMessage; done: Promise<void> }>();
  private readonly events = new EventEmitter();
  private readonly polls = new Set<Promise<void>>();
  private spare?: ChildProcess;
  limit = 1;

  constructor(
    private readonly options: Omit<JobRunOptions, 'job'>,
    private readonly onChange: () => void,
  ) {}

  private draining = false;

  free(): number {
    return this.draining ? 0 : Math.max(0, this.limit - this.runs.size);
  }

  /** Takes no new work (an update is waiting); running jobs go on. */
  drain(): void {
    this.draining = true;
  }

  resume(): void {
    this.draining = false;
    this.events.emit('slot');
  }

  /**
   * Resolves once no job runs and no poll is in flight. A long poll that began before `drain` may still hand this
   * node jobs (their leases are its own): they run to their end before the host may switch versions.
   */
  async idle(): Promise<void> {
    while (this.runs.size || this.polls.size) await Promise.all([...this.polls, ...[...this.runs.values()].map((r) => r.done)]);
  }

  /** Leases jobs through `poll` (the listener's long poll) and starts them; idle() waits for it while it is in flight. */
  take<T extends { jobs: JobMessage[] }>(poll: () => Promise<T>): Promise<T> {
    const p = poll().then((r) => {
      for (const job of r.jobs) this.start(job);
      return r;
    });
    const tracked: Promise<void> = p.then(
      () => this.polls.delete(tracked),
      () => this.polls.delete(tracked),
    ).then(() => undefined);
    this.polls.add(tracked);
    return p;
  }

  running(): RunningJob[] {
    return [...this.runs.values()].map(({ run, job }) => ({ jobId: job.jobId, runId: job.runId, pipeline: job.pipeline.name, ...(job.activity ? { activity: job.activity.name } : {}), attempt: job.attempt, workerPid: run.workerPid, startedAt: run.startedAt }));
  }

  start(job: JobMessage): void {
    if (this.runs.has(job.jobId)) return;
    const run = new JobRun({ ...this.options, job });
    const worker = this.spare;
    this.spare = undefined;
    const done = run.run(worker).finally(() => {
      this.runs.delete(job.jobId);
      this.onChange();
      this.events.emit('slot');
    });
    this.runs.set(job.jobId, { run, job, done });
    // the pid is known right after spawn
    setImmediate(() => {
      this.onChange();
      this.prepare();
    });
  }

  /** Boots the spare worker when there is none (the host calls this once it is registered). */
  prepare(): void {
    if (this.stopped || (this.spare && this.spare.exitCode === null && this.spare.signalCode === null)) return;
    const child = spawnWorker(this.options);
    this.spare = child;
    child.once('exit', () => {
      if (this.spare === child) this.spare = undefined;
    });
  }

  private stopped = false;

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
  async abandonAll(reason: string, stop = false): Promise<void> {
    if (stop) {
      this.stopped = true;
      this.spare?.kill('SIGKILL');
      this.spare = undefined;
    }
    for (const { run } of this.runs.values()) run.abandon(reason);
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }
}
