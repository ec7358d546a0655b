/**
 * Interactive jobs ("probes"): a Test Connection a user waits for. They have a queue of their own, which a node
 * long-polls beside its job poll (`/gateway/v1/probes/poll`) and serves outside its job slots, so a probe never
 * waits behind queued or running copy jobs. The payload (the linked service, its credential an EncryptedCredential
 * for the gateway) is sealed for the probe's id, as a job's is; the result is the connector's message, which the
 * node has already redacted. A probe nobody answers is ended by the caller that waits for it (`finish`).
 */
import { randomUUID } from 'node:crypto';
import type { ProbeMessage } from '../../common/gateway/protocol.js';
import type { Sealer } from '../secrets/sealing.js';
import { one, type Sql } from './sql.js';

export type ProbePayload = Omit<ProbeMessage, 'probeId' | 'leaseToken'>;

export interface ProbeResult {
  ok: boolean;
  message: string;
  code?: string;
  durationMs: number;
  nodeName?: string;
}

export interface ProbeRow {
  id: string;
  gateway_id: string;
  status: 'queued' | 'leased' | 'done';
  payload_sealed: string;
  node_id: string | null;
  lease_token: string | null;
  result: ProbeResult | null;
  enqueued_at: Date;
  leased_at: Date | null;
}

export class ProbeStore {
  constructor(
    private readonly sql: Sql,
    private readonly sealer: Sealer,
  ) {}

  async enqueue(gatewayId: string, payload: ProbePayload): Promise<string> {
    const id = randomUUID();
    await this.sql.query(`insert into probes (id, gateway_id, status, payload_sealed) values ($1, $2, 'queued', $3)`, [id, gatewayId, this.sealer.seal(JSON.stringify(payload), sealContext(id))]);
    return id;
  }

  get(id: string): Promise<ProbeRow | undefined> {
    return one<ProbeRow>(this.sql, 'select * from probes where id = $1', [id]);
  }

  /** Leases up to `count` queued probes of the gateway to the node (SKIP LOCKED: one node each), oldest first. */
  async acquire(gatewayId: string, nodeId: string, count: number): Promise<ProbeMessage[]> {
    const rows = await this.sql.query<ProbeRow>(
      `with c as (select id from probes where gateway_id = $1 and status = 'queued' order by enqueued_at limit $2 for update skip locked)
       update probes p set status = 'leased', node_id = $3, lease_token = gen_random_uuid()::text, leased_at = now() from c where p.id = c.id returning p.*`,
      [gatewayId, count, nodeId],
    );
    return rows.map((r) => ({ ...(JSON.parse(this.sealer.open(r.payload_sealed, sealContext(r.id))) as ProbePayload), probeId: r.id, leaseToken: r.lease_token! }));
  }

  /** The node's answer; false when the probe is no longer leased to it under this token (it was ended meanwhile). */
  async report(id: string, nodeId: string, token: string, result: ProbeResult): Promise<boolean> {
    const rows = await this.sql.query(`update probes set status = 'done', result = $4, finished_at = now() where id = $1 and node_id = $2 and lease_token = $3 and status = 'leased' returning id`, [id, nodeId, token, JSON.stringify(result)]);
    return rows.length > 0;
  }

  /** Ends a probe that got no answer (the caller gave up waiting); a probe already answered keeps its answer. */
  async finish(id: string, result: ProbeResult): Promise<void> {
    await this.sql.query(`update probes set status = 'done', result = $2, finished_at = now() where id = $1 and status <> 'done'`, [id, JSON.stringify(result)]);
  }

  /** Probes are answered within a minute; a day later their rows go. */
  async prune(): Promise<void> {
    await this.sql.query(`delete from probes where enqueued_at < now() - interval '1 day'`);
  }
}

const sealContext = (id: string): string => `probe ${id}`;
