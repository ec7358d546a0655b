/**
 * The patterns real factories are built from, run by the built CLI (`dmgw run --events ndjson --json`) against the
 * real PostgreSQL and the file system: ForEach over a table list with batchCount, If on a GetMetadata result,
 * ExecutePipeline with parameters and a return value, a Fail activity's error reaching the run's result and exit
 * code. And the attack: a value read with policy.secureOutput (a token) must not reach the output, even when a later
 * activity's error quotes it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/common/events.js';
import { ensureBuilt, runCli } from '../../support/builtCli.js';
import { testFactory, type TestFactory } from '../../support/copyFactory.js';
import { PG_URL, requireServer, uniqueName } from '../../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);

type Json = Record<string, unknown>;
const ref = (name: string, parameters?: Json) => ({ referenceName: name, type: 'DatasetReference', ...(parameters ? { parameters } : {}) });
const dep = (activity: string, ...c: string[]) => [{ activity, dependencyConditions: c.length ? c : ['Succeeded'] }];

describe.skipIf(!up)('control-flow patterns through dmgw run', () => {
  const schema = uniqueName('flow');
  let client: pg.Client;
  let f: TestFactory;
  const TABLES: Record<string, number> = { t_a: 3, t_b: 5, t_c: 0, t_d: 2, t_e: 4 };

  beforeAll(async () => {
    ensureBuilt();
    client = new pg.Client(PG_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    for (const [t, n] of Object.entries(TABLES)) {
      await client.query(`CREATE TABLE ${schema}.${t} (id bigint primary key, label text)`);
      if (n) await client.query(`INSERT INTO ${schema}.${t} SELECT g, '${t} row ' || g FROM generate_series(1, ${n}) g`);
    }
    await client.query(`CREATE TABLE ${schema}.other (id int)`);
    await client.query(`CREATE TABLE ${schema}.loaded (id bigint, label text)`);
    f = testFactory();
    f.dataset('Catalog', 'PostgreSqlTable', 'Pg', { schema: 'information_schema', table: 'tables' });
    f.write('dataset', 'AnyTable', { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, parameters: { table: { type: 'String' } }, typeProperties: { schema, table: '@dataset().table' } });
    f.write('dataset', 'TableCsv', { type: 'DelimitedText', linkedServiceName: { referenceName: 'Files', type: 'LinkedServiceReference' }, parameters: { name: { type: 'String' } }, typeProperties: { location: { type: 'FileServerLocation', folderPath: 'out', fileName: '@{dataset().name}.csv' }, firstRowAsHeader: true } });
    f.dataset('Incoming', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'incoming', fileName: 'orders.csv' }, firstRowAsHeader: true });
    f.dataset('ReadyFlag', 'DelimitedText', 'Files', { location: { type: 'FileServerLocation', folderPath: 'incoming', fileName: 'ready.flag' } });
    f.dataset('Loaded', 'PostgreSqlTable', 'Pg', { schema, table: 'loaded' });
  });
  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.end();
  });

  async function dmgwRun(pipeline: string, params: string[] = []) {
    const r = await runCli(['run', '--factory', f.dir, '--pipeline', pipeline, '--events', 'ndjson', '--json', ...params.flatMap((p) => ['--param', p])], { env: { ...process.env, DMGW_HOME: f.home } });
    const lines = r.stdout.trim().split('\n');
    const events = lines.slice(0, -1).map((l) => JSON.parse(l) as RunEvent);
    const result = JSON.parse(lines[lines.length - 1]!) as { status: string; error?: { code: string; message: string }; activities: Array<{ name: string; status: string; output?: Json; error?: { code: string; message: string }; iteration?: number; parentActivity?: string }> };
    return { ...r, events, result };
  }

  const copyTable = (name: string, table: string, file: string, extra: Json = {}) => ({
    name,
    type: 'Copy',
    inputs: [ref('AnyTable', { table })],
    outputs: [ref('TableCsv', { name: file })],
    typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'DelimitedTextSink', storeSettings: { type: 'FileServerWriteSettings' }, formatSettings: { type: 'DelimitedTextWriteSettings', fileExtension: '.csv' } } },
    ...extra,
  });

  it('ForEach over a table list from a Lookup, batchCount 2: one file per table with its rows, never more than 2 copies at once', async () => {
    f.write('pipeline', 'CopyAllTables', {
      activities: [
        { name: 'ListTables', type: 'Lookup', typeProperties: { dataset: ref('Catalog'), source: { type: 'PostgreSqlSource', query: `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name LIKE 't\\_%' ORDER BY table_name` }, firstRowOnly: false } },
        {
          name: 'EachTable',
          type: 'ForEach',
          dependsOn: dep('ListTables'),
          typeProperties: { items: { value: "@activity('ListTables').output.value", type: 'Expression' }, isSequential: false, batchCount: 2, activities: [copyTable('CopyTable', '@item().table_name', '@item().table_name')] },
        },
      ],
    });
    const r = await dmgwRun('CopyAllTables');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const [t, n] of Object.entries(TABLES)) {
      const lines = readFileSync(join(f.files, 'out', `${t}.csv`), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('id,label');
      expect(lines.slice(1)).toEqual(Array.from({ length: n }, (_, i) => `${i + 1},${t} row ${i + 1}`));
    }
    const copies = r.result.activities.filter((a) => a.name === 'CopyTable');
    expect(copies.map((a) => [a.iteration, a.output!.rowsCopied]).sort()).toEqual(Object.values(TABLES).map((n, i) => [i, n]).sort());
    let live = 0;
    let most = 0;
    for (const e of r.events) {
      if (e.event === 'activity-started' && e.activity === 'CopyTable') most = Math.max(most, ++live);
      if (e.event === 'activity-finished' && e.activity === 'CopyTable') live--;
    }
    expect(most).toBe(2);
  });

  it('If on a GetMetadata result: without the flag file nothing is loaded; with it the file is copied', async () => {
    mkdirSync(join(f.files, 'incoming'), { recursive: true });
    writeFileSync(join(f.files, 'incoming', 'orders.csv'), 'id,label\n9223372036854775807,max\n7,seven\n');
    f.write('pipeline', 'LoadWhenReady', {
      variables: { outcome: { type: 'String' } },
      activities: [
        { name: 'CheckFlag', type: 'GetMetadata', typeProperties: { dataset: ref('ReadyFlag'), fieldList: ['exists'] } },
        {
          name: 'IfReady',
          type: 'IfCondition',
          dependsOn: dep('CheckFlag'),
          typeProperties: {
            expression: { value: "@activity('CheckFlag').output.exists", type: 'Expression' },
            ifTrueActivities: [{ name: 'LoadOrders', type: 'Copy', inputs: [ref('Incoming')], outputs: [ref('Loaded')], typeProperties: { source: { type: 'DelimitedTextSource', storeSettings: { type: 'FileServerReadSettings' } }, sink: { type: 'PostgreSqlSink' } } }],
            ifFalseActivities: [{ name: 'NotYet', type: 'SetVariable', typeProperties: { variableName: 'outcome', value: 'flag missing' } }],
          },
        },
      ],
    });
    const before = await dmgwRun('LoadWhenReady');
    expect(before.code).toBe(0);
    expect(before.result.activities.map((a) => [a.name, a.status])).toEqual([['CheckFlag', 'Succeeded'], ['IfReady', 'Succeeded'], ['NotYet', 'Succeeded']]);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.loaded`)).rows[0].n).toBe(0);
    writeFileSync(join(f.files, 'incoming', 'ready.flag'), '');
    const after = await dmgwRun('LoadWhenReady');
    expect(after.code).toBe(0);
    expect(after.result.activities.find((a) => a.name === 'LoadOrders')).toMatchObject({ status: 'Succeeded', parentActivity: 'IfReady', output: { rowsCopied: 2 } });
    expect((await client.query(`SELECT id::text, label FROM ${schema}.loaded ORDER BY id`)).rows).toEqual([{ id: '7', label: 'seven' }, { id: '9223372036854775807', label: 'max' }]);
  });

  it('ExecutePipeline with parameters: the child copies the table it is given and returns its row count', async () => {
    f.write('pipeline', 'CopyOneTable', {
      parameters: { table: { type: 'String' }, file: { type: 'String' } },
      activities: [
        copyTable('CopyIt', '@pipeline().parameters.table', '@pipeline().parameters.file'),
        { name: 'Return', type: 'SetVariable', dependsOn: dep('CopyIt'), typeProperties: { variableName: 'pipelineReturnValue', setSystemVariable: true, value: [{ key: 'rows', value: { type: 'Expression', content: "@activity('CopyIt').output.rowsCopied" } }, { key: 'child', value: { type: 'Expression', content: '@pipeline().TriggeredByPipelineName' } }] } },
      ],
    });
    f.write('pipeline', 'CallChild', {
      parameters: { table: { type: 'String' }, expected: { type: 'Int' } },
      activities: [
        { name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: 'CopyOneTable', type: 'PipelineReference' }, parameters: { table: '@pipeline().parameters.table', file: "@concat('child_', pipeline().parameters.table)" }, waitOnCompletion: true } },
        {
          name: 'CheckCount',
          type: 'IfCondition',
          dependsOn: dep('RunChild'),
          typeProperties: {
            expression: { value: "@equals(activity('RunChild').output.pipelineReturnValue.rows, pipeline().parameters.expected)", type: 'Expression' },
            ifFalseActivities: [{ name: 'WrongCount', type: 'Fail', typeProperties: { message: "@concat('child copied ', string(activity('RunChild').output.pipelineReturnValue.rows), ' rows')", errorCode: 'COUNT_MISMATCH' } }],
          },
        },
      ],
    });
    const ok = await dmgwRun('CallChild', ['table=t_b', 'expected=5']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.result.activities.find((a) => a.name === 'RunChild')!.output).toMatchObject({ pipelineName: 'CopyOneTable', pipelineReturnValue: { rows: 5, child: 'CallChild' } });
    expect(readFileSync(join(f.files, 'out', 'child_t_b.csv'), 'utf8').trim().split('\n')).toHaveLength(6);
    const childCopy = ok.events.find((e) => e.event === 'activity-finished' && e.activity === 'CopyIt') as Extract<RunEvent, { event: 'activity-finished' }>;
    expect(childCopy).toMatchObject({ pipeline: 'CopyOneTable', parentActivity: 'RunChild', status: 'Succeeded' });
    const wrong = await dmgwRun('CallChild', ['table=t_d', 'expected=5']);
    expect(wrong.code).toBe(1);
    expect(wrong.result.error).toEqual({ code: 'COUNT_MISMATCH', message: 'activity CheckCount failed: Activity failed because an inner activity failed; inner activity WrongCount: child copied 2 rows' });
  });

  it('a Fail activity\'s error is the run\'s result and exit code, in events, --json and the human output', async () => {
    f.write('pipeline', 'Guard', {
      parameters: { table: { type: 'String', defaultValue: 't_c' } },
      activities: [
        { name: 'CountRows', type: 'Lookup', typeProperties: { dataset: ref('AnyTable', { table: '@pipeline().parameters.table' }), source: { type: 'PostgreSqlSource', query: `SELECT count(*) AS n FROM ${schema}.@{pipeline().parameters.table}` } } },
        {
          name: 'IfEmpty',
          type: 'IfCondition',
          dependsOn: dep('CountRows'),
          typeProperties: {
            expression: "@equals(activity('CountRows').output.firstRow.n, 0)",
            ifTrueActivities: [{ name: 'StopEmpty', type: 'Fail', typeProperties: { message: '@{pipeline().parameters.table} is empty (run @{pipeline().RunId})', errorCode: 'NO_ROWS' } }],
          },
        },
      ],
    });
    const r = await dmgwRun('Guard');
    expect(r.code).toBe(1);
    const runId = (r.events[0] as { runId: string }).runId;
    const message = `activity IfEmpty failed: Activity failed because an inner activity failed; inner activity StopEmpty: t_c is empty (run ${runId})`;
    expect(r.result.error).toEqual({ code: 'NO_ROWS', message });
    expect(r.events[r.events.length - 1]).toMatchObject({ event: 'run-finished', status: 'Failed', error: { code: 'NO_ROWS', message } });
    expect(r.events.find((e) => e.event === 'activity-finished' && e.activity === 'StopEmpty')).toMatchObject({ status: 'Failed', error: { code: 'NO_ROWS', message: `t_c is empty (run ${runId})` }, parentActivity: 'IfEmpty' });
    const human = await runCli(['run', '--factory', f.dir, '--pipeline', 'Guard'], { env: { ...process.env, DMGW_HOME: f.home } });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/✖ IfEmpty › StopEmpty Failed: t_c is empty/);
    expect(human.stderr).toMatch(/run Failed in \d+s: activity IfEmpty failed: .*t_c is empty/);
    const fine = await dmgwRun('Guard', ['table=t_a']);
    expect(fine.code).toBe(0);
  });

  it('attack: a SecureString parameter flowing into an activity\'s input or output is masked in every event and result', async () => {
    const secret = `pw-${uniqueName('p')}-Xy7`;
    f.write('pipeline', 'SecureParam', {
      parameters: { token: { type: 'SecureString' } },
      variables: { v: { type: 'String' } },
      activities: [
        { name: 'Probe', type: 'Lookup', typeProperties: { dataset: ref('Catalog'), source: { type: 'PostgreSqlSource', query: 'SELECT 1 AS one /* @{pipeline().parameters.token} */' } } },
        { name: 'Keep', type: 'SetVariable', dependsOn: dep('Probe'), typeProperties: { variableName: 'v', value: "@concat('key:', pipeline().parameters.token)" } },
      ],
    });
    const r = await dmgwRun('SecureParam', [`token=${secret}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.events.find((e) => e.event === 'run-started')).toMatchObject({ parameters: { token: '***' } });
    expect(JSON.stringify(r.events.find((e) => e.event === 'activity-started' && e.activity === 'Probe'))).toMatch(/SELECT 1 AS one \/\* \*+ \*\//);
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  });

  it('attack: a secureOutput value (a token) never reaches the run\'s output, even quoted in a later error', async () => {
    const token = `tok-${uniqueName('s')}-Zq9`;
    await client.query(`CREATE TABLE ${schema}.tokens (token text)`);
    await client.query(`INSERT INTO ${schema}.tokens VALUES ($1)`, [token]);
    const pipeline = (secure: boolean) => ({
      activities: [
        { name: 'GetToken', type: 'Lookup', policy: { secureOutput: secure }, typeProperties: { dataset: ref('Catalog'), source: { type: 'PostgreSqlSource', query: `SELECT token FROM ${schema}.tokens` } } },
        // PostgreSQL quotes the relation it cannot find: the token is in its error message
        { name: 'UseToken', type: 'Lookup', policy: { secureInput: secure }, dependsOn: dep('GetToken'), typeProperties: { dataset: ref('Catalog'), source: { type: 'PostgreSqlSource', query: `SELECT * FROM "@{activity('GetToken').output.firstRow.token}"` } } },
      ],
    });
    f.write('pipeline', 'Leaky', pipeline(false));
    const leaky = await dmgwRun('Leaky');
    expect(leaky.stdout).toContain(token); // without secureOutput the value is plain output, as in ADF
    f.write('pipeline', 'Secure', pipeline(true));
    const secure = await dmgwRun('Secure');
    expect(secure.code).toBe(1);
    expect(secure.result.activities.find((a) => a.name === 'GetToken')!.output).toEqual({ secureOutput: '**********' });
    expect(secure.events.find((e) => e.event === 'activity-started' && e.activity === 'UseToken')).toMatchObject({ input: '**********' });
    // the token is masked where PostgreSQL quotes it; the words around it are not
    expect(secure.result.activities.find((a) => a.name === 'UseToken')!.error!.message).toMatch(/^Lookup UseToken could not read Catalog \(Pg\): relation "\*+" does not exist/);
    expect(secure.stdout).not.toContain(token);
    expect(secure.stderr).not.toContain(token);
    const log = join(f.home, 'logs', 'dmgw.log');
    if (existsSync(log)) expect(readFileSync(log, 'utf8')).not.toContain(token);
  });
});
