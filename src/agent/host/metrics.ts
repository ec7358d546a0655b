/**
 * What the host counts for Prometheus (prom-client, the maintained library for its text format): the machine's load,
 * the node's jobs and their limit, what the jobs copied, their errors by code, how long they took and how long they
 * waited to start, and how long ago the service last answered a heartbeat. Values come from the job events the host
 * reads from its workers anyway (the same numbers the service receives), never from a pipeline's data, so nothing
 * here names a server, a file or a secret — only error codes, outcomes and the node's own identity.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isCopyOutput, type RunEvent } from '../../common/events.js';
import { VERSION } from '../../common/version.js';
import { availableMemoryMb, cpuPercent } from '../channel/machine.js';

export type JobOutcome = 'Succeeded' | 'Failed' | 'Cancelled' | 'released';

/** What the metrics read from the host when scraped. */
export interface HostView {
  runningJobs(): number;
  limit(): number;
  status(): string;
  identity(): { node?: string; gateway?: string };
}

const STATUSES = ['Starting', 'Online', 'Offline', 'NeedRegistration', 'Upgrading', 'Stopping', 'Stopped'];

export class HostMetrics {
  readonly registry = new Registry();
  private lastHeartbeat?: number;
  private readonly startedAt = Date.now();
  private readonly rows: Counter;
  private readonly bytesRead: Counter;
  private readonly bytesWritten: Counter;
  private readonly errors: Counter<'code'>;
  private readonly jobs: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly pickup: Histogram;
  /** per running job: when the host got it from the service, how long it had been queued, whether an error was counted */
  private readonly live = new Map<string, { receivedAt: number; queuedMs: number; started: boolean; errorCounted: boolean }>();

  constructor(view: HostView) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('dmgw_node_cpu_percent', 'CPU use of the machine: 1-minute load over the core count, in percent', cpuPercent);
    gauge('dmgw_node_available_memory_megabytes', 'Memory available on the machine, MiB', availableMemoryMb);
    gauge('dmgw_node_running_jobs', 'Jobs running on this node now (one worker process each)', () => view.runningJobs());
    gauge('dmgw_node_concurrent_jobs_limit', 'The most jobs this node runs at once (the service sets it: ARM integrationRuntimeNodes update)', () => view.limit());
    // never answered yet: the age of the host, so an alert on a large age fires for a host that never got through
    gauge('dmgw_node_heartbeat_age_seconds', 'Seconds since the factory service last answered a heartbeat of this host', () => (Date.now() - (this.lastHeartbeat ?? this.startedAt)) / 1000);
    new Gauge({
      name: 'dmgw_node_status',
      help: 'The host status (1 for the current one): Online, Offline, NeedRegistration, Upgrading, ...',
      labelNames: ['status'],
      registers,
      collect() {
        const now = view.status();
        for (const s of new Set([...STATUSES, now])) this.set({ status: s }, s === now ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dmgw_node_info',
      help: 'The node: agent version, node and gateway names (value 1)',
      labelNames: ['version', 'node', 'gateway'],
      registers,
      collect() {
        this.reset();
        const id = view.identity();
        this.set({ version: VERSION, node: id.node ?? '', gateway: id.gateway ?? '' }, 1);
      },
    });
    this.rows = new Counter({ name: 'dmgw_rows_copied_total', help: 'Rows written by finished Copy activities on this node', registers });
    this.bytesRead = new Counter({ name: 'dmgw_bytes_read_total', help: 'Bytes read from sources by finished Copy activities on this node', registers });
    this.bytesWritten = new Counter({ name: 'dmgw_bytes_written_total', help: 'Bytes written to sinks by finished Copy activities on this node', registers });
    this.errors = new Counter({ name: 'dmgw_errors_total', help: 'Errors of activities and runs on this node, by error code (a worker that died: WORKER_EXITED)', labelNames: ['code'], registers });
    this.jobs = new Counter({ name: 'dmgw_jobs_total', help: 'Jobs this node ended, by outcome (released: given back to the service for another attempt)', labelNames: ['outcome'], registers });
    this.duration = new Histogram({ name: 'dmgw_job_duration_seconds', help: 'From the job reaching this node to its end, by outcome', labelNames: ['outcome'], buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600], registers });
    this.pickup = new Histogram({ name: 'dmgw_job_pickup_delay_seconds', help: 'From the run being queued on the service to its worker starting it on this node', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900], registers });
  }

  /** The service answered a heartbeat. */
  heartbeat(): void {
    this.lastHeartbeat = Date.now();
  }

  /** A job reached this node; `queuedSeconds` is how long the service held it in its queue (its own clock). */
  jobReceived(jobId: string, queuedSeconds: number | undefined): void {
    this.live.set(jobId, { receivedAt: Date.now(), queuedMs: Math.max(0, (queuedSeconds ?? 0) * 1000), started: false, errorCounted: false });
  }

  /** One event a job's worker reported. */
  jobEvent(jobId: string, e: RunEvent): void {
    const j = this.live.get(jobId);
    if (e.event === 'run-started' && j && !j.started) {
      j.started = true;
      this.pickup.observe((j.queuedMs + Date.now() - j.receivedAt) / 1000);
    } else if (e.event === 'activity-finished') {
      if (e.status === 'Succeeded' && isCopyOutput(e.output)) {
        this.rows.inc(e.output.rowsCopied);
        this.bytesRead.inc(e.output.dataRead);
        this.bytesWritten.inc(e.output.dataWritten);
      }
      if (e.error) {
        this.errors.inc({ code: e.error.code });
        if (j) j.errorCounted = true;
      }
    } else if (e.event === 'run-finished' && e.error && j && !j.errorCounted) {
      // a run that failed before any activity (a pipeline that does not validate): its own error
      this.errors.inc({ code: e.error.code });
    }
  }

  /** The job ended on this node. */
  jobEnded(jobId: string, outcome: JobOutcome): void {
    const j = this.live.get(jobId);
    this.live.delete(jobId);
    this.jobs.inc({ outcome });
    if (outcome === 'released') this.errors.inc({ code: 'WORKER_EXITED' });
    if (j) this.duration.observe({ outcome }, (Date.now() - j.receivedAt) / 1000);
  }
}
