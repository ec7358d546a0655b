/** Agent releases: published bundles (stored in the database, so every replica serves them) with SHA-256 and signature. */
import { compareVersions } from '../../common/gateway/agentRelease.js';
import { one, type Sql } from './sql.js';

export interface ReleaseRow {
  version: string;
  sha256: string;
  signature: string;
  size: number;
  published_at: Date;
}

export class ReleaseStore {
  constructor(private readonly sql: Sql) {}

  async publish(r: { version: string; sha256: string; signature: string; bundle: Buffer }): Promise<ReleaseRow> {
    await this.sql.query(
      `insert into agent_releases (version, sha256, signature, size, bundle) values ($1, $2, $3, $4, $5)
       on conflict (version) do update set sha256 = excluded.sha256, signature = excluded.signature, size = excluded.size, bundle = excluded.bundle, published_at = now()`,
      [r.version, r.sha256, r.signature, r.bundle.length, r.bundle],
    );
    return (await one<ReleaseRow>(this.sql, 'select version, sha256, signature, size, published_at from agent_releases where version = $1', [r.version]))!;
  }

  list(): Promise<ReleaseRow[]> {
    return this.sql.query<ReleaseRow>('select version, sha256, signature, size, published_at from agent_releases');
  }

  async latest(): Promise<ReleaseRow | undefined> {
    return (await this.list()).sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  async bundle(version: string): Promise<Buffer | undefined> {
    const r = await one<{ bundle: Uint8Array }>(this.sql, 'select bundle from agent_releases where version = $1', [version]);
    return r ? Buffer.from(r.bundle) : undefined;
  }
}
