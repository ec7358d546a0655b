/**
 * Staging tables of the PostgreSQL sink, and the ones a killed worker leaves behind.
 * - Name: `dmgw_stage_<target>_<created>_<random>` in the target's schema, where <target> is 8 hex digits of
 *   the SHA-256 of `schema.table` and <created> the creation time (ms since 1970, base 36): a later run into
 *   the same target finds its stages and knows when they were made. COMMENT ON TABLE says the same in words
 *   for a person who finds one.
 * - Liveness: a sink holds a session-level advisory lock keyed by its stage's name, on a session of its own,
 *   from before the CREATE until the stage is dropped. A worker killed with SIGKILL loses its TCP connections,
 *   PostgreSQL ends those sessions and the lock goes with them.
 * - Cleanup: opening a sink drops the stages of its target created before its run started whose lock it can
 *   take (a stage still locked belongs to a run that is alive, on this node or another: it is left alone).
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { TableName } from './connector.js';
import { partCreated } from './resumeParts.js';

const PREFIX = 'dmgw_stage_';

export const targetTag = (schema: string, table: string): string => createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 8);

export function stageName(tag: string, createdMs: number): string {
  return `${PREFIX}${tag}_${createdMs.toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The creation time in a stage name of `tag`, or undefined for anything else (an older or foreign name). */
export function stageCreated(name: string, tag: string): number | undefined {
  const m = new RegExp(`^${PREFIX}${tag}_([0-9a-z]+)_[0-9a-f]+$`).exec(name);
  return m ? parseInt(m[1]!, 36) : undefined;
}

const LOCK = 'SELECT pg_advisory_lock(hashtextextended($1, 0))';
const TRY_LOCK = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got';
const UNLOCK = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The schema a target without one resolves to (the first schema of the session's search_path). */
export async function targetSchema(session: pg.Client, target: TableName): Promise<string> {
  if (target.schema) return target.schema;
  const r = await session.query<{ s: string | null }>('SELECT current_schema() AS s');
  return r.rows[0]?.s ?? 'public';
}

/** Drops the stages of `schema.table` made before `before` (ms) that no live session holds; returns their names. */
export async function dropStaleStages(session: pg.Client, schema: string, table: string, before: number): Promise<string[]> {
  const tag = targetTag(schema, table);
  const r = await session.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2`,
    [schema, `${PREFIX.replace(/_/g, '\\_')}${tag}\\_%`],
  );
  const dropped: string[] = [];
  for (const { relname } of r.rows) {
    const created = stageCreated(relname, tag);
    if (created === undefined || created >= before) continue;
    if (!(await session.query<{ got: boolean }>(TRY_LOCK, [relname])).rows[0]?.got) continue;
    try {
      await session.query(`DROP TABLE IF EXISTS ${quote(schema)}.${quote(relname)}`);
      dropped.push(`${schema}.${relname}`);
    } finally {
      await session.query(UNLOCK, [relname]);
    }
  }
  return dropped;
}

/**
 * Creates the stage of `schema.table` with `columnList` on `guard`, which keeps its lock: `guard` must stay open
 * until the stage is dropped. `name` may be chosen first (to announce it before it exists).
 */
export async function createStage(guard: pg.Client, schema: string, table: string, columnList: string, now = Date.now(), name = stageName(targetTag(schema, table), now)): Promise<TableName> {
  await guard.query(LOCK, [name]);
  const stage = { schema, table: name };
  const q = `${quote(schema)}.${quote(name)}`;
  await guard.query(`CREATE UNLOGGED TABLE ${q} AS SELECT ${columnList} FROM ${quote(schema)}.${quote(table)} WITH NO DATA`);
  const note = `dmgw staging for ${schema}.${table}, created ${new Date(now).toISOString()}; dropped when its copy commits or fails, or by the next copy into that table once no session holds it`;
  await guard.query(`COMMENT ON TABLE ${q} IS E'${note.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
  return stage;
}

/**
 * Drops the resume parts of `schema.table` (`dmgw_part_<target>_<created>_<key>_<n>`) made before `before` (ms): a
 * copy's retry comes within minutes or hours, so a day-old part belongs to a run that will not come back.
 */
export async function dropStaleParts(session: pg.Client, schema: string, table: string, before: number): Promise<string[]> {
  const tag = targetTag(schema, table);
  const r = await session.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2`,
    [schema, `dmgw\\_part\\_${tag}\\_%`],
  );
  const dropped: string[] = [];
  for (const { relname } of r.rows) {
    const created = partCreated(relname, tag);
    if (created === undefined || created >= before) continue;
    await session.query(`DROP TABLE IF EXISTS ${quote(schema)}.${quote(relname)}`);
    dropped.push(`${schema}.${relname}`);
  }
  return dropped;
}

const STAGE = new RegExp(`^${PREFIX}[0-9a-f]{8}_[0-9a-z]+_[0-9a-f]+$`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drops stage `name` that a killed worker left (its staging journal named it: common/staging.ts) as soon as no session
 * holds it; true when it was there. PostgreSQL ends a killed client's sessions once it notices the dropped connection:
 * an idle one at once, one inside a statement (a commit waiting for a lock) when that statement ends — so both the
 * stage's lock and the DROP are tried again until `waitMs` has passed.
 */
export async function dropLeftoverStage(session: pg.Client, schema: string, name: string, waitMs = 20_000): Promise<boolean> {
  if (!STAGE.test(name)) throw new Error(`"${name}" is not the name of a dmgw staging table`);
  const deadline = Date.now() + waitMs;
  const retry = async (what: string) => {
    if (Date.now() > deadline) throw new Error(`${schema}.${name} is still ${what} after ${Math.round(waitMs / 1000)} s`);
    await sleep(250);
  };
  await session.query("SET lock_timeout = '1s'");
  while (!(await session.query<{ got: boolean }>(TRY_LOCK, [name])).rows[0]?.got) await retry('held by a session');
  try {
    for (;;) {
      const there = await session.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [schema, name]);
      if (!there.rowCount) return false;
      try {
        await session.query(`DROP TABLE IF EXISTS ${quote(schema)}.${quote(name)}`);
        return true;
      } catch (e) {
        // lock_not_available: a statement of the killed worker still reads it
        if ((e as { code?: string }).code !== '55P03') throw e;
        await retry('in use by a statement');
      }
    }
  } finally {
    await session.query(UNLOCK, [name]);
  }
}
