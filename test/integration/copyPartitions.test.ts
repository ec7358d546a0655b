/**
 * `partitionOption: PhysicalPartitionsOfTable` on PostgreSQL: a declaratively partitioned table (a sub-partitioned
 * partition, a partition attached with its columns in another order, a default partition taking NULL keys) is read
 * one stream per leaf — one file each for a file sink — and what arrives equals the source; a plain table is copied
 * as one stream, and the log says so.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDifference, testFactory, type TestFactory } from '../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('pgparts');

describe.skipIf(!up)('copy: PostgreSQL PhysicalPartitionsOfTable', () => {
  let client: pg.Client;
  let f: TestFactory;
  const table = (t: string) => `${schema}.${t}`;
  const logs = (r: { events: Array<{ event: string; message?: string }> }) => r.events.filter((e) => e.event === 'log').map((e) => e.message ?? '');
  const physical = { type: 'PostgreSqlSource', partitionOption: 'PhysicalPartitionsOfTable' };

  beforeAll(async () => {
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${table('orders')} (id int NOT NULL, region text, amount numeric, note text) PARTITION BY LIST (region)`);
    await client.query(`CREATE TABLE ${table('orders_eu')} PARTITION OF ${table('orders')} FOR VALUES IN ('eu') PARTITION BY RANGE (id)`);
    await client.query(`CREATE TABLE ${table('orders_eu_low')} PARTITION OF ${table('orders_eu')} FOR VALUES FROM (MINVALUE) TO (5000)`);
    await client.query(`CREATE TABLE ${table('orders_eu_high')} PARTITION OF ${table('orders_eu')} FOR VALUES FROM (5000) TO (MAXVALUE)`);
    // columns stored in another order than the parent's
    await client.query(`CREATE TABLE ${table('orders_us')} (note text, amount numeric, region text, id int NOT NULL)`);
    await client.query(`ALTER TABLE ${table('orders')} ATTACH PARTITION ${table('orders_us')} FOR VALUES IN ('us')`);
    await client.query(`CREATE TABLE ${table('orders_other')} PARTITION OF ${table('orders')} DEFAULT`);
    await client.query(`INSERT INTO ${table('orders')} SELECT g, (ARRAY['eu', 'us', 'jp', NULL])[1 + g % 4], g * 1.5, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 10000) g`);
    await client.query(`CREATE TABLE ${table('plain')} AS SELECT * FROM ${table('orders')}`);
    f = testFactory();
    f.dataset('Orders', 'PostgreSqlTable', 'Pg', { schema, table: 'orders' });
    f.dataset('Plain', 'PostgreSqlTable', 'Pg', { schema, table: 'plain' });
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
  });

  it('one stream and one file per leaf partition; the files hold exactly the table', async () => {
    const out = f.dataset('OrdersCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'parts', fileName: 'orders.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy('ToFiles', 'Orders', out, { source: physical, sink: {}, parallelCopies: 2, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    const o = r.activities[0]!.output!;
    expect(o.rowsCopied).toBe(10000);
    expect(o.usedParallelCopies).toBe(2);
    expect(o.dataConsistencyVerification?.ok).toBe(true);
    expect(readdirSync(join(f.files, 'parts')).sort()).toEqual(['orders_00000.csv', 'orders_00001.csv', 'orders_00002.csv', 'orders_00003.csv']);
    expect(logs(r).some((m) => m.includes('4 partition(s), up to 2 at a time'))).toBe(true);

    await client.query(`CREATE TABLE ${table('back')} (LIKE ${table('plain')})`);
    f.dataset('Back', 'PostgreSqlTable', 'Pg', { schema, table: 'back' });
    const inp = f.dataset('PartsIn', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'parts' }, firstRowAsHeader: true, escapeChar: '"' });
    const back = await f.copy('Back', inp, 'Back', { source: {}, sink: {} });
    expect(back.error).toBeUndefined();
    expect(await tableDifference(client, table('orders'), table('back'))).toBe(0);
  });

  it('into PostgreSQL: every leaf loads the same stage, the target equals the source', async () => {
    await client.query(`CREATE TABLE ${table('copy')} (LIKE ${table('plain')})`);
    f.dataset('Copy', 'PostgreSqlTable', 'Pg', { schema, table: 'copy' });
    const r = await f.copy('ToTable', 'Orders', 'Copy', { source: physical, sink: {}, parallelCopies: 3, validateDataConsistency: true });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.dataConsistencyVerification?.ok).toBe(true);
    expect(await tableDifference(client, table('orders'), table('copy'))).toBe(0);
  });

  it('a plain table: one stream, and a log line that says why', async () => {
    const out = f.dataset('PlainCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'plain', fileName: 'plain.csv' }, firstRowAsHeader: true, escapeChar: '"' });
    const r = await f.copy('PlainToFile', 'Plain', out, { source: physical, sink: {}, parallelCopies: 2 });
    expect(r.error).toBeUndefined();
    expect(r.activities[0]!.output!.rowsCopied).toBe(10000);
    expect(readdirSync(join(f.files, 'plain'))).toEqual(['plain.csv']);
    expect(logs(r).some((m) => m.includes('is not a partitioned table; copying it as one stream'))).toBe(true);
  });
});
