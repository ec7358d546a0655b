/**
 * Gateways: the key material behind each SelfHosted integration runtime. Two keys, each a sealed secret plus a
 * generation; regenerating a key bumps its generation, which revokes every node credential issued under it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KeyName } from '../../common/gateway/key.js';
import type { Sealer } from '../secrets/sealing.js';
import { endJobsOfDeletedGateway } from './jobs.js';
import { one, type Sql } from './sql.js';

export interface GatewayRow {
  id: string;
  factory_id: string;
  lname: string;
  name: string;
  key1_sealed: string;
  key1_gen: number;
  key2_sealed: string;
  key2_gen: number;
  auto_update: string;
  update_delay_offset: string | null;
  upgrade_requested_at: Date | null;
  created_at: Date;
  /** the rolling update (rollout/rollout.ts): InProgress | Succeeded | Halted, or null when there never was one */
  rollout_status: 'InProgress' | 'Succeeded' | 'Halted' | null;
  rollout_version: string | null;
  /** the node asked to update now, and since when */
  rollout_node_id: string | null;
  rollout_node_asked_at: Date | null;
  rollout_reason: string | null;
  rollout_started_at: Date | null;
  rollout_ended_at: Date | null;
}

export const newSecret = (): string => randomBytes(32).toString('base64url');

export class GatewayStore {
  constructor(
    private readonly sql: Sql,
    private readonly sealer: Sealer,
  ) {}

  get(factoryId: string, name: string): Promise<GatewayRow | undefined> {
    return one<GatewayRow>(this.sql, 'select * from gateways where factory_id = $1 and lname = $2', [factoryId, name.toLowerCase()]);
  }

  byId(id: string): Promise<GatewayRow | undefined> {
    return one<GatewayRow>(this.sql, 'select * from gateways where id = $1', [id]);
  }

  /**
   * Creates the gateway row when missing (createOrUpdate of an IR keeps existing keys) — only while its integration
   * runtime resource exists, so a run queued as the runtime is deleted cannot bring the gateway back; undefined then.
   */
  async ensure(factoryId: string, name: string): Promise<GatewayRow | undefined> {
    await this.sql.query(
      `insert into gateways (id, factory_id, lname, name, key1_sealed, key2_sealed)
       select $1, $2, $3, $4, $5, $6 where exists (select 1 from resources where factory_id = $2 and kind = 'integrationRuntimes' and lname = $3)
       on conflict (factory_id, lname) do nothing`,
      [randomUUID(), factoryId, name.toLowerCase(), name, this.sealer.seal(newSecret()), this.sealer.seal(newSecret())],
    );
    return this.get(factoryId, name);
  }

  secretOf(g: GatewayRow, key: KeyName): string {
    return this.sealer.open(key === 'authKey1' ? g.key1_sealed : g.key2_sealed);
  }

  generationOf(g: GatewayRow, key: KeyName): number {
    return key === 'authKey1' ? g.key1_gen : g.key2_gen;
  }

  async regenerate(id: string, key: KeyName): Promise<GatewayRow> {
    const col = key === 'authKey1' ? 'key1' : 'key2';
    return (await one<GatewayRow>(this.sql, `update gateways set ${col}_sealed = $2, ${col}_gen = ${col}_gen + 1 where id = $1 returning *`, [id, this.sealer.seal(newSecret())]))!;
  }

  async update(id: string, autoUpdate?: string, updateDelayOffset?: string): Promise<GatewayRow> {
    return (await one<GatewayRow>(this.sql, 'update gateways set auto_update = coalesce($2, auto_update), update_delay_offset = coalesce($3, update_delay_offset) where id = $1 returning *', [id, autoUpdate ?? null, updateDelayOffset ?? null]))!;
  }

  /**
   * Deletes the gateway with its integration runtime resource and its nodes, in one transaction that first ends its
   * unfinished jobs (their runs fail saying the runtime was deleted; jobs.gateway_id's foreign key then takes the
   * jobs with it). Returns how many runs ended.
   */
  async delete(g: GatewayRow): Promise<number> {
    return this.sql.tx(async (q) => {
      const ended = await endJobsOfDeletedGateway(q, g.id, g.name);
      await q.query(`delete from resources where factory_id = $1 and kind = 'integrationRuntimes' and lname = $2`, [g.factory_id, g.lname]);
      await q.query('delete from gateways where id = $1', [g.id]);
      return ended;
    });
  }
}
