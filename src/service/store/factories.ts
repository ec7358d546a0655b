/** Factories: the ARM resource `Microsoft.DataFactory/factories`, keyed by its lower-cased ARM id. */
import { randomUUID } from 'node:crypto';
import { one, type Sql } from './sql.js';

export interface FactoryRow {
  id: string;
  subscription: string;
  resource_group: string;
  name: string;
  location: string | null;
  tags: Record<string, string> | null;
  identity: unknown;
  properties: Record<string, unknown>;
  etag: string;
  created_at: Date;
}

export function factoryKey(subscription: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscription}/resourcegroups/${resourceGroup}/providers/microsoft.datafactory/factories/${name}`.toLowerCase();
}

export class FactoryStore {
  constructor(private readonly sql: Sql) {}

  get(id: string): Promise<FactoryRow | undefined> {
    return one<FactoryRow>(this.sql, 'select * from factories where id = $1', [id]);
  }

  async upsert(f: { subscription: string; resourceGroup: string; name: string; location?: string; tags?: unknown; identity?: unknown; properties?: unknown }): Promise<{ row: FactoryRow; created: boolean }> {
    const id = factoryKey(f.subscription, f.resourceGroup, f.name);
    const existed = await this.get(id);
    const row = await one<FactoryRow>(
      this.sql,
      `insert into factories (id, subscription, resource_group, name, location, tags, identity, properties, etag)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (id) do update set location = excluded.location, tags = excluded.tags, identity = excluded.identity,
         properties = excluded.properties, etag = excluded.etag
       returning *`,
      [id, f.subscription, f.resourceGroup, existed?.name ?? f.name, f.location ?? null, JSON.stringify(f.tags ?? null), JSON.stringify(f.identity ?? null), JSON.stringify(f.properties ?? {}), randomUUID()],
    );
    return { row: row!, created: !existed };
  }

  async patch(id: string, tags: unknown, identity: unknown): Promise<FactoryRow | undefined> {
    return one<FactoryRow>(
      this.sql,
      `update factories set tags = coalesce($2::jsonb, tags), identity = coalesce($3::jsonb, identity), etag = $4 where id = $1 returning *`,
      [id, tags === undefined ? null : JSON.stringify(tags), identity === undefined ? null : JSON.stringify(identity), randomUUID()],
    );
  }

  list(subscription: string, resourceGroup?: string): Promise<FactoryRow[]> {
    return resourceGroup === undefined
      ? this.sql.query<FactoryRow>('select * from factories where lower(subscription) = lower($1) order by id', [subscription])
      : this.sql.query<FactoryRow>('select * from factories where lower(subscription) = lower($1) and lower(resource_group) = lower($2) order by id', [subscription, resourceGroup]);
  }

  /** Every subscription that holds a factory, as first written. */
  async subscriptions(): Promise<string[]> {
    const rows = await this.sql.query<{ subscription: string }>('select min(subscription) as subscription from factories group by lower(subscription) order by 1');
    return rows.map((r) => r.subscription);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql.query('delete from factories where id = $1 returning id', [id])).length > 0;
  }
}
