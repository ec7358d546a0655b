/**
 * Full precision through Lookup outputs, expressions and parameters, on the real PostgreSQL: a `timestamp(6)`
 * watermark at .123456, 64-bit ids beyond 2^53 and numeric(38,10) values travel from a Lookup through string
 * interpolation, `add()`, SetVariable, pipeline parameters (given as text, declared Int) and an ExecutePipeline's
 * parameters (Int, Float, String) into SQL, and every comparison there still hits exactly the boundary row:
 * - the Copy's `at > watermark` takes .123457 and not .123456 (a watermark cut to milliseconds would take both, one
 *   rounded up would take neither), `id = <param>` finds 9007199254740993 (a double would read ...992);
 * - the child pipeline finds exactly one row with `at = wm AND id = id AND amount = amt`.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../src/agent/worker/runPipeline.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const dep = (a: string) => [{ activity: a, dependencyConditions: ['Succeeded'] }];
const expr = (value: string) => ({ value, type: 'Expression' });

describe.skipIf(!up)('precision through Lookup, expressions and parameters', () => {
  const schema = uniqueName('precision');
  let client: pg.Client;
  let f: TestFactory;

  beforeAll(async () => {
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.events (id bigint primary key, at timestamp(6) NOT NULL, amount numeric(38,10) NOT NULL)`);
    await client.query(`INSERT INTO ${schema}.events VALUES
      (9007199254740993, '2026-01-01 00:00:00.123455', 1.0000000001),
      (9007199254740994, '2026-01-01 00:00:00.123456', 1234567890123456789012345678.1234567891),
      (9007199254740995, '2026-01-01 00:00:00.123457', 0.0000000001),
      (9223372036854775807, '2026-01-01 00:00:01', -9999999999999999999999999999.9999999999)`);
    await client.query(`CREATE TABLE ${schema}.loaded (id bigint, at timestamp(6), amount numeric(38,10))`);
    f = testFactory();
    f.dataset('Events', 'PostgreSqlTable', 'Pg', { schema, table: 'events' });
    f.dataset('Loaded', 'PostgreSqlTable', 'Pg', { schema, table: 'loaded' });
    const lookup = (name: string, query: string, extra: Record<string, unknown> = {}) => ({ name, type: 'Lookup', ...extra, typeProperties: { dataset: { referenceName: 'Events', type: 'DatasetReference' }, source: { type: 'PostgreSqlSource', query } } });
    f.write('pipeline', 'CheckExact', {
      parameters: { wm: { type: 'String' }, id: { type: 'Int' }, amt: { type: 'Float' } },
      activities: [lookup('Exact', `SELECT count(*) AS n FROM ${schema}.events WHERE at = '@{pipeline().parameters.wm}' AND id = @{pipeline().parameters.id} AND amount = @{pipeline().parameters.amt}`)],
    });
    f.write('pipeline', 'Precision', {
      parameters: { watermark: { type: 'String', defaultValue: '2026-01-01T00:00:00.123456' }, alsoId: { type: 'Int' } },
      variables: { seen: { type: 'String' } },
      activities: [
        lookup('Watermark', `SELECT max(at) AS wm, max(id) AS max_id, max(amount) AS amt FROM ${schema}.events WHERE at <= '@{pipeline().parameters.watermark}'`),
        { name: 'Seen', type: 'SetVariable', dependsOn: dep('Watermark'), typeProperties: { variableName: 'seen', value: "@{activity('Watermark').output.firstRow.wm}|@{add(activity('Watermark').output.firstRow.max_id, 1)}|@{activity('Watermark').output.firstRow.amt}|@{pipeline().parameters.alsoId}" } },
        {
          name: 'CopyAfter',
          type: 'Copy',
          dependsOn: dep('Watermark'),
          inputs: [{ referenceName: 'Events', type: 'DatasetReference' }],
          outputs: [{ referenceName: 'Loaded', type: 'DatasetReference' }],
          typeProperties: {
            source: { type: 'PostgreSqlSource', query: expr(`@concat('SELECT * FROM ${schema}.events WHERE at > ''', string(activity('Watermark').output.firstRow.wm), ''' OR id = ', string(pipeline().parameters.alsoId))`) },
            sink: { type: 'PostgreSqlSink' },
          },
        },
        {
          name: 'Child',
          type: 'ExecutePipeline',
          dependsOn: dep('Watermark'),
          typeProperties: {
            pipeline: { referenceName: 'CheckExact', type: 'PipelineReference' },
            waitOnCompletion: true,
            parameters: { wm: "@activity('Watermark').output.firstRow.wm", id: "@activity('Watermark').output.firstRow.max_id", amt: "@activity('Watermark').output.firstRow.amt" },
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('a .123456 watermark, ids beyond 2^53 and numeric(38,10) keep every digit through Lookup, expressions and parameters', async () => {
    const r = await runPipeline({ factory: f.dir, pipeline: 'Precision', home: f.home, parameters: { alsoId: '9007199254740993' } });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    const act = (n: string) => r.activities.find((a) => a.name === n)!;
    // the Lookup's output, as the run reports it (JSON with every digit)
    expect(JSON.stringify(act('Watermark').output)).toBe('{"firstRow":{"wm":"2026-01-01T00:00:00.123456","max_id":9007199254740994,"amt":1234567890123456789012345678.1234567891}}');
    expect(JSON.stringify(act('Seen').output)).toContain('2026-01-01T00:00:00.123456|9007199254740995|1234567890123456789012345678.1234567891|9007199254740993');
    // the Copy took the rows after the boundary and the one named by the parameter, nothing else
    const loaded = (await client.query<{ id: string; at: string; amount: string }>(`SELECT id::text, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') AS at, amount::text FROM ${schema}.loaded ORDER BY id`)).rows;
    expect(loaded).toEqual([
      { id: '9007199254740993', at: '2026-01-01 00:00:00.123455', amount: '1.0000000001' },
      { id: '9007199254740995', at: '2026-01-01 00:00:00.123457', amount: '0.0000000001' },
      { id: '9223372036854775807', at: '2026-01-01 00:00:01.000000', amount: '-9999999999999999999999999999.9999999999' },
    ]);
    // the child got the three values as parameters and found exactly the boundary row with them
    const exact = r.activities.find((a) => a.name === 'Exact')!;
    expect(JSON.stringify(exact.output)).toBe('{"firstRow":{"n":1}}');
  });
});
