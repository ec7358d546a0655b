/** Linked services, datasets, pipelines and integration runtimes of a factory, stored as ADF's JSON `properties`. */
import { randomUUID } from 'node:crypto';
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

  async upsert(factoryId: string, kind: StoredKind, name: string, properties: unknown): Promise<ResourceRow> {
    const row = await one<ResourceRow>(
      this.sql,
      `insert into resources (factory_id, kind, lname, name, properties, etag) values ($1, $2, $3, $4, $5, $6)
       on conflict (factory_id, kind, lname) do update set properties = excluded.properties, etag = excluded.etag, updated_at = now()
       returning *`,
      [factoryId, kind, name.toLowerCase(), name, JSON.stringify(properties), randomUUID()],
    );
    return row!;
  }

  async delete(factoryId: string, kind: StoredKind, name: string): Promise<boolean> {
    return (await this.sql.query('delete from resources where factory_id = $1 and kind = $2 and lname = $3 returning lname', [factoryId, kind, name.toLowerCase()])).length > 0;
  }
}
