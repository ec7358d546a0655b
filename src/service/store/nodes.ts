/**
 * Nodes: machines registered to a gateway. A node is identified on the channel by the SHA-256 of its credential;
 * the credential is valid while the generation of the key it was issued under is still the key's generation, and
 * until it expires. Renewing it (its host does so at half its lifetime) keeps the replaced credential valid a short
 * while longer (`prev_token_*`), so a renewal whose answer was lost can be asked for again with it.
 * `seen_ago`/`heartbeat_ago` and expiries are computed by the database so that replicas with skewed clocks agree.
 */
import { randomUUID } from 'node:crypto';
import type { MachineInfo } from '../../common/gateway/protocol.js';
import { one, type Sql } from './sql.js';

export interface NodeRow {
  id: string;
  gateway_id: string;
  lname: string;
  name: string;
  token_hash: string;
  key_name: string;
  key_gen: number;
  certificate_pem: string;
  certificate_thumbprint: string;
  machine: MachineInfo;
  concurrent_jobs_limit: number;
  max_concurrent_jobs: number;
  cpu_percent: number | null;
  available_memory_mb: number | null;
  running_jobs: number;
  registered_at: Date;
  last_seen_at: Date;
  last_heartbeat_at: Date | null;
  /** The agent version the node is installing (it said so in its heartbeat), or null. */
  upgrading_to: string | null;
  /** seconds since last_seen_at */
  seen_ago: number;
  /** false when the key it was issued under has been regenerated */
  credential_valid: boolean;
  token_expires_at: Date | null;
  /** bytes the node's Copy activities read / wrote (bigint: a string from pg) */
  bytes_read: number | string;
  bytes_written: number | string;
}

/** A node as found by the credential a call presented, with that credential's own standing. */
export interface PresentedNode extends NodeRow {
  /** the node's current credential, or the one its last renewal replaced */
  presented: 'current' | 'previous';
  presented_expires_at: Date;
  presented_expired: boolean;
}

const SELECT = `select n.*, extract(epoch from now() - n.last_seen_at)::float8 as seen_ago,
  (case n.key_name when 'authKey1' then g.key1_gen else g.key2_gen end) = n.key_gen as credential_valid
  from nodes n join gateways g on g.id = n.gateway_id`;

export class NodeStore {
  constructor(private readonly sql: Sql) {}

  byTokenHash(hash: string): Promise<PresentedNode | undefined> {
    return one<PresentedNode>(
      this.sql,
      `select x.*, x.presented_expires_at <= now() as presented_expired from (
         select n.*, extract(epoch from now() - n.last_seen_at)::float8 as seen_ago,
           (case n.key_name when 'authKey1' then g.key1_gen else g.key2_gen end) = n.key_gen as credential_valid,
           case when n.token_hash = $1 then 'current' else 'previous' end as presented,
           case when n.token_hash = $1 then n.token_expires_at else n.prev_token_expires_at end as presented_expires_at
         from nodes n join gateways g on g.id = n.gateway_id where n.token_hash = $1 or n.prev_token_hash = $1) x`,
      [hash],
    );
  }

  /**
   * Replaces the node's credential with `newHash` (valid `lifetimeSeconds`); the presented one — current, or the one
   * a renewal whose answer was lost replaced — stays valid at most `overlapSeconds` more. A credential issued in
   * between and never received is dropped. Returns the new expiry; undefined when the presented credential is gone.
   */
  async renewToken(nodeId: string, presentedHash: string, newHash: string, lifetimeSeconds: number, overlapSeconds: number): Promise<Date | undefined> {
    const r = await one<{ token_expires_at: Date }>(
      this.sql,
      `update nodes set prev_token_hash = $2,
         prev_token_expires_at = least(case when token_hash = $2 then token_expires_at else prev_token_expires_at end, now() + make_interval(secs => $5)),
         token_hash = $3, token_expires_at = now() + make_interval(secs => $4)
       where id = $1 and (token_hash = $2 or prev_token_hash = $2) returning token_expires_at`,
      [nodeId, presentedHash, newHash, lifetimeSeconds, overlapSeconds],
    );
    return r?.token_expires_at;
  }

  get(gatewayId: string, name: string): Promise<NodeRow | undefined> {
    return one<NodeRow>(this.sql, `${SELECT} where n.gateway_id = $1 and n.lname = $2`, [gatewayId, name.toLowerCase()]);
  }

  list(gatewayId: string): Promise<NodeRow[]> {
    return this.sql.query<NodeRow>(`${SELECT} where n.gateway_id = $1 order by n.lname`, [gatewayId]);
  }

  /** Registering again under the same node name replaces the node's credential (a re-install, a moved machine). */
  async register(n: { gatewayId: string; name: string; tokenHash: string; keyName: string; keyGen: number; certificatePem: string; thumbprint: string; machine: MachineInfo; concurrentJobsLimit: number; lifetimeSeconds: number }): Promise<NodeRow> {
    await this.sql.query(
      `insert into nodes (id, gateway_id, lname, name, token_hash, key_name, key_gen, certificate_pem, certificate_thumbprint, machine, concurrent_jobs_limit, max_concurrent_jobs, token_expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, now() + make_interval(secs => $12))
       on conflict (gateway_id, lname) do update set token_hash = excluded.token_hash, key_name = excluded.key_name, key_gen = excluded.key_gen,
         certificate_pem = excluded.certificate_pem, certificate_thumbprint = excluded.certificate_thumbprint, machine = excluded.machine,
         max_concurrent_jobs = excluded.max_concurrent_jobs, registered_at = now(), last_seen_at = now(),
         token_expires_at = excluded.token_expires_at, prev_token_hash = null, prev_token_expires_at = null`,
      [randomUUID(), n.gatewayId, n.name.toLowerCase(), n.name, n.tokenHash, n.keyName, n.keyGen, n.certificatePem, n.thumbprint, JSON.stringify(n.machine), n.concurrentJobsLimit, n.lifetimeSeconds],
    );
    return (await this.get(n.gatewayId, n.name))!;
  }

  async seen(id: string): Promise<void> {
    await this.sql.query('update nodes set last_seen_at = now() where id = $1', [id]);
  }

  async heartbeat(id: string, h: { machine: MachineInfo; runningJobs: number; cpuPercent: number; availableMemoryMb: number; upgradingTo?: string | null }): Promise<void> {
    await this.sql.query(
      `update nodes set machine = $2, running_jobs = $3, cpu_percent = $4, available_memory_mb = $5, upgrading_to = $6, last_heartbeat_at = now(), last_seen_at = now() where id = $1`,
      [id, JSON.stringify(h.machine), h.runningJobs, h.cpuPercent, Math.round(h.availableMemoryMb), h.upgradingTo ?? null],
    );
  }

  async setLimit(id: string, limit: number): Promise<void> {
    await this.sql.query('update nodes set concurrent_jobs_limit = $2 where id = $1', [id, limit]);
  }

  async delete(id: string): Promise<void> {
    await this.sql.query('delete from nodes where id = $1', [id]);
  }
}
