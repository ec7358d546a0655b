/** Linked services, datasets, pipelines and integration runtimes of a factory, stored as ADF's JSON `properties`. */
import { etagSql, newEtag, type WriteCondition } from './etags.js';
import { one, type Sql } from './sql.js';

export type StoredKind = 'linkedservices' | 'datasets' | 'pipelines' | 'integrationRuntimes';

export interface ResourceRow {
  factory_id: string;
  kind: StoredKind;
  lname: string;
  name: string;
  properties: Record<string, unknown>;
  etag: string;
  updated_at: Date;
}

export class ResourceStore {
  constructor(private readonly sql: Sql) {}

  get(factoryId: string, kind: StoredKind, name: string): Promise<ResourceRow | undefined> {
    return one<ResourceRow>(this.sql, 'select * from resources where factory_id = $1 and kind = $2 and lname = $3', [factoryId, kind, name.toLowerCase()]);
  }

  list(factoryId: string, kind: StoredKind): Promise<ResourceRow[]> {
    return this.sql.query<ResourceRow>('select * from resources where factory_id = $1 and kind = $2 order by lname', [factoryId, kind]);
  }

  /**
   * Creates or replaces the resource with a fresh etag; undefined when `cond` (If-Match / If-None-Match) does not
   * hold. The condition is part of the one statement that writes, so concurrent writers cannot both pass it.
   */
  async upsert(factoryId: string, kind: StoredKind, name: string, properties: unknown, cond: WriteCondition = {}): Promise<ResourceRow | undefined> {
    const etag = newEtag();
    if (cond.ifMatch !== undefined) {
      // If-Match needs an existing resource: an update, never an insert.
      const params: unknown[] = [factoryId, kind, name.toLowerCase(), JSON.stringify(properties), etag];
      return one<ResourceRow>(
        this.sql,
        `update resources set properties = $4, etag = $5, updated_at = now()
         where factory_id = $1 and kind = $2 and lname = $3 and ${etagSql(cond, 'etag', params)} returning *`,
        params,
      );
    }
    const params: unknown[] = [factoryId, kind, name.toLowerCase(), name, JSON.stringify(properties), etag];
    return one<ResourceRow>(
      this.sql,
      `insert into resources (factory_id, kind, lname, name, properties, etag) values ($1, $2, $3, $4, $5, $6)
       on conflict (factory_id, kind, lname) do update set properties = excluded.properties, etag = excluded.etag, updated_at = now()
       where ${etagSql(cond, 'resources.etag', params)}
       returning *`,
      params,
    );
  }

  /** A write that changes the resource's ARM state elsewhere (an IR's gateway settings): a fresh etag, under `cond`. */
  touch(factoryId: string, kind: StoredKind, name: string, cond: WriteCondition = {}): Promise<ResourceRow | undefined> {
    const params: unknown[] = [factoryId, kind, name.toLowerCase(), newEtag()];
    return one<ResourceRow>(
      this.sql,
      `update resources set etag = $4, updated_at = now() where factory_id = $1 and kind = $2 and lname = $3 and ${etagSql(cond, 'etag', params)} returning *`,
      params,
    );
  }

  async delete(factoryId: string, kind: StoredKind, name: string): Promise<boolean> {
    return (await this.sql.query('delete from resources where factory_id = $1 and kind = $2 and lname = $3 returning lname', [factoryId, kind, name.toLowerCase()])).length > 0;
  }
}
