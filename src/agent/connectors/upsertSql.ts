/**
 * The SQL each store runs for an upsert commit (upsert.ts), from the staging table `stage` into `target`; both have
 * the loaded columns `cols` (the stage is made from the target's columns, so keys compare with `=` and use the
 * target's indexes). Every statement list runs inside the sink's commit transaction.
 * - `keyCheck`: the first NULL key, then the first key held twice, as `SELECT k1, k2 … ` (no row = none).
 * - PostgreSQL: the target locked against other writers (SHARE ROW EXCLUSIVE: readers go on), `UPDATE … FROM stage`
 *   then `INSERT … SELECT … WHERE NOT EXISTS` — works without a unique index on the keys, on every version.
 * - MySQL / MariaDB: `INSERT … SELECT … ON DUPLICATE KEY UPDATE` when the keys are exactly the primary key and the
 *   table has no other unique index (so no other key can decide the match); otherwise `UPDATE target JOIN stage`
 *   then `INSERT … WHERE NOT EXISTS`.
 * - SQL Server: one `MERGE … WITH (HOLDLOCK)` over the stage's converted rows (sqlServerSink.ts `converted()`).
 */
export interface UpsertText {
  /** identifier quoting of the store */
  quoteIdent(name: string): string;
  /** the target and the stage, qualified and quoted */
  target: string;
  stage: string;
  /** loaded columns, keys among them (as the table names them) */
  cols: string[];
  keys: string[];
}

const eq = (u: UpsertText, a: string, b: string) => u.keys.map((k) => `${a}.${u.quoteIdent(k)} = ${b}.${u.quoteIdent(k)}`).join(' AND ');
const nonKeys = (u: UpsertText) => u.cols.filter((c) => !u.keys.some((k) => k.toLowerCase() === c.toLowerCase()));
const list = (u: UpsertText, prefix = '') => u.cols.map((c) => `${prefix}${u.quoteIdent(c)}`).join(', ');

/** `[null check, duplicate check]`; `top` writes "first row only" for the store (`LIMIT 1` / `TOP 1`). */
export function keyCheckSql(u: UpsertText, from: string, top: 'limit' | 'top'): [string, string] {
  const keys = u.keys.map((k) => u.quoteIdent(k)).join(', ');
  const first = (select: string, rest: string) => (top === 'top' ? `SELECT TOP 1 ${select} ${rest}` : `SELECT ${select} ${rest} LIMIT 1`);
  return [first(keys, `FROM ${from} AS s WHERE ${u.keys.map((k) => `${u.quoteIdent(k)} IS NULL`).join(' OR ')}`), first(keys, `FROM ${from} AS s GROUP BY ${keys} HAVING COUNT(*) > 1`)];
}

export function postgresUpsertSql(u: UpsertText): string[] {
  const set = nonKeys(u).map((c) => `${u.quoteIdent(c)} = s.${u.quoteIdent(c)}`);
  return [
    `LOCK TABLE ${u.target} IN SHARE ROW EXCLUSIVE MODE`,
    ...(set.length ? [`UPDATE ${u.target} AS t SET ${set.join(', ')} FROM ${u.stage} AS s WHERE ${eq(u, 't', 's')}`] : []),
    `INSERT INTO ${u.target} (${list(u)}) SELECT ${list(u, 's.')} FROM ${u.stage} AS s WHERE NOT EXISTS (SELECT 1 FROM ${u.target} AS t WHERE ${eq(u, 't', 's')})`,
  ];
}

/** `onDuplicateKey`: the keys are exactly the primary key and no other unique index exists. */
export function mysqlUpsertSql(u: UpsertText, onDuplicateKey: boolean): string[] {
  const others = nonKeys(u);
  if (onDuplicateKey) {
    // with only key columns there is nothing to update: assigning a key to itself keeps the row
    const set = (others.length ? others : u.keys).map((c) => `${u.quoteIdent(c)} = VALUES(${u.quoteIdent(c)})`);
    return [`INSERT INTO ${u.target} (${list(u)}) SELECT ${list(u, 's.')} FROM ${u.stage} AS s ON DUPLICATE KEY UPDATE ${set.join(', ')}`];
  }
  return [
    ...(others.length ? [`UPDATE ${u.target} AS t JOIN ${u.stage} AS s ON ${eq(u, 't', 's')} SET ${others.map((c) => `t.${u.quoteIdent(c)} = s.${u.quoteIdent(c)}`).join(', ')}`] : []),
    `INSERT INTO ${u.target} (${list(u)}) SELECT ${list(u, 's.')} FROM ${u.stage} AS s WHERE NOT EXISTS (SELECT 1 FROM ${u.target} AS t WHERE ${eq(u, 't', 's')})`,
  ];
}

/**
 * SQL Server: `source` is the SELECT of the staged rows converted to the target's types; identity columns are never
 * updated (SQL Server refuses it) and are inserted only with IDENTITY_INSERT on.
 */
export function sqlServerMergeSql(u: UpsertText, source: string, identity: string[]): string {
  const isIdentity = (c: string) => identity.some((i) => i.toLowerCase() === c.toLowerCase());
  const set = nonKeys(u).filter((c) => !isIdentity(c));
  const merge = [
    `MERGE INTO ${u.target} WITH (HOLDLOCK) AS t`,
    `USING (${source}) AS s`,
    `ON ${eq(u, 't', 's')}`,
    ...(set.length ? [`WHEN MATCHED THEN UPDATE SET ${set.map((c) => `t.${u.quoteIdent(c)} = s.${u.quoteIdent(c)}`).join(', ')}`] : []),
    `WHEN NOT MATCHED BY TARGET THEN INSERT (${list(u)}) VALUES (${list(u, 's.')});`,
  ].join('\n');
  return u.cols.some(isIdentity) ? `SET IDENTITY_INSERT ${u.target} ON;\n${merge}\nSET IDENTITY_INSERT ${u.target} OFF;` : merge;
}
