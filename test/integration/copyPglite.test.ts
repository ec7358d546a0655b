/**
 * PGlite (PostgreSQL 18 in WASM, served over pglite-socket as the demo does) as a copy source: the awkward
 * table copied out of it through the fast path, in partitions, and loaded into the real PostgreSQL equals the
 * same table created there. (PGlite's COPY FROM STDIN is broken, so it is a source only.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/demo/embeddedPostgres.js';
import { AWKWARD_COLUMNS, createAwkward, tableDifference, testFactory } from '../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const schema = uniqueName('copypglite');

describe.skipIf(!up)('copy: PGlite as a source', () => {
  let lite: EmbeddedPostgres;
  let client: pg.Client;

  beforeAll(async () => {
    lite = await startEmbeddedPostgres();
    const lc = new pg.Client({ host: lite.host, port: lite.port, user: 'postgres', database: 'postgres' });
    await lc.connect();
    await createAwkward(lc, 'public.src');
    await lc.end();
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await createAwkward(client, `${schema}.expected`);
    await client.query(`CREATE TABLE ${schema}.loaded (${AWKWARD_COLUMNS})`);
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
    await lite?.stop();
  });

  it('PGlite → gzip CSV files (2 partitions, fast path) → PostgreSQL equals the source', async () => {
    const f = testFactory();
    f.write('linkedService', 'Lite', { type: 'PostgreSql', typeProperties: { connectionString: `Host=${lite.host};Port=${lite.port};Database=postgres;Username=postgres` } });
    f.dataset('LiteSrc', 'PostgreSqlTable', 'Lite', { schema: 'public', table: 'src' });
    const csv = f.dataset('LiteCsv', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'lite', fileName: 'src.csv.gz' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' });
    const out = await f.copy('FromLite', 'LiteSrc', csv, { source: { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: {}, parallelCopies: 2, validateDataConsistency: true });
    expect(out.error).toBeUndefined();
    expect(out.activities[0]!.output).toMatchObject({ rowsCopied: 2007, usedParallelCopies: 2, dataConsistencyVerification: { ok: true } });
    f.dataset('Loaded', 'PostgreSqlTable', 'Pg', { schema, table: 'loaded' });
    const inCsv = f.dataset('LiteCsvIn', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'lite' }, firstRowAsHeader: true, escapeChar: '"', compressionCodec: 'gzip' });
    const back = await f.copy('ToPg', inCsv, 'Loaded', { source: {}, sink: {}, validateDataConsistency: true });
    expect(back.error).toBeUndefined();
    expect(await tableDifference(client, `${schema}.expected`, `${schema}.loaded`)).toBe(0);
  });
});
