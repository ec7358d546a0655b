/**
 * Resume (copy/resume.ts) through the built CLI on the real PostgreSQL: a Copy of 4 DynamicRange partitions, one at
 * a time, whose `dmgw run` is killed with SIGKILL right after its 2nd partition was journaled (the test-only
 * DMGW_TEST_DIE_AFTER_PARTITIONS), is run again with the same `--run-id` and continues from there:
 * - after the kill the target is empty (nothing committed) and exactly 2 parts with their rows are left;
 * - between the runs the source changes inside the finished partitions (every row's text, and a new row) and inside
 *   the unfinished ones: the resumed copy must not read the finished partitions again, so the target holds the
 *   ORIGINAL text for them (and not the new row), the CHANGED text for the rest — each row exactly once;
 * - the run output says 2 partitions were resumed and counts every row once; the parts and the journal are gone.
 * The activity's policy retry resumes in-process too: a first attempt that fails in its last partition (a division by
 * zero the source query raises once) is retried from that partition alone (`partitionsResumed` 3, every row once).
 * Into MariaDB the same, and the killed `dmgw run` (no host to clean up after it) leaves its stage, which the next run
 * into the table drops — but not an older one whose named lock a live session holds.
 * A last case runs a fresh run id after a kill: nothing is resumed (a new run starts over) and the next copy into
 * the table drops nothing that is not its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../support/builtCli.js';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { mariadbStore, type TableStore } from '../support/storeContract.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));

describe.skipIf(!up)('a killed Copy resumes from its finished partitions (dmgw run --run-id)', () => {
  const schema = uniqueName('resume');
  let client: pg.Client;
  let f: TestFactory;

  beforeAll(async () => {
    ensureBuilt();
    client = await openSchema(schema);
    await client.query(`CREATE TABLE ${schema}.src (id bigint primary key, v text)`);
    // ids 1..4000: DynamicRange cuts at 1001, 2001, 3001
    await client.query(`INSERT INTO ${schema}.src SELECT g, 'original ' || g FROM generate_series(1, 4000) g WHERE g <> 1500`);
    await client.query(`CREATE TABLE ${schema}.dst (id bigint, v text)`);
    f = testFactory();
    f.dataset('Src', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
    f.dataset('Dst', 'PostgreSqlTable', 'Pg', { schema, table: 'dst' });
    f.write('pipeline', 'Resumable', {
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [{ referenceName: 'Src', type: 'DatasetReference' }],
          outputs: [{ referenceName: 'Dst', type: 'DatasetReference' }],
          typeProperties: {
            source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '1', partitionUpperBound: '4000' } },
            sink: { type: 'PostgreSqlSink' },
            parallelCopies: 1,
            validateDataConsistency: true,
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await dropSchema(client, schema);
    await maria?.close();
  });
  let maria: TableStore | undefined;

  const run = (runId: string, env: Record<string, string> = {}) => runCli(['run', '--factory', f.dir, '--pipeline', 'Resumable', '--run-id', runId, '--events', 'ndjson', '--json'], { env: { ...process.env, DMGW_HOME: f.home, ...env } });
  const parts = async () => (await client.query<{ relname: string }>(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname LIKE 'dmgw\\_part\\_%' ORDER BY 1`, [schema])).rows.map((r) => r.relname);
  const journals = () => (existsSync(join(f.home, 'resume')) ? readdirSync(join(f.home, 'resume')) : []);

  it('killed after 2 of 4 partitions, run again with the same run id: the 2 are not read again, every row lands once', async () => {
    const killed = await run('run-resume-1', { DMGW_TEST_DIE_AFTER_PARTITIONS: '2' });
    expect(killed.code, killed.stderr).toBeNull(); // killed by a signal
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.dst`)).rows[0].n).toBe(0);
    const left = await parts();
    expect(left).toHaveLength(2);
    expect(left.every((p) => /_[01]$/.test(p))).toBe(true);
    expect(await Promise.all(left.map(async (p) => (await client.query(`SELECT count(*)::int AS n FROM ${schema}.${p}`)).rows[0].n))).toEqual([1000, 999]);
    expect(journals()).toHaveLength(1);

    // the source changes everywhere; a resumed copy reads only partitions 2 and 3 (ids >= 2001)
    await client.query(`UPDATE ${schema}.src SET v = 'changed ' || id`);
    await client.query(`INSERT INTO ${schema}.src VALUES (1500, 'new in a finished partition')`);
    await client.query(`INSERT INTO ${schema}.src VALUES (4001, 'new in an unfinished partition')`);

    const again = await run('run-resume-1');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const lines = again.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as { activities: Array<{ output?: Record<string, unknown> }> };
    const out = result.activities[0]!.output!;
    expect(out.partitionsResumed).toBe(2);
    expect(out.rowsCopied).toBe(4000);
    expect(out.rowsRead).toBe(4000);
    expect((out.dataConsistencyVerification as { ok: boolean }).ok).toBe(true);
    expect(lines.some((l) => l.includes('resuming: 2 of 4 partition(s)'))).toBe(true);

    const rows = (await client.query<{ id: string; v: string }>(`SELECT id::text, v FROM ${schema}.dst ORDER BY id`)).rows;
    expect(rows).toHaveLength(4000);
    expect(new Set(rows.map((r) => r.id)).size).toBe(4000);
    expect(rows.some((r) => r.id === '1500')).toBe(false);
    for (const r of rows) {
      const id = Number(r.id);
      // finished partitions were not read again: their text is the original one, the row added there is not copied
      expect(r.v).toBe(id <= 2000 ? `original ${id}` : id === 4001 ? 'new in an unfinished partition' : `changed ${id}`);
    }
    expect(await parts()).toEqual([]);
    expect(journals()).toEqual([]);
    // the killed attempt's stage was dropped by the resumed one (its lock died with the killed process)
    expect((await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw\\_stage\\_%'`, [schema])).rows[0].n).toBe(0);
  });

  it('the activity policy retry resumes in the same process: the first attempt fails in partition 3 after 0..2 finished', async () => {
    await client.query(`CREATE SEQUENCE ${schema}.tries`);
    await client.query(`CREATE TABLE ${schema}.dst2 (id bigint, v text)`);
    f.dataset('Dst2', 'PostgreSqlTable', 'Pg', { schema, table: 'dst2' });
    // the subquery runs (once per query) only when row 3500 is read — by partition 3, not by the bounds query (min/max
    // by the index): the first time it divides by zero (not transient: the activity fails), the second time it passes
    const query = `SELECT id, v FROM ${schema}.src WHERE id <> 3500 OR (SELECT 1 / (nextval('${schema}.tries') - 1)::int) = 1`;
    const r = await f.copy(
      'RetryResumes',
      'Src',
      'Dst2',
      { source: { type: 'PostgreSqlSource', query, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '1', partitionUpperBound: '4000' } }, sink: { type: 'PostgreSqlSink' }, parallelCopies: 1, validateDataConsistency: true },
      { policy: { retry: 1, retryIntervalInSeconds: 30 }, secondMs: 1, runId: 'run-policy-retry' },
    );
    expect(r.error, JSON.stringify(r.events.filter((e) => e.event === 'log' || e.event === 'activity-finished'))).toBeUndefined();
    const copy = r.activities[0]!;
    expect(copy.attempts).toBe(2);
    expect(copy.output!.partitionsResumed).toBe(3);
    const logs = r.events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
    expect(logs.some((m) => m.includes('try 1 of 2 failed: division by zero'))).toBe(true);
    expect(logs.some((m) => m.includes('resuming: 3 of 4 partition(s)'))).toBe(true);
    expect((await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${schema}.dst2`)).rows[0]).toEqual({ n: 4001, d: 4001 });
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.src EXCEPT ALL SELECT count(*)::int FROM ${schema}.dst2`)).rows).toEqual([]);
    expect(copy.output!.rowsCopied).toBe(4001);
    expect(await parts()).toHaveLength(0);
  });

  it('a new run id starts over: nothing resumed, the table loaded once', async () => {
    await client.query(`TRUNCATE ${schema}.dst`);
    const killed = await run('run-resume-2', { DMGW_TEST_DIE_AFTER_PARTITIONS: '1' });
    expect(killed.code).toBeNull();
    expect(await parts()).toHaveLength(1);
    const fresh = await run('run-resume-3');
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    const lines = fresh.stdout.trim().split('\n');
    const out = (JSON.parse(lines[lines.length - 1]!) as { activities: Array<{ output?: Record<string, unknown> }> }).activities[0]!.output!;
    expect(out.partitionsResumed).toBeUndefined();
    expect((await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${schema}.dst`)).rows[0]).toEqual({ n: 4001, d: 4001 });
    // the killed run's part is someone else's (a run that may still come back): left alone for a day
    expect(await parts()).toHaveLength(1);
  });

  it('MariaDB sink: killed after 2 of 4 partitions, the same run id loads only the other 2, every row once', async () => {
    maria = await mariadbStore(uniqueName('resume'));
    f.write('linkedService', 'Maria', maria.linkedService);
    await maria.exec('CREATE TABLE dst (id bigint, v text) CHARACTER SET utf8mb4');
    f.dataset('MariaDst', 'MariaDBTable', 'Maria', maria.dataset('dst'));
    await client.query(`CREATE TABLE ${schema}.src3 (id bigint primary key, v text)`);
    await client.query(`INSERT INTO ${schema}.src3 SELECT g, 'original ' || g FROM generate_series(1, 4000) g`);
    f.dataset('Src3', 'PostgreSqlTable', 'Pg', { schema, table: 'src3' });
    f.write('pipeline', 'ResumableMaria', {
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [{ referenceName: 'Src3', type: 'DatasetReference' }],
          outputs: [{ referenceName: 'MariaDst', type: 'DatasetReference' }],
          typeProperties: { source: { type: 'PostgreSqlSource', partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id', partitionLowerBound: '1', partitionUpperBound: '4000' } }, sink: { type: 'MariaDBSink' }, parallelCopies: 1, validateDataConsistency: true },
        },
      ],
    });
    const go = (env: Record<string, string> = {}) => runCli(['run', '--factory', f.dir, '--pipeline', 'ResumableMaria', '--run-id', 'run-maria', '--events', 'ndjson', '--json'], { env: { ...process.env, DMGW_HOME: f.home, ...env } });
    const killed = await go({ DMGW_TEST_DIE_AFTER_PARTITIONS: '2' });
    expect(killed.code).toBeNull();
    expect(await maria.exec('SELECT COUNT(*) FROM dst')).toEqual([[0]]);
    const mariaParts = async () => (await maria!.exec("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw\\_part\\_%' ORDER BY 1")).map((r) => String(r[0]));
    expect(await mariaParts()).toHaveLength(2);
    // `dmgw run` has no host to clean up after it: the killed run's stage is left, for the next run into the table
    const mariaStages = async () => (await maria!.exec("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw\\_stage\\_%' ORDER BY 1")).map((r) => String(r[0]));
    const [left] = await mariaStages();
    expect(await mariaStages()).toHaveLength(1);
    // beside it, an older stage a live session still holds (its named lock, as a running copy's sink holds it)
    const [[db]] = (await maria.exec('SELECT DATABASE()')) as [[string]];
    const live = `dmgw_stage_${createHash('sha256').update(`${db}.dst`).digest('hex').slice(0, 8)}_${(Date.now() - 60_000).toString(36)}_abcdef`;
    expect(left!.startsWith(live.slice(0, 'dmgw_stage_'.length + 8))).toBe(true);
    await maria.exec(`CREATE TABLE ${live} (id bigint)`);
    expect(await maria.exec(`SELECT GET_LOCK('${live}', 0)`)).toEqual([[1]]);
    await client.query(`UPDATE ${schema}.src3 SET v = 'changed ' || id`);
    const again = await go();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const lines = again.stdout.trim().split('\n');
    const out = (JSON.parse(lines[lines.length - 1]!) as { activities: Array<{ output?: Record<string, unknown> }> }).activities[0]!.output!;
    expect(out.partitionsResumed).toBe(2);
    expect(out.rowsCopied).toBe(4000);
    const rows = await maria.exec('SELECT CAST(id AS CHAR), v FROM dst ORDER BY id');
    expect(rows).toHaveLength(4000);
    expect(new Set(rows.map((r) => String(r[0]))).size).toBe(4000);
    for (const [id, v] of rows) expect(v).toBe(`${Number(id) <= 2000 ? 'original' : 'changed'} ${String(id)}`);
    expect(await mariaParts()).toEqual([]);
    // the killed run's stage was dropped by the next run into the table; the held one was left alone
    expect(await mariaStages()).toEqual([live]);
    expect(again.stdout + again.stderr).toContain(left!);
    await maria.exec(`SELECT RELEASE_LOCK('${live}')`);
  });
});
