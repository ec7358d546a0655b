/** Factories: the ARM resource `Microsoft.DataFactory/factories`, keyed by its lower-cased ARM id. */
import { etagSql, newEtag, type WriteCondition } from './etags.js';
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

  /**
   * Creates or replaces the factory with a fresh etag; undefined when `cond` (If-Match / If-None-Match) does not
   * hold. The condition is part of the one statement that writes, so concurrent writers cannot both pass it.
   * A replaced factory keeps the name it was created with (ARM names are case-insensitive).
   */
  upsert(f: { subscription: string; resourceGroup: string; name: string; location?: string; tags?: unknown; identity?: unknown; properties?: unknown }, cond: WriteCondition = {}): Promise<FactoryRow | undefined> {
    const id = factoryKey(f.subscription, f.resourceGroup, f.name);
    const values = [f.location ?? null, JSON.stringify(f.tags ?? null), JSON.stringify(f.identity ?? null), JSON.stringify(f.properties ?? {}), newEtag()];
    if (cond.ifMatch !== undefined) {
      // If-Match needs an existing factory: an update, never an insert.
      const params: unknown[] = [id, ...values];
      return one<FactoryRow>(
        this.sql,
        `update factories set location = $2, tags = $3, identity = $4, properties = $5, etag = $6
         where id = $1 and ${etagSql(cond, 'etag', params)} returning *`,
        params,
      );
    }
    const params: unknown[] = [id, f.subscription, f.resourceGroup, f.name, ...values];
    return one<FactoryRow>(
      this.sql,
      `insert into factories (id, subscription, resource_group, name, location, tags, identity, properties, etag)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (id) do update set location = excluded.location, tags = excluded.tags, identity = excluded.identity,
         properties = excluded.properties, etag = excluded.etag
       where ${etagSql(cond, 'factories.etag', params)}
       returning *`,
      params,
    );
  }

  /** ARM's PATCH (tags, identity): a fresh etag; undefined when the factory is gone or `cond` does not hold. */
  patch(id: string, tags: unknown, identity: unknown, cond: WriteCondition = {}): Promise<FactoryRow | undefined> {
    const params: unknown[] = [id, tags === undefined ? null : JSON.stringify(tags), identity === undefined ? null : JSON.stringify(identity), newEtag()];
    return one<FactoryRow>(
      this.sql,
      `update factories set tags = coalesce($2::jsonb, tags), identity = coalesce($3::jsonb, identity), etag = $4 where id = $1 and ${etagSql(cond, 'etag', params)} returning *`,
      params,
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
