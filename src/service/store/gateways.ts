/**
 * Gateways: the key material behind each SelfHosted integration runtime. Two keys, each a sealed secret plus a
 * generation; regenerating a key bumps its generation, which revokes every node credential issued under it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KeyName } from '../../common/gateway/key.js';
import type { Sealer } from '../secrets/sealing.js';
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

  /** Creates the gateway row when missing (createOrUpdate of an IR keeps existing keys). */
  async ensure(factoryId: string, name: string): Promise<GatewayRow> {
    await this.sql.query(
      `insert into gateways (id, factory_id, lname, name, key1_sealed, key2_sealed) values ($1, $2, $3, $4, $5, $6)
       on conflict (factory_id, lname) do nothing`,
      [randomUUID(), factoryId, name.toLowerCase(), name, this.sealer.seal(newSecret()), this.sealer.seal(newSecret())],
    );
    return (await this.get(factoryId, name))!;
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

  async requestUpgrade(id: string): Promise<void> {
    await this.sql.query('update gateways set upgrade_requested_at = now() where id = $1', [id]);
  }

  /** Clears a requested upgrade once no node of the gateway runs anything but `version` (the newest release). */
  async upgradeDone(id: string, version: string): Promise<void> {
    await this.sql.query(
      `update gateways g set upgrade_requested_at = null where g.id = $1 and g.upgrade_requested_at is not null
         and not exists (select 1 from nodes n where n.gateway_id = g.id and n.machine->>'version' <> $2)`,
      [id, version],
    );
  }

  async delete(id: string): Promise<void> {
    await this.sql.query('delete from gateways where id = $1', [id]);
  }
}
