/**
 * The service's Prometheus metrics (prom-client's text format), read from the store at each scrape so every replica
 * answers the same for the whole fleet: queue length and average pickup delay per gateway, nodes by state, runs by
 * status, and per node what its heartbeats and jobs report (CPU, memory, running jobs and limit, heartbeat age, bytes
 * moved, version). Labels are factory, gateway and node names — never a resource's content. One scrape at a time
 * (the gauges are filled, then rendered).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ServiceContext } from '../context.js';
import type { NodeRow } from '../store/nodes.js';
import { gatewayState, nodeStatus } from '../status/nodeStatus.js';

const RECENT = "interval '15 minutes'";
const NODE_STATES = ['Online', 'Limited', 'Offline', 'NeedRegistration'];
const RUN_STATUSES = ['Queued', 'InProgress', 'Succeeded', 'Failed', 'Canceling', 'Cancelled'];

type NodeWithPlace = NodeRow & { factory: string; gateway: string; leased: number };

export class ServiceMetrics {
  readonly registry = new Registry();
  private turn: Promise<unknown> = Promise.resolve();
  private readonly g: Record<string, Gauge<string>>;
  private readonly sent: Counter<string>;
  private readonly received: Counter<string>;

  constructor(private readonly ctx: Pick<ServiceContext, 'sql' | 'settings'>) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
    const gw = ['factory', 'gateway'];
    const node = ['factory', 'gateway', 'node'];
    this.g = {
      queue: gauge('dmgw_service_queue_length', 'Jobs queued for a gateway and not leased yet', gw),
      oldest: gauge('dmgw_service_queue_oldest_seconds', 'How long the oldest queued job of a gateway has waited (0: none queued)', gw),
      pickup: gauge('dmgw_service_pickup_delay_seconds_avg', 'Average time from queued to leased of the jobs leased in the last 15 minutes (absent: none)', gw),
      state: gauge('dmgw_service_gateway_state', 'Gateway state, 1 for the current one (Online, Limited, Offline, NeedRegistration)', [...gw, 'state']),
      nodes: gauge('dmgw_service_nodes', 'Nodes of a gateway by state', [...gw, 'state']),
      runs: gauge('dmgw_service_runs', 'Pipeline runs in the store by status', ['factory', 'status']),
      cpu: gauge('dmgw_service_node_cpu_percent', 'CPU use a node reported in its last heartbeat, percent', node),
      memory: gauge('dmgw_service_node_available_memory_megabytes', 'Available memory a node reported in its last heartbeat, MiB', node),
      running: gauge('dmgw_service_node_running_jobs', 'Jobs leased to a node now', node),
      limit: gauge('dmgw_service_node_concurrent_jobs_limit', "A node's concurrentJobsLimit", node),
      age: gauge('dmgw_service_node_heartbeat_age_seconds', 'Seconds since a node last polled or sent a heartbeat (the database clock)', node),
      info: gauge('dmgw_service_node_info', 'A node: its agent version and state (value 1)', [...node, 'version', 'state']),
    };
    this.sent = new Counter({ name: 'dmgw_service_node_sent_bytes_total', help: "Bytes a node's Copy activities wrote to sinks (ARM monitoringData sentBytes)", labelNames: node, registers });
    this.received = new Counter({ name: 'dmgw_service_node_received_bytes_total', help: "Bytes a node's Copy activities read from sources (ARM monitoringData receivedBytes)", labelNames: node, registers });
  }

  /** The exposition text, from the store as it is now. */
  render(): Promise<string> {
    const next = this.turn.then(async () => {
      await this.refresh();
      return this.registry.metrics();
    });
    this.turn = next.catch(() => undefined);
    return next;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async refresh(): Promise<void> {
    const { sql, settings } = this.ctx;
    const queues = await sql.query<{ factory: string; gateway: string; queued: number; oldest: number | null; pickup: number | null }>(
      `select f.name as factory, g.name as gateway,
         count(j.id) filter (where j.status = 'queued')::int as queued,
         max(extract(epoch from now() - j.enqueued_at)) filter (where j.status = 'queued')::float8 as oldest,
         avg(j.pickup_seconds) filter (where j.leased_at > now() - ${RECENT} and j.pickup_seconds is not null)::float8 as pickup
       from gateways g join factories f on f.id = g.factory_id
       left join jobs j on j.gateway_id = g.id and (j.status = 'queued' or j.leased_at > now() - ${RECENT})
       group by f.name, g.name`,
    );
    const nodes = await sql.query<NodeWithPlace>(
      `select n.*, f.name as factory, g.name as gateway, extract(epoch from now() - n.last_seen_at)::float8 as seen_ago,
         (case n.key_name when 'authKey1' then g.key1_gen else g.key2_gen end) = n.key_gen as credential_valid,
         (select count(*)::int from jobs j where j.node_id = n.id and j.status = 'leased') as leased
       from nodes n join gateways g on g.id = n.gateway_id join factories f on f.id = g.factory_id`,
    );
    const runs = await sql.query<{ factory: string; status: string; n: number }>('select f.name as factory, r.status, count(*)::int as n from runs r join factories f on f.id = r.factory_id group by f.name, r.status');
    for (const m of [...Object.values(this.g), this.sent, this.received]) m.reset();

    const byGateway = new Map<string, NodeWithPlace[]>();
    for (const n of nodes) byGateway.set(`${n.factory}\u0000${n.gateway}`, [...(byGateway.get(`${n.factory}\u0000${n.gateway}`) ?? []), n]);
    for (const q of queues) {
      const labels = { factory: q.factory, gateway: q.gateway };
      this.g.queue!.set(labels, q.queued);
      this.g.oldest!.set(labels, q.oldest ?? 0);
      if (q.pickup !== null) this.g.pickup!.set(labels, q.pickup);
      const members = byGateway.get(`${q.factory}\u0000${q.gateway}`) ?? [];
      const state = gatewayState(members, settings);
      for (const s of NODE_STATES) {
        this.g.state!.set({ ...labels, state: s }, s === state ? 1 : 0);
        this.g.nodes!.set({ ...labels, state: s }, members.filter((n) => nodeStatus(n, settings) === s).length);
      }
    }
    for (const n of nodes) {
      const labels = { factory: n.factory, gateway: n.gateway, node: n.name };
      if (n.cpu_percent !== null) this.g.cpu!.set(labels, n.cpu_percent);
      if (n.available_memory_mb !== null) this.g.memory!.set(labels, n.available_memory_mb);
      this.g.running!.set(labels, n.leased);
      this.g.limit!.set(labels, n.concurrent_jobs_limit);
      this.g.age!.set(labels, n.seen_ago);
      this.g.info!.set({ ...labels, version: n.machine.version, state: nodeStatus(n, settings) }, 1);
      this.sent.inc(labels, Number(n.bytes_written));
      this.received.inc(labels, Number(n.bytes_read));
    }
    const factories = new Set(runs.map((r) => r.factory));
    for (const factory of factories) for (const status of RUN_STATUSES) this.g.runs!.set({ factory, status }, runs.find((r) => r.factory === factory && r.status === status)?.n ?? 0);
  }
}
