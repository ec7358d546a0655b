/**
 * Linked services, datasets, pipelines and integration runtimes of a factory, stored as ADF's JSON `properties`.
 * `properties` is what ARM answers: every secret masked (common/maskSecrets.ts). When the resource as written
 * holds a secret (a cloud linked service's account key, a SecureString, a secure parameter's default), that
 * original is kept only sealed (`sealed`, the master key, bound to the resource's identity) and opened only to
 * build a job for a node (`opened`). On-premises secrets never get here in plaintext: a linked service that runs
 * through a gateway is encrypted for the gateway's certificate before it is stored (arm/encryptOnArrival.ts).
 */
import { maskSecrets } from '../../common/maskSecrets.js';
import type { Sealer } from '../secrets/sealing.js';
import { etagSql, newEtag, type WriteCondition } from './etags.js';
import { one, type Sql } from './sql.js';

export type StoredKind = 'linkedservices' | 'datasets' | 'pipelines' | 'integrationRuntimes';

export interface ResourceRow {
  factory_id: string;
  kind: StoredKind;
  lname: string;
  name: string;
  /** as ARM answers it: secrets masked */
  properties: Record<string, unknown>;
  /** the resource as written, sealed; null when it holds no secret */
  sealed: string | null;
  etag: string;
  updated_at: Date;
}

export class ResourceStore {
  constructor(
    private readonly sql: Sql,
    private readonly sealer: Sealer,
  ) {}

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
  async upsert(factoryId: string, kind: StoredKind, name: string, properties: Record<string, unknown>, cond: WriteCondition = {}): Promise<ResourceRow | undefined> {
    const etag = newEtag();
    const { shown, sealed } = atRest(this.sealer, factoryId, kind, name.toLowerCase(), properties);
    if (cond.ifMatch !== undefined) {
      // If-Match needs an existing resource: an update, never an insert.
      const params: unknown[] = [factoryId, kind, name.toLowerCase(), shown, etag, sealed];
      return one<ResourceRow>(
        this.sql,
        `update resources set properties = $4, etag = $5, sealed = $6, updated_at = now()
         where factory_id = $1 and kind = $2 and lname = $3 and ${etagSql(cond, 'etag', params)} returning *`,
        params,
      );
    }
    const params: unknown[] = [factoryId, kind, name.toLowerCase(), name, shown, etag, sealed];
    return one<ResourceRow>(
      this.sql,
      `insert into resources (factory_id, kind, lname, name, properties, etag, sealed) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (factory_id, kind, lname) do update set properties = excluded.properties, etag = excluded.etag, sealed = excluded.sealed, updated_at = now()
       where ${etagSql(cond, 'resources.etag', params)}
       returning *`,
      params,
    );
  }

  /** The resource as it was written, secrets included: only for the job handed to a node. */
  opened(r: ResourceRow): Record<string, unknown> {
    return r.sealed ? (JSON.parse(this.sealer.open(r.sealed, sealContext(r.factory_id, r.kind, r.lname))) as Record<string, unknown>) : r.properties;
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

/** What a row keeps: the masked properties (JSON text), and the original sealed when masking changed anything. */
export function atRest(sealer: Sealer, factoryId: string, kind: StoredKind, lname: string, properties: Record<string, unknown>): { shown: string; sealed: string | null } {
  const m = maskSecrets(properties, kind === 'linkedservices');
  return { shown: JSON.stringify(m.value), sealed: m.masked ? sealer.seal(JSON.stringify(properties), sealContext(factoryId, kind, lname)) : null };
}

/** A sealed original opens only in its own row: factory, kind and name are authenticated with it. */
const sealContext = (factoryId: string, kind: string, lname: string): string => `resource ${factoryId} ${kind} ${lname}`;
