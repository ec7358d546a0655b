/**
 * Exactly-once commits into table sinks (copy/commitMark.ts, issue 12) on the real PostgreSQL and MariaDB. A job
 * re-leased after its worker committed (its report lost to a stalled channel or a killed host) runs the same run's
 * same activity again: simulated here by running the pipeline twice with the same run id, as the worker does.
 * - MariaDB → PostgreSQL and PostgreSQL → MariaDB: the second run copies nothing, the sink holds every row once,
 *   its output reports the first run's counts, its log says the copy was already committed; a new run id copies again.
 * - ForEach: two iterations copying the same source into the same table are two copies (both land), and each is
 *   committed once when the run is repeated.
 * - The marker is written in the commit's transaction: a PostgreSQL commit that fails at COMMIT (a deferred unique
 *   constraint) leaves neither rows nor marker, and a MariaDB marker that cannot be written (a trigger refuses it)
 *   takes the rows back with it. No staging table is left in any case.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, openSchema, testFactory, type TestFactory } from '../support/copyFactory.js';
import { requireServer, uniqueName } from '../support/servers.js';
import { mariadbStore, type TableStore } from '../support/storeContract.js';
import type { RunEvent } from '../../src/common/events.js';

const up = (await requireServer('PostgreSQL', 5432)) && (await requireServer('MariaDB', 3306));

describe.skipIf(!up)('a Copy run again with the same run id and activity commits its rows once', () => {
  const schema = uniqueName('once');
  let client: pg.Client;
  let maria: TableStore;
  let f: TestFactory;

  beforeAll(async () => {
    client = await openSchema(schema);
    maria = await mariadbStore(uniqueName('once'));
    f = testFactory();
    f.write('linkedService', 'Maria', maria.linkedService);
    await maria.exec('CREATE TABLE src (id bigint primary key, v text) CHARACTER SET utf8mb4');
    await maria.exec("INSERT INTO src SELECT seq, CONCAT('row ', seq) FROM seq_1_to_3000");
    f.dataset('MariaSrc', 'MariaDBTable', 'Maria', maria.dataset('src'));
    await client.query(`CREATE TABLE ${schema}.src (id bigint primary key, v text)`);
    await client.query(`INSERT INTO ${schema}.src SELECT g, 'row ' || g FROM generate_series(1, 3000) g`);
    f.dataset('PgSrc', 'PostgreSqlTable', 'Pg', { schema, table: 'src' });
  });
  afterAll(async () => {
    await dropSchema(client, schema);
    await maria?.close();
  });

  const logs = (events: RunEvent[]) => events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
  const pgCount = async (table: string) => (await client.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM ${schema}.${table}`)).rows[0];
  const pgStages = async () => (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'dmgw\\_stage\\_%'`, [schema])).rows[0].n;
  const mariaCount = async (table: string) => (await maria.exec(`SELECT COUNT(*), COUNT(DISTINCT id) FROM ${table}`)).map((r) => r.map(Number))[0];
  const mariaStages = async () => Number((await maria.exec("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'dmgw\\_stage\\_%'"))[0]![0]);

  it('MariaDB → PostgreSQL: the second run with the same run id reports the first one\'s counts and copies nothing', async () => {
    await client.query(`CREATE TABLE ${schema}.dst (id bigint, v text)`);
    f.dataset('PgDst', 'PostgreSqlTable', 'Pg', { schema, table: 'dst' });
    const tp = { source: { type: 'MariaDBSource' }, sink: { type: 'PostgreSqlSink' }, validateDataConsistency: true };
    const first = await f.copy('ToPg', 'MariaSrc', 'PgDst', tp, { runId: 'run-once-pg' });
    expect(first.status, JSON.stringify(first.error)).toBe('Succeeded');
    const out1 = first.activities[0]!.output!;
    expect(out1.rowsCopied).toBe(3000);
    expect(await pgCount('dst')).toEqual({ n: 3000, d: 3000 });

    const again = await f.copy('ToPg', 'MariaSrc', 'PgDst', tp, { runId: 'run-once-pg' });
    expect(again.status, JSON.stringify(again.error)).toBe('Succeeded');
    const out2 = again.activities[0]!.output!;
    expect(await pgCount('dst')).toEqual({ n: 3000, d: 3000 });
    expect({ rowsRead: out2.rowsRead, rowsCopied: out2.rowsCopied, dataRead: out2.dataRead, dataWritten: out2.dataWritten }).toEqual({ rowsRead: out1.rowsRead, rowsCopied: out1.rowsCopied, dataRead: out1.dataRead, dataWritten: out1.dataWritten });
    expect(typeof out2.alreadyCommitted).toBe('string');
    expect(logs(again.events).some((m) => m.startsWith('already committed: an earlier attempt of this copy (run run-once-pg, Copy) committed 3000 row(s)'))).toBe(true);
    expect(logs(first.events).some((m) => m.startsWith('already committed'))).toBe(false);
    // one marker, in the target's schema, with the counts
    expect((await client.query(`SELECT run_id, place, rows_copied::int AS n FROM ${schema}.dmgw_commit_log`)).rows).toEqual([{ run_id: 'run-once-pg', place: 'Copy', n: 3000 }]);

    // another run is another copy
    const other = await f.copy('ToPg', 'MariaSrc', 'PgDst', tp, { runId: 'run-once-pg-2' });
    expect(other.status).toBe('Succeeded');
    expect(other.activities[0]!.output!.rowsCopied).toBe(3000);
    expect((await pgCount('dst')).n).toBe(6000);
    expect(await pgStages()).toBe(0);
  });

  it('PostgreSQL → MariaDB: the same for a MariaDB sink', async () => {
    await maria.exec('CREATE TABLE dst (id bigint, v text) CHARACTER SET utf8mb4');
    f.dataset('MariaDst', 'MariaDBTable', 'Maria', maria.dataset('dst'));
    const tp = { source: { type: 'PostgreSqlSource' }, sink: { type: 'MariaDBSink' } };
    const first = await f.copy('ToMaria', 'PgSrc', 'MariaDst', tp, { runId: 'run-once-maria' });
    expect(first.status, JSON.stringify(first.error)).toBe('Succeeded');
    expect(await mariaCount('dst')).toEqual([3000, 3000]);
    const again = await f.copy('ToMaria', 'PgSrc', 'MariaDst', tp, { runId: 'run-once-maria' });
    expect(again.status, JSON.stringify(again.error)).toBe('Succeeded');
    expect(await mariaCount('dst')).toEqual([3000, 3000]);
    expect(again.activities[0]!.output!.rowsCopied).toBe(3000);
    expect(again.activities[0]!.output!.rowsRead).toBe(first.activities[0]!.output!.rowsRead);
    expect(logs(again.events).some((m) => m.startsWith('already committed: an earlier attempt of this copy (run run-once-maria, Copy) committed 3000 row(s)'))).toBe(true);
    expect((await maria.exec('SELECT run_id, place, rows_copied FROM dmgw_commit_log')).map((r) => r.map(String))).toEqual([['run-once-maria', 'Copy', '3000']]);
    expect(await mariaStages()).toBe(0);
  });

  it('ForEach: each iteration is a copy of its own, and each commits once when the run is repeated', async () => {
    await client.query(`CREATE TABLE ${schema}.each (id bigint, v text)`);
    f.dataset('PgEach', 'PostgreSqlTable', 'Pg', { schema, table: 'each' });
    f.write('pipeline', 'Each', {
      activities: [
        {
          name: 'Loop',
          type: 'ForEach',
          typeProperties: {
            items: { value: '@createArray(1, 2)', type: 'Expression' },
            isSequential: true,
            activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'MariaSrc', type: 'DatasetReference' }], outputs: [{ referenceName: 'PgEach', type: 'DatasetReference' }], typeProperties: { source: { type: 'MariaDBSource' }, sink: { type: 'PostgreSqlSink' } } }],
          },
        },
      ],
    });
    const { runPipeline } = await import('../../src/agent/worker/runPipeline.js');
    const go = async () => {
      const events: RunEvent[] = [];
      const r = await runPipeline({ factory: f.dir, pipeline: 'Each', home: f.home, runId: 'run-once-each', emit: (e) => events.push(e) });
      return { ...r, events };
    };
    const first = await go();
    expect(first.status, JSON.stringify(first.error)).toBe('Succeeded');
    expect((await pgCount('each')).n).toBe(6000);
    const again = await go();
    expect(again.status, JSON.stringify(again.error)).toBe('Succeeded');
    expect((await pgCount('each')).n).toBe(6000);
    expect(logs(again.events).filter((m) => m.startsWith('already committed')).length).toBe(2);
    expect((await client.query(`SELECT place FROM ${schema}.dmgw_commit_log WHERE run_id = 'run-once-each' ORDER BY 1`)).rows.map((r) => r.place)).toEqual(['Loop[0]/Copy', 'Loop[1]/Copy']);
  });

  it('PostgreSQL: a commit that fails at COMMIT leaves no marker, and the next run with that id copies', async () => {
    // a deferred unique key is checked at COMMIT, after the marker was written in the same transaction
    await client.query(`CREATE TABLE ${schema}.deferred (id bigint, v text, CONSTRAINT deferred_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`);
    await client.query(`INSERT INTO ${schema}.deferred VALUES (7, 'already here')`);
    f.dataset('PgDeferred', 'PostgreSqlTable', 'Pg', { schema, table: 'deferred' });
    const tp = { source: { type: 'MariaDBSource' }, sink: { type: 'PostgreSqlSink' } };
    const failed = await f.copy('Deferred', 'MariaSrc', 'PgDeferred', tp, { runId: 'run-once-deferred' });
    expect(failed.status).toBe('Failed');
    expect(JSON.stringify(failed.error)).toContain('deferred_id');
    expect((await pgCount('deferred')).n).toBe(1);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.dmgw_commit_log WHERE run_id = 'run-once-deferred'`)).rows[0].n).toBe(0);
    expect(await pgStages()).toBe(0);

    await client.query(`DELETE FROM ${schema}.deferred`);
    const again = await f.copy('Deferred', 'MariaSrc', 'PgDeferred', tp, { runId: 'run-once-deferred' });
    expect(again.status, JSON.stringify(again.error)).toBe('Succeeded');
    expect(logs(again.events).some((m) => m.startsWith('already committed'))).toBe(false);
    expect(await pgCount('deferred')).toEqual({ n: 3000, d: 3000 });
    expect((await client.query(`SELECT rows_copied::int AS n FROM ${schema}.dmgw_commit_log WHERE run_id = 'run-once-deferred'`)).rows).toEqual([{ n: 3000 }]);
  });

  it('MariaDB: a marker that cannot be written takes the rows back with it', async () => {
    await maria.exec('CREATE TABLE refused (id bigint, v text) CHARACTER SET utf8mb4');
    f.dataset('MariaRefused', 'MariaDBTable', 'Maria', maria.dataset('refused'));
    // the marker table exists (the earlier MariaDB test made it); a trigger refuses this run's marker
    await maria.exec("CREATE TRIGGER refuse_mark BEFORE INSERT ON dmgw_commit_log FOR EACH ROW BEGIN IF NEW.run_id = 'run-once-refused' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'marker refused by the test'; END IF; END");
    try {
      const tp = { source: { type: 'PostgreSqlSource' }, sink: { type: 'MariaDBSink' } };
      const failed = await f.copy('Refused', 'PgSrc', 'MariaRefused', tp, { runId: 'run-once-refused' });
      expect(failed.status).toBe('Failed');
      expect(JSON.stringify(failed.error)).toContain('marker refused by the test');
      expect(await mariaCount('refused')).toEqual([0, 0]);
      expect(await mariaStages()).toBe(0);
    } finally {
      await maria.exec('DROP TRIGGER refuse_mark');
    }
  });
});
