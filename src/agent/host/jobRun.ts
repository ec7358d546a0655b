/**
 * One job on this node: its worker process (`dmgw worker --job -`, usually started ahead of time by the
 * supervisor so that pickup does not wait for a process to boot; the job goes to it on stdin), its lease, its reports. The worker's stdout
 * is ndjson RunEvents; they go to the service in batches (each batch also renews the lease), and the lease is
 * renewed on its own when the worker is quiet. The worker is stopped when the service says cancel (SIGTERM: it
 * reports Cancelled) and killed when the lease is lost or it stops reporting for `stallMs`. When it exits: if it
 * reported run-finished the job is finished; otherwise it crashed and the job is released for another attempt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunEvent } from '../../common/events.js';
import type { JobMessage } from '../../common/gateway/protocol.js';
import type { Logger } from '../../common/log.js';
import type { GatewayHome } from '../config/home.js';
import { ChannelFailure, type ChannelClient } from '../channel/client.js';
import { sleep } from './backoff.js';

const FLUSH_MS = 500;

export interface JobRunOptions {
  job: JobMessage;
  client: () => ChannelClient;
  home: GatewayHome;
  /** argv prefix that runs the dmgw CLI: [node, cli.js] */
  workerCommand: string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** a worker silent for this long is killed */
  stallMs: number;
}

export class JobRun {
  readonly startedAt = new Date().toISOString();
  private child?: ChildProcess;
  private queue: RunEvent[] = [];
  private finished?: RunEvent;
  private lost = false;
  private lastOutput = Date.now();
  private lastRenewal = Date.now();
  private killReason?: string;
  private flushing?: Promise<void>;

  constructor(private readonly o: JobRunOptions) {}

  get workerPid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs the job to its end; never throws. */
  async run(worker?: ChildProcess): Promise<void> {
    const { job, log } = this.o;
    const child = worker && worker.exitCode === null && worker.signalCode === null ? worker : spawnWorker(this.o);
    this.child = child;
    this.lastOutput = Date.now();
    // The job holds encrypted credentials only, and goes through a pipe, never a file.
    child.stdin!.end(JSON.stringify(job));
    log.info(`job ${job.jobId} (run ${job.runId}, attempt ${job.attempt}): worker ${child.pid} started`);
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.lastOutput = Date.now();
      log.info(`worker ${child.pid}: ${line}`);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('error', (e) => log.error(`worker for job ${job.jobId} could not start: ${e.message}`));
    const ticker = setInterval(() => void this.tick(), FLUSH_MS);
    const { code, signal } = await exited;
    clearInterval(ticker);
    log.info(`job ${job.jobId}: worker ${child.pid} exited (${signal ?? `code ${code}`})${this.killReason ? `: ${this.killReason}` : ''}`);
    await this.flushing;
    await this.report(code, signal);
  }

  /** Stops the worker without reporting the run as ended (host shutdown, revoked credential): the job is released. */
  abandon(reason: string): void {
    this.kill(reason);
  }

  private onLine(line: string): void {
    this.lastOutput = Date.now();
    let e: RunEvent | undefined;
    try {
      const v = JSON.parse(line) as RunEvent;
      if (v && typeof v === 'object' && typeof v.event === 'string') e = v;
    } catch {
      // a stray print
    }
    if (!e) return void this.o.log.info(`worker ${this.child?.pid}: ${line}`);
    this.queue.push(e);
    if (e.event === 'run-finished') {
      this.finished = e;
      void this.flush();
    }
  }

  private kill(reason: string): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killReason ??= reason;
    this.o.log.warn(`job ${this.o.job.jobId}: killing worker ${this.child.pid}: ${reason}`);
    this.child.kill('SIGKILL');
  }

  private async tick(): Promise<void> {
    if (this.lost) return;
    if (Date.now() - this.lastOutput > this.o.stallMs) return this.kill(`it reported nothing for ${Math.round(this.o.stallMs / 1000)} s`);
    if (this.queue.length) return this.flush();
    if (Date.now() - this.lastRenewal > (this.o.job.leaseSeconds * 1000) / 3) {
      try {
        const r = await this.o.client().renew(this.o.job.jobId, this.o.job.leaseToken);
        this.lastRenewal = Date.now();
        if (r.cancel) this.cancel();
      } catch (e) {
        this.onFailure(e);
      }
    }
  }

  private flush(): Promise<void> {
    if (this.flushing || this.lost || !this.queue.length) return this.flushing ?? Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.flushing = (async () => {
      try {
        const r = await this.o.client().events(this.o.job.jobId, { leaseToken: this.o.job.leaseToken, events: batch });
        this.lastRenewal = Date.now();
        if (r.cancel) this.cancel();
      } catch (e) {
        // keep them, in order, for the next try
        this.queue = [...batch, ...this.queue];
        this.onFailure(e);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private cancelled = false;
  private cancel(): void {
    if (this.cancelled || !this.child) return;
    this.cancelled = true;
    this.o.log.info(`job ${this.o.job.jobId}: the run was cancelled; stopping worker ${this.child.pid}`);
    this.child.kill('SIGTERM');
  }

  private onFailure(e: unknown): void {
    if (e instanceof ChannelFailure && (e.kind === 'leaseLost' || e.kind === 'unauthorized')) {
      this.lost = true;
      this.queue = [];
      this.kill(e.kind === 'leaseLost' ? 'the lease was lost (the service gave the job to another attempt)' : 'this node is no longer registered');
      return;
    }
    this.o.log.warn(`job ${this.o.job.jobId}: cannot report to the service (${(e as Error).message}); will retry`);
  }

  /** After the worker exited: send what is left, then the outcome; retried while the service is unreachable and the lease may still be ours. */
  private async report(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const { job, log } = this.o;
    const giveUpAt = Date.now() + Math.max(2 * job.leaseSeconds * 1000, 10_000);
    let wait = 250;
    while (!this.lost && Date.now() < giveUpAt) {
      try {
        if (this.queue.length) {
          const batch = this.queue;
          await this.o.client().events(job.jobId, { leaseToken: job.leaseToken, events: batch });
          this.queue = this.queue.slice(batch.length);
          continue;
        }
        const outcome = this.finished ? 'finished' : 'release';
        await this.o.client().result(job.jobId, { leaseToken: job.leaseToken, outcome, exitCode: code, signal, message: this.finished ? undefined : this.killReason ? `the worker was killed: ${this.killReason}` : undefined });
        log.info(`job ${job.jobId}: ${outcome === 'finished' ? `run ${(this.finished as { status?: string }).status}` : 'released for another attempt'}`);
        return;
      } catch (e) {
        if (e instanceof ChannelFailure && (e.kind === 'leaseLost' || e.kind === 'unauthorized' || e.kind === 'rejected')) {
          log.warn(`job ${job.jobId}: the service did not take the result (${e.message})`);
          return;
        }
        await sleep(wait);
        wait = Math.min(wait * 2, 5000);
      }
    }
    if (!this.lost) log.warn(`job ${job.jobId}: could not report the result; the lease will expire and the service will retry the job`);
  }
}

/** A worker process waiting for its job on stdin. */
export function spawnWorker(o: Pick<JobRunOptions, 'workerCommand' | 'env' | 'home'>): ChildProcess {
  const [cmd, ...pre] = o.workerCommand;
  const child = spawn(cmd!, [...pre, 'worker', '--job', '-'], { env: { ...o.env, DMGW_HOME: o.home.root }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined);
  return child;
}
