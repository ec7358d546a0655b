/**
 * One job on this node: its worker process (`dmgw worker --job -`, usually started ahead of time by the
 * supervisor so that pickup does not wait for a process to boot; the job goes to it on stdin), its lease, its reports. The worker's stdout
 * is ndjson RunEvents; those the service's schema takes go to it in batches of at most MAX_EVENTS_PER_REPORT and 2 MiB (each
 * batch also renews the lease; a batch the service refuses as malformed is dropped, not retried forever), and the lease is
 * renewed on its own when the worker is quiet. The worker is stopped when the service says cancel (SIGTERM: it
 * reports Cancelled), and killed if it is still running `killMs` later — whatever it keeps reporting (a commit that
 * hangs still reports progress) — or when the lease is lost or it stops reporting for `stallMs`. When it exits, what
 * it left staged (its staging journal, leftovers.ts) is removed first; then, if it reported run-finished the job is
 * finished, otherwise it crashed or was killed and the job is released (a cancelled run then ends Cancelled).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { RunEvent } from '../../common/events.js';
import type { JobMessage } from '../../common/gateway/protocol.js';
import { checkRunEvent, MAX_EVENTS_PER_REPORT } from '../../common/gateway/protocolSchemas.js';
import type { Logger } from '../../common/log.js';
import { STAGING_FD } from '../../common/staging.js';
import type { GatewayHome } from '../config/home.js';
import { ChannelFailure, reportTimeoutMs, type CallOptions, type ChannelClient } from '../channel/client.js';
import { sleep } from './backoff.js';
import { StagedLeftovers } from './leftovers.js';
import type { HostMetrics } from './metrics.js';

const FLUSH_MS = 500;
/** after the worker exited, how long its output may take to be read to the end */
const DRAIN_MS = 10_000;

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
  /** a cancelled worker still running this long after SIGTERM is killed */
  killMs: number;
  /** counts what the job reports (metrics.ts) */
  metrics?: HostMetrics;
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
  private killTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private renewing = false;
  /** reports that failed in a row (logged once, when the first fails; and when one goes through again) */
  private failures = 0;
  /** the last report did not reach the service: the next goes on a connection of its own */
  private freshNext = false;
  private readonly leftovers = new StagedLeftovers();

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
    this.o.metrics?.jobReceived(job.jobId, job.queuedSeconds);
    // The job holds encrypted credentials only, and goes through a pipe, never a file.
    child.stdin!.end(JSON.stringify(job));
    log.info(`job ${job.jobId} (run ${job.runId}${job.activity ? `, activity ${job.activity.name} (${job.activity.type})` : ''}, attempt ${job.attempt}): worker ${child.pid} started`);
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.lastOutput = Date.now();
      log.info(`worker ${child.pid}: ${line}`);
    });
    this.leftovers.watch(child.stdio[STAGING_FD] as Readable | null);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // 'close' comes once the worker's pipes were read to their end; at 'exit' they may still be open (Node's docs), and
    // a run-finished not yet read would make the job look like a crash, released while its run had in fact ended
    const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('error', (e) => log.error(`worker for job ${job.jobId} could not start: ${e.message}`));
    const ticker = setInterval(() => void this.tick(), FLUSH_MS);
    const { code, signal } = await exited;
    // a process the worker left behind holding its pipes must not hold the job forever
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(drainTimer);
    clearTimeout(this.killTimer);
    log.info(`job ${job.jobId}: worker ${child.pid} exited (${signal ?? `code ${code}`})${this.killReason ? `: ${this.killReason}` : ''}`);
    // before the run may end: a retry must not meet them, and a cancelled run leaves nothing behind (the lease is
    // renewed meanwhile by the ticker)
    await this.leftovers.cleanUp({ jobId: job.jobId, workerCommand: this.o.workerCommand, env: this.o.env, home: this.o.home, log });
    clearInterval(ticker);
    await this.flushing;
    const ended = await this.report(code, signal);
    // the parts a killed worker kept for resume are of no use once no attempt of the job will come (common/staging.ts)
    if (ended) await this.leftovers.cleanUp({ jobId: job.jobId, workerCommand: this.o.workerCommand, env: this.o.env, home: this.o.home, log }, true);
    const status = (this.finished as { status?: 'Succeeded' | 'Failed' | 'Cancelled' } | undefined)?.status;
    this.o.metrics?.jobEnded(job.jobId, status ?? 'released');
  }

  /** Stops the worker without reporting the run as ended (host shutdown, revoked credential): the job is released. */
  abandon(reason: string): void {
    this.kill(reason);
  }

  private onLine(line: string): void {
    this.lastOutput = Date.now();
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // a stray print
    }
    if (!v || typeof v !== 'object' || typeof (v as { event?: unknown }).event !== 'string') return void this.o.log.info(`worker ${this.child?.pid}: ${line}`);
    const checked = checkRunEvent(v);
    if (!checked.ok) return void this.o.log.warn(`worker ${this.child?.pid} wrote an event the service would refuse (${checked.message}); not sent: ${line}`);
    const e = checked.value;
    this.o.metrics?.jobEvent(this.o.job.jobId, e);
    this.logEvent(e);
    this.queue.push(e);
    if (e.event === 'run-finished') {
      this.finished = e;
      void this.flush();
    }
  }

  /** What the node's log keeps of a run (`dmgw logs --run RUNID`): failures and warnings, and how it ended. Already redacted by the worker; the logger redacts again. */
  private logEvent(e: RunEvent): void {
    const { log, job } = this.o;
    if (e.event === 'activity-finished' && e.status === 'Failed') log.warn(`run ${job.runId}: activity ${e.activity} failed${e.error ? `: ${e.error.code}: ${e.error.message}` : ''}`);
    else if (e.event === 'log' && (e.level === 'error' || e.level === 'warn')) log[e.level](`run ${job.runId}${e.activity ? ` activity ${e.activity}` : ''}: ${e.message}`);
    // an activity job ends one activity of the run (the service orchestrates the rest): the log says which
    else if (e.event === 'run-finished') log[e.status === 'Failed' ? 'error' : 'info'](`run ${job.runId}${job.activity ? ` activity ${job.activity.name}` : ''} ${e.status} in ${Math.round(e.durationMs / 100) / 10} s${e.error ? `: ${e.error.code}: ${e.error.message}` : ''}`);
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
    if (!this.renewing && Date.now() - this.lastRenewal > (this.o.job.leaseSeconds * 1000) / 3) {
      this.renewing = true;
      try {
        const r = await this.o.client().renew(this.o.job.jobId, this.o.job.leaseToken, this.callOptions());
        this.onSuccess('the lease renewed');
        if (r.cancel) this.cancel();
      } catch (e) {
        this.onFailure(e, 'renew the lease');
      } finally {
        this.renewing = false;
      }
    }
  }

  /** A lease report's timeout (a quarter of the lease), and a connection of its own after a failure. */
  private callOptions(): CallOptions {
    return { timeoutMs: reportTimeoutMs(this.o.job.leaseSeconds), fresh: this.freshNext };
  }

  private onSuccess(what: string): void {
    this.lastRenewal = Date.now();
    this.freshNext = false;
    if (this.failures) this.o.log.info(`job ${this.o.job.jobId}: reports reach the service again (${what}) after ${this.failures} failed ${this.failures === 1 ? 'try' : 'tries'}`);
    this.failures = 0;
  }

  private flush(): Promise<void> {
    if (this.flushing || this.lost || !this.queue.length) return this.flushing ?? Promise.resolve();
    const batch = this.queue.splice(0, batchSize(this.queue));
    this.flushing = (async () => {
      try {
        const r = await this.o.client().events(this.o.job.jobId, { leaseToken: this.o.job.leaseToken, events: batch }, this.callOptions());
        this.onSuccess('events sent, the lease renewed');
        if (r.cancel) this.cancel();
      } catch (e) {
        if (refused(e)) return void this.o.log.warn(`job ${this.o.job.jobId}: the service refused ${batch.length} event(s) as malformed (${(e as Error).message}); dropped them`);
        // keep them, in order, for the next try
        this.queue = [...batch, ...this.queue];
        this.onFailure(e, `send ${batch.length} event(s)`);
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
    const grace = Math.round(this.o.killMs / 1000);
    this.o.log.info(`job ${this.o.job.jobId}: the run was cancelled; stopping worker ${this.child.pid} (killed if still running in ${grace} s)`);
    this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.kill(`it was still running ${grace} s after the cancel`), this.o.killMs);
  }

  private onFailure(e: unknown, what: string): void {
    if (e instanceof ChannelFailure && (e.kind === 'leaseLost' || e.kind === 'unauthorized')) {
      this.lost = true;
      this.queue = [];
      this.kill(e.kind === 'leaseLost' ? 'the lease was lost (the service gave the job to another attempt)' : 'this node is no longer registered');
      return;
    }
    // no answer (a dead or stalled connection): the next try goes on a new connection, within the next tick
    if (e instanceof ChannelFailure && e.kind === 'unreachable') this.freshNext = true;
    // once per streak: a channel down for minutes would otherwise log every half second
    if (this.failures++ === 0) this.o.log.warn(`job ${this.o.job.jobId}: cannot ${what} (${(e as Error).message}); retrying every ${FLUSH_MS / 1000} s${this.freshNext ? ' on a new connection' : ''} while the lease holds`);
  }

  /**
   * After the worker exited: send what is left, then the outcome; retried while the service is unreachable and the lease
   * may still be ours. True when the job has ended for good: the run's end was reported, or the service says no other
   * attempt comes (an older service does not say: false).
   */
  private async report(code: number | null, signal: NodeJS.Signals | null): Promise<boolean> {
    const { job, log } = this.o;
    const giveUpAt = Date.now() + Math.max(2 * job.leaseSeconds * 1000, 10_000);
    let wait = 250;
    while (!this.lost && Date.now() < giveUpAt) {
      try {
        if (this.queue.length) {
          const batch = this.queue.slice(0, batchSize(this.queue));
          try {
            await this.o.client().events(job.jobId, { leaseToken: job.leaseToken, events: batch }, this.callOptions());
          } catch (e) {
            // a malformed batch stays malformed: drop it and still send the outcome, so the run ends
            if (!refused(e)) throw e;
            log.warn(`job ${job.jobId}: the service refused ${batch.length} event(s) as malformed (${(e as Error).message}); dropped them`);
          }
          this.queue = this.queue.slice(batch.length);
          this.freshNext = false;
          continue;
        }
        const outcome = this.finished ? 'finished' : 'release';
        const r = await this.o.client().result(job.jobId, { leaseToken: job.leaseToken, outcome, exitCode: code, signal, message: this.finished ? undefined : this.killReason ? `the worker was killed: ${this.killReason}` : undefined }, this.callOptions());
        log.info(`job ${job.jobId}: ${outcome === 'finished' ? `run ${(this.finished as { status?: string }).status}` : r.ended ? 'released; no other attempt comes (the job ended)' : 'released for another attempt'}`);
        return outcome === 'finished' || r.ended === true;
      } catch (e) {
        if (e instanceof ChannelFailure && (e.kind === 'leaseLost' || e.kind === 'unauthorized' || e.kind === 'rejected')) {
          log.warn(`job ${job.jobId}: the service did not take the result (${e.message})`);
          return false;
        }
        if (e instanceof ChannelFailure && e.kind === 'unreachable') this.freshNext = true;
        await sleep(wait);
        wait = Math.min(wait * 2, 5000);
      }
    }
    if (!this.lost) log.warn(`job ${job.jobId}: could not report the result; the lease will expire and the service will retry the job`);
    return false;
  }
}

/** Events per report: at most MAX_EVENTS_PER_REPORT, and about BATCH_BYTES of JSON (the service takes 8 MiB). */
const BATCH_BYTES = 2 * 1024 * 1024;
export function batchSize(queue: RunEvent[]): number {
  let bytes = 0;
  let n = 0;
  while (n < queue.length && n < MAX_EVENTS_PER_REPORT) {
    bytes += JSON.stringify(queue[n]).length;
    if (n > 0 && bytes > BATCH_BYTES) break;
    n++;
  }
  return n;
}

/** The service answered 400 (or another 4xx but lease and credential): sending the same again cannot help. */
const refused = (e: unknown): boolean => e instanceof ChannelFailure && e.kind === 'rejected';

/** A worker process waiting for its job on stdin. */
export function spawnWorker(o: Pick<JobRunOptions, 'workerCommand' | 'env' | 'home'>): ChildProcess {
  const [cmd, ...pre] = o.workerCommand;
  // fd STAGING_FD: the worker's staging journal (common/staging.ts)
  const env = { NODE_COMPILE_CACHE: o.home.compileCache, ...o.env, DMGW_HOME: o.home.root, DMGW_STAGING_FD: String(STAGING_FD) };
  const child = spawn(cmd!, [...pre, 'worker', '--job', '-'], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined);
  return child;
}
