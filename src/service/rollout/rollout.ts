/**
 * Rolling updates: ARM `upgrade` asks a gateway's nodes to install the newest agent release one at a time, in node-name
 * order — the next one only once the one before heartbeats on the new version (so it is Online on it). The service only
 * sequences *when* each node is asked (the heartbeat offer's `requested`); every node still makes its own checks
 * (trusted release key, no downgrade, not failed before: update/offerCheck.ts). The rollout halts, with the reason in
 * getStatus and `dmgw gateway show`, when the node being asked refuses the release — a rollback after a failed probation
 * shows up exactly so — or goes silent for `rolloutNodeTimeoutSeconds`. A halted rollout stays halted until the next
 * `upgrade`. While one runs, the other nodes are offered the release without autoUpdate, so their schedule windows do
 * not jump the queue; outside a rollout, a node's window is honoured only while no other node of its gateway is
 * installing. Decisions are taken under the gateway row's lock, so replicas agree.
 */
import { compareVersions } from '../../common/gateway/agentRelease.js';
import type { HeartbeatRequest } from '../../common/gateway/protocol.js';
import type { ServiceContext } from '../context.js';
import type { GatewayRow } from '../store/gateways.js';
import type { NodeRow } from '../store/nodes.js';
import { one, type Sql } from '../store/sql.js';

type Q = Pick<Sql, 'query'>;

export interface RolloutView {
  status: 'InProgress' | 'Succeeded' | 'Halted';
  version: string;
  startedAt?: string;
  endedAt?: string;
  /** the node being asked now */
  currentNode?: string;
  /** nodes on the version (or newer), and those still to go */
  updatedNodes: string[];
  pendingNodes: string[];
  reason?: string;
}

/** What a node's heartbeat offer says about asking it. */
export interface RolloutAsk {
  requested: boolean;
  autoUpdate: boolean;
  /** the release a requested node is offered: the rollout's */
  version?: string;
}

const NODE_COLUMNS = `n.id, n.name, n.lname, n.machine, n.upgrading_to, n.last_heartbeat_at, extract(epoch from now() - coalesce(n.last_heartbeat_at, n.last_seen_at))::float8 as silent,
  (case n.key_name when 'authKey1' then g.key1_gen else g.key2_gen end) = n.key_gen as credential_valid`;

type RolloutNode = Pick<NodeRow, 'id' | 'name' | 'lname' | 'machine' | 'upgrading_to' | 'credential_valid'> & { silent: number };

async function nodesOf(q: Q, gatewayId: string): Promise<RolloutNode[]> {
  return q.query<RolloutNode>(`select ${NODE_COLUMNS} from nodes n join gateways g on g.id = n.gateway_id where n.gateway_id = $1 order by n.lname`, [gatewayId]);
}

const behind = (n: RolloutNode, version: string) => n.credential_valid && compareVersions(n.machine.version, version) < 0;

/** ARM `upgrade`: a new rollout of the newest release (a halted or finished one is replaced); undefined when no release is published. */
export async function startRollout(ctx: ServiceContext, gatewayId: string): Promise<RolloutView | undefined> {
  const latest = await ctx.releases.latest();
  if (!latest) return undefined;
  await ctx.sql.query(
    `update gateways set rollout_status = 'InProgress', rollout_version = $2, rollout_node_id = null, rollout_node_asked_at = null, rollout_reason = null, rollout_started_at = now(), rollout_ended_at = null where id = $1`,
    [gatewayId, latest.version],
  );
  // the first node is asked at once, not at the next heartbeat
  await ctx.sql.tx(async (q) => advance(ctx, q, (await lockGateway(q, gatewayId))!));
  return rolloutView(ctx, gatewayId);
}

/**
 * One node's heartbeat (after its row was updated): moves the gateway's rollout on, and says whether this node is the
 * one asked now, and whether its own schedule window may be honoured.
 */
export async function rolloutStep(ctx: ServiceContext, node: Pick<NodeRow, 'id' | 'gateway_id' | 'name'>, hb: Pick<HeartbeatRequest, 'machine' | 'upgradingTo' | 'updateNotice'>): Promise<RolloutAsk> {
  return ctx.sql.tx(async (q) => {
    const g = (await lockGateway(q, node.gateway_id))!;
    if (g.rollout_status === 'InProgress' && g.rollout_node_id === node.id && g.rollout_version) {
      const notice = hb.updateNotice;
      const askedFor = (Date.now() - new Date(g.rollout_node_asked_at ?? 0).getTime()) / 1000;
      // a refusal of this very version while not installing it, seen once the node had time to act on the ask
      // (an older notice may ride on the first heartbeat after it): a rollback after a failed probation reads like this
      if (notice?.kind === 'refused' && notice.version === g.rollout_version && !hb.upgradingTo && hb.machine.version !== g.rollout_version && askedFor > 2 * ctx.settings.heartbeatSeconds) {
        await halt(ctx, q, g, `node ${node.name} did not take agent ${g.rollout_version}: ${notice.message}`);
        return { requested: false, autoUpdate: false };
      }
    }
    const current = await advance(ctx, q, g);
    const inProgress = current.rollout_status === 'InProgress';
    const othersInstalling = !inProgress && (await one<{ n: number }>(q, `select count(*)::int as n from nodes where gateway_id = $1 and id <> $2 and upgrading_to is not null and last_seen_at > now() - interval '10 minutes'`, [node.gateway_id, node.id]))!.n > 0;
    const requested = inProgress && current.rollout_node_id === node.id;
    return { requested, autoUpdate: current.auto_update !== 'Off' && !inProgress && !othersInstalling, ...(requested ? { version: current.rollout_version! } : {}) };
  });
}

/** Moves the rollout as far as it goes now: done nodes are passed, a silent one halts it, the next is asked. */
async function advance(ctx: ServiceContext, q: Q, g: GatewayRow): Promise<GatewayRow> {
  if (g.rollout_status !== 'InProgress' || !g.rollout_version) return g;
  const version = g.rollout_version;
  const nodes = await nodesOf(q, g.id);
  let current = nodes.find((n) => n.id === g.rollout_node_id);
  if (current && !behind(current, version)) {
    ctx.log('info', `rollout of agent ${version} on gateway ${g.name}: node ${current.name} runs it`);
    current = undefined;
  }
  if (current) {
    // silence, not duration: a node may drain a long job before it installs, heartbeating all along
    if (current.silent > ctx.rolloutNodeTimeoutSeconds) {
      await halt(ctx, q, g, `node ${current.name} was asked to install agent ${version} and has not been heard from for ${Math.round(current.silent)} s (it is not back Online on the new version)`);
      return (await lockGateway(q, g.id))!;
    }
    return g;
  }
  const next = nodes.find((n) => behind(n, version));
  if (!next) {
    const r = await one<GatewayRow>(q, `update gateways set rollout_status = 'Succeeded', rollout_node_id = null, rollout_node_asked_at = null, rollout_ended_at = now() where id = $1 returning *`, [g.id]);
    ctx.log('info', `rollout of agent ${version} on gateway ${g.name}: every node runs it`);
    return r!;
  }
  ctx.log('info', `rollout of agent ${version} on gateway ${g.name}: asking node ${next.name}`);
  return (await one<GatewayRow>(q, 'update gateways set rollout_node_id = $2, rollout_node_asked_at = now() where id = $1 returning *', [g.id, next.id]))!;
}

async function halt(ctx: ServiceContext, q: Q, g: GatewayRow, reason: string): Promise<void> {
  await q.query(`update gateways set rollout_status = 'Halted', rollout_reason = $2, rollout_node_id = null, rollout_ended_at = now() where id = $1`, [g.id, reason]);
  ctx.log('warn', `rollout of agent ${g.rollout_version} on gateway ${g.name} halted: ${reason}`);
}

function lockGateway(q: Q, id: string): Promise<GatewayRow | undefined> {
  return one<GatewayRow>(q, 'select * from gateways where id = $1 for update', [id]);
}

/** The rollout as getStatus and `dmgw gateway show` report it; undefined when the gateway never had one. */
export async function rolloutView(ctx: Pick<ServiceContext, 'sql'>, gatewayId: string, g?: GatewayRow): Promise<RolloutView | undefined> {
  const row = g ?? (await one<GatewayRow>(ctx.sql, 'select * from gateways where id = $1', [gatewayId]));
  if (!row?.rollout_status || !row.rollout_version) return undefined;
  const nodes = await nodesOf(ctx.sql, gatewayId);
  const version = row.rollout_version;
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
  return {
    status: row.rollout_status,
    version,
    startedAt: iso(row.rollout_started_at),
    endedAt: iso(row.rollout_ended_at),
    currentNode: nodes.find((n) => n.id === row.rollout_node_id)?.name,
    updatedNodes: nodes.filter((n) => compareVersions(n.machine.version, version) >= 0).map((n) => n.name),
    pendingNodes: nodes.filter((n) => behind(n, version)).map((n) => n.name),
    reason: row.rollout_reason ?? undefined,
  };
}
