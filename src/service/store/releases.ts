/**
 * Agent releases: published bundles (stored in the database, so every replica serves them) with the manifest bytes
 * and detached signature their release authority made. The service keeps them as they came; it cannot sign.
 */
import { compareVersions } from '../../common/gateway/agentRelease.js';
import { one, type Sql } from './sql.js';

export interface ReleaseRow {
  version: string;
  sha256: string;
  /** base64 Ed25519 signature over `manifest` */
  signature: string;
  manifest: Buffer;
  size: number;
  published_at: Date;
}

const COLUMNS = 'version, sha256, signature, manifest, size, published_at';

export class ReleaseStore {
  constructor(private readonly sql: Sql) {}

  async publish(r: { version: string; sha256: string; manifest: Buffer; signature: string; bundle: Buffer }): Promise<ReleaseRow> {
    await this.sql.query(
      `insert into agent_releases (version, sha256, signature, manifest, size, bundle) values ($1, $2, $3, $4, $5, $6)
       on conflict (version) do update set sha256 = excluded.sha256, signature = excluded.signature, manifest = excluded.manifest,
         size = excluded.size, bundle = excluded.bundle, published_at = now()`,
      [r.version, r.sha256, r.signature, r.manifest, r.bundle.length, r.bundle],
    );
    return (await this.get(r.version))!;
  }

  async list(): Promise<ReleaseRow[]> {
    return (await this.sql.query<ReleaseRow>(`select ${COLUMNS} from agent_releases`)).map(row);
  }

  async get(version: string): Promise<ReleaseRow | undefined> {
    const r = await one<ReleaseRow>(this.sql, `select ${COLUMNS} from agent_releases where version = $1`, [version]);
    return r && row(r);
  }

  /** The newest by SemVer precedence. */
  async latest(): Promise<ReleaseRow | undefined> {
    return (await this.list()).sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  async bundle(version: string): Promise<Buffer | undefined> {
    const r = await one<{ bundle: Uint8Array }>(this.sql, 'select bundle from agent_releases where version = $1', [version]);
    return r ? Buffer.from(r.bundle) : undefined;
  }
}

/** bytea comes back as a Uint8Array from PGlite and a Buffer from pg. */
const row = (r: ReleaseRow): ReleaseRow => ({ ...r, manifest: Buffer.from(r.manifest) });
