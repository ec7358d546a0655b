/**
 * Nodes: machines registered to a gateway. A node is identified on the channel by the SHA-256 of its credential;
 * the credential is valid while the generation of the key it was issued under is still the key's generation.
 * `seen_ago`/`heartbeat_ago` are computed by the database so that replicas with skewed clocks agree.
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
}

const SELECT = `select n.*, extract(epoch from now() - n.last_seen_at)::float8 as seen_ago,
  (case n.key_name when 'authKey1' then g.key1_gen else g.key2_gen end) = n.key_gen as credential_valid
  from nodes n join gateways g on g.id = n.gateway_id`;

export class NodeStore {
  constructor(private readonly sql: Sql) {}

  byTokenHash(hash: string): Promise<NodeRow | undefined> {
    return one<NodeRow>(this.sql, `${SELECT} where n.token_hash = $1`, [hash]);
  }

  get(gatewayId: string, name: string): Promise<NodeRow | undefined> {
    return one<NodeRow>(this.sql, `${SELECT} where n.gateway_id = $1 and n.lname = $2`, [gatewayId, name.toLowerCase()]);
  }

  list(gatewayId: string): Promise<NodeRow[]> {
    return this.sql.query<NodeRow>(`${SELECT} where n.gateway_id = $1 order by n.lname`, [gatewayId]);
  }

  /** Registering again under the same node name replaces the node's credential (a re-install, a moved machine). */
  async register(n: { gatewayId: string; name: string; tokenHash: string; keyName: string; keyGen: number; certificatePem: string; thumbprint: string; machine: MachineInfo; concurrentJobsLimit: number }): Promise<NodeRow> {
    await this.sql.query(
      `insert into nodes (id, gateway_id, lname, name, token_hash, key_name, key_gen, certificate_pem, certificate_thumbprint, machine, concurrent_jobs_limit, max_concurrent_jobs)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
       on conflict (gateway_id, lname) do update set token_hash = excluded.token_hash, key_name = excluded.key_name, key_gen = excluded.key_gen,
         certificate_pem = excluded.certificate_pem, certificate_thumbprint = excluded.certificate_thumbprint, machine = excluded.machine,
         max_concurrent_jobs = excluded.max_concurrent_jobs, registered_at = now(), last_seen_at = now()`,
      [randomUUID(), n.gatewayId, n.name.toLowerCase(), n.name, n.tokenHash, n.keyName, n.keyGen, n.certificatePem, n.thumbprint, JSON.stringify(n.machine), n.concurrentJobsLimit],
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
