/**
 * Pipelines orchestrated by the factory service (service/orchestration), through real processes: the service on a
 * PostgreSQL store, two gateways with a node (`dmgw host` + workers) each, the real PostgreSQL and a folder as stores,
 * the real @azure/arm-datafactory client. Each data activity is a job for the gateway its linked services name;
 * control flow runs in the service. Asserted on rows in the sinks, run statuses, activity run records (ADF's shapes)
 * and which node's host ran each job. The attack: a value read under policy.secureOutput never lands in the
 * service's store in the clear (runs, activity runs, jobs), though the next activity used it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP } from '../../support/factoryService.js';
import { dep, pgCopy, ref, startRig, type Json, type Rig } from '../../support/orchestrationRig.js';
import { requireServer } from '../../support/servers.js';

const up = await requireServer('PostgreSQL', 5432);
const TABLES: Record<string, number> = { t_a: 3, t_b: 5, t_c: 0, t_d: 2, t_e: 4 };
const TOKEN = 'tok-9f8e7d6c5b4a3210-SECRET';

describe.skipIf(!up)('pipelines orchestrated by the service (two gateways, real processes)', () => {
  let r: Rig;
  let s: string;
  const count = async (table: string) => Number((await r.db.query(`select count(*) as n from ${s}.${table}`)).rows[0].n);

  beforeAll(async () => {
    r = await startRig('orch');
    s = r.schema;
    await r.db.query(`create table ${s}.src as select g as id, md5(g::text) as t from generate_series(1, 1000) g`);
    for (const t of ['dst_a', 'dst_b', 'dst_ready', 'dst_range', 'dst_secret']) await r.db.query(`create table ${s}.${t} (id int, t text)`);
    for (const [t, n] of Object.entries(TABLES)) {
      await r.db.query(`create table ${s}.${t} (id bigint, label text)`);
      if (n) await r.db.query(`insert into ${s}.${t} select g, '${t} row ' || g from generate_series(1, ${n}) g`);
    }
    await r.db.query(`create table ${s}.all_rows (id bigint, label text)`);
    await r.db.query(`create table ${s}.secrets (token text); insert into ${s}.secrets values ('${TOKEN}')`);
    for (const [name, ls, table] of [['SrcA', 'PgA', 'src'], ['SrcB', 'PgB', 'src'], ['DstA', 'PgA', 'dst_a'], ['DstB', 'PgB', 'dst_b'], ['DstReady', 'PgA', 'dst_ready'], ['DstRange', 'PgA', 'dst_range'], ['DstSecret', 'PgA', 'dst_secret'], ['AllRows', 'PgA', 'all_rows'], ['Secrets', 'PgA', 'secrets']]) {
      await r.dataset(name!, 'PostgreSqlTable', ls!, { schema: s, table });
    }
    await r.dataset('Catalog', 'PostgreSqlTable', 'PgA', { schema: 'information_schema', table: 'tables' });
    await r.dataset('AnyTableA', 'PostgreSqlTable', 'PgA', { schema: s, table: '@dataset().table' }, { table: { type: 'String' } });
    await r.dataset('ReadyFlag', 'DelimitedText', 'FilesA', { location: { type: 'FileServerLocation', folderPath: 'incoming', fileName: 'ready.flag' } });
  }, 180_000);
  afterAll(async () => r?.close());

  it('one pipeline, two gateways: each copy is a job for the node of the gateway its linked services name; activity runs in ADF\'s shape', async () => {
    await r.pipeline('TwoGateways', {
      activities: [
        pgCopy('CopyA', ref('SrcA'), ref('DstA'), `SELECT id, t FROM ${s}.src`),
        pgCopy('CopyB', ref('SrcB'), ref('DstB'), `SELECT id, t FROM ${s}.src WHERE id <= 600`),
      ],
    });
    const runId = await r.run('TwoGateways');
    const run = await r.finalRun(runId);
    expect([run.status, run.message]).toEqual(['Succeeded', '']);
    expect([await count('dst_a'), await count('dst_b')]).toEqual([1000, 600]);
    const acts = await r.activities(runId);
    const byName = Object.fromEntries(acts.map((a) => [a.activityName, a as typeof a & Json]));
    expect(byName.CopyA).toMatchObject({ activityType: 'Copy', status: 'Succeeded', pipelineName: 'TwoGateways', pipelineRunId: runId, nodeName: 'node-a', integrationRuntimeNames: ['gwA'], output: { rowsRead: 1000, rowsCopied: 1000 } });
    expect(byName.CopyB).toMatchObject({ activityType: 'Copy', status: 'Succeeded', nodeName: 'node-b', integrationRuntimeNames: ['gwB'], output: { rowsRead: 600, rowsCopied: 600 } });
    for (const a of acts) {
      // ADF: input = the typeProperties as run; a succeeded activity's error has empty fields and its own name as target
      expect((a.input as { source: { query: string } }).source.query).toContain(`FROM ${s}.src`);
      expect(a.error).toEqual({ errorCode: '', message: '', failureType: '', target: a.activityName });
      expect(a.activityRunStart).toBeInstanceOf(Date);
      expect(a.activityRunEnd).toBeInstanceOf(Date);
      expect(a.durationInMs).toBe(a.activityRunEnd!.getTime() - a.activityRunStart!.getTime());
      expect(a.activityRunId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // each node's own host log names the job it ran, and only that one
    expect(r.hostLog('a')).toContain(`run ${runId}, activity CopyA (Copy)`);
    expect(r.hostLog('a')).not.toContain(`run ${runId}, activity CopyB`);
    expect(r.hostLog('b')).toContain(`run ${runId}, activity CopyB (Copy)`);
    expect(r.hostLog('b')).not.toContain(`run ${runId}, activity CopyA`);
  });

  it('ForEach over a table list from a Lookup with batchCount 2: every table copied, one activity run per item, at most 2 at once', async () => {
    await r.pipeline('CopyAllTables', {
      activities: [
        { name: 'ListTables', type: 'Lookup', typeProperties: { dataset: ref('Catalog'), source: { type: 'PostgreSqlSource', query: `SELECT table_name FROM information_schema.tables WHERE table_schema = '${s}' AND table_name LIKE 't\\_%' ORDER BY table_name` }, firstRowOnly: false } },
        {
          name: 'EachTable',
          type: 'ForEach',
          dependsOn: dep('ListTables'),
          typeProperties: {
            items: { value: "@activity('ListTables').output.value", type: 'Expression' },
            isSequential: false,
            batchCount: 2,
            activities: [{ name: 'CopyTable', type: 'Copy', inputs: [ref('AnyTableA', { table: '@item().table_name' })], outputs: [ref('AllRows')], typeProperties: { source: { type: 'PostgreSqlSource' }, sink: { type: 'PostgreSqlSink' } } }],
          },
        },
      ],
    });
    const runId = await r.run('CopyAllTables');
    expect((await r.finalRun(runId)).status).toBe('Succeeded');
    const expected = await r.db.query(`select * from (${Object.keys(TABLES).map((t) => `select id, label from ${s}.${t}`).join(' union all ')}) x order by label, id`);
    expect((await r.db.query(`select id, label from ${s}.all_rows order by label, id`)).rows).toEqual(expected.rows);
    const acts = await r.activities(runId);
    const copies = acts.filter((a) => a.activityName === 'CopyTable');
    expect(copies.map((a) => a.status)).toEqual(Array(5).fill('Succeeded'));
    expect(copies.map((a) => (a as Json).iterationHash).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(copies.map((a) => (a.output as { rowsCopied: number }).rowsCopied).sort()).toEqual([0, 2, 3, 4, 5]);
    const eachRun = acts.find((a) => a.activityName === 'EachTable')!;
    expect(copies.every((a) => (a as Json).parentActivityRunId === eachRun.activityRunId)).toBe(true);
    // never more than batchCount copies running together, by their own records
    const points = copies.flatMap((a) => [[a.activityRunStart!.getTime(), 1], [a.activityRunEnd!.getTime(), -1]] as Array<[number, number]>).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let now = 0;
    let most = 0;
    for (const [, d] of points) most = Math.max(most, (now += d));
    expect(most).toBeLessThanOrEqual(2);
  });

  it('If on a GetMetadata result: the copy runs only once the flag file exists', async () => {
    await r.pipeline('LoadWhenReady', {
      variables: { state: { type: 'String' } },
      activities: [
        { name: 'CheckFlag', type: 'GetMetadata', typeProperties: { dataset: ref('ReadyFlag'), fieldList: ['exists'] } },
        {
          name: 'IfReady',
          type: 'IfCondition',
          dependsOn: dep('CheckFlag'),
          typeProperties: {
            expression: { value: "@activity('CheckFlag').output.exists", type: 'Expression' },
            ifTrueActivities: [pgCopy('LoadIt', ref('SrcA'), ref('DstReady'), `SELECT id, t FROM ${s}.src`)],
            ifFalseActivities: [{ name: 'NotYet', type: 'SetVariable', typeProperties: { variableName: 'state', value: 'waiting' } }],
          },
        },
      ],
    });
    const first = await r.run('LoadWhenReady');
    expect((await r.finalRun(first)).status).toBe('Succeeded');
    const acts1 = await r.activities(first);
    expect(acts1.find((a) => a.activityName === 'CheckFlag')).toMatchObject({ activityType: 'GetMetadata', output: { exists: false }, nodeName: 'node-a' });
    expect(acts1.map((a) => a.activityName).sort()).toEqual(['CheckFlag', 'IfReady', 'NotYet']);
    expect(await count('dst_ready')).toBe(0);

    writeFileSync(join(r.files, 'incoming', 'ready.flag'), 'ready\n');
    const second = await r.run('LoadWhenReady');
    expect((await r.finalRun(second)).status).toBe('Succeeded');
    const acts2 = await r.activities(second);
    expect(acts2.find((a) => a.activityName === 'CheckFlag')!.output).toEqual({ exists: true });
    expect(acts2.find((a) => a.activityName === 'LoadIt')).toMatchObject({ status: 'Succeeded', output: { rowsCopied: 1000 } });
    expect(await count('dst_ready')).toBe(1000);
  });

  it('ExecutePipeline with parameters: the child is a run of its own (invoked by the parent), its return value reaches the parent', async () => {
    await r.pipeline('LoadRange', {
      parameters: { lo: { type: 'Int' }, hi: { type: 'Int' } },
      activities: [
        pgCopy('CopyRange', ref('SrcA'), ref('DstRange'), `SELECT id, t FROM ${s}.src WHERE id BETWEEN @{pipeline().parameters.lo} AND @{pipeline().parameters.hi}`),
        { name: 'Return', type: 'SetVariable', dependsOn: dep('CopyRange'), typeProperties: { variableName: 'pipelineReturnValue', setSystemVariable: true, value: [{ key: 'copied', value: { type: 'Expression', content: "@activity('CopyRange').output.rowsCopied" } }] } },
      ],
    });
    await r.pipeline('CallLoadRange', {
      variables: { got: { type: 'String' } },
      activities: [
        { name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: 'LoadRange', type: 'PipelineReference' }, parameters: { lo: 10, hi: '@add(10, 9)' }, waitOnCompletion: true } },
        { name: 'Keep', type: 'SetVariable', dependsOn: dep('RunChild'), typeProperties: { variableName: 'got', value: "@string(activity('RunChild').output.pipelineReturnValue.copied)" } },
      ],
    });
    const runId = await r.run('CallLoadRange');
    expect((await r.finalRun(runId)).status).toBe('Succeeded');
    expect(await count('dst_range')).toBe(10);
    const acts = await r.activities(runId);
    const call = acts.find((a) => a.activityName === 'RunChild')!;
    const childRunId = (call.output as { pipelineRunId: string }).pipelineRunId;
    expect(call.output).toMatchObject({ pipelineName: 'LoadRange', pipelineReturnValue: { copied: 10 } });
    expect(acts.find((a) => a.activityName === 'Keep')!.output).toMatchObject({ value: '10' });
    const child = await r.arm.pipelineRuns.get(RESOURCE_GROUP, r.F, childRunId);
    expect(child).toMatchObject({ pipelineName: 'LoadRange', status: 'Succeeded', parameters: { lo: '10', hi: '19' }, invokedBy: { invokedByType: 'PipelineActivity', name: 'RunChild', pipelineRunId: runId } });
    expect((await r.activities(childRunId)).map((a) => [a.activityName, a.status])).toEqual([['CopyRange', 'Succeeded'], ['Return', 'Succeeded']]);
  });

  it("a Fail activity's error code and message reach the run and its activity run", async () => {
    await r.pipeline('Stop', {
      parameters: { reason: { type: 'String' } },
      activities: [{ name: 'Halt', type: 'Fail', typeProperties: { message: "@concat('stopped: ', pipeline().parameters.reason)", errorCode: '4242' } }],
    });
    const runId = await r.run('Stop', { reason: 'no new orders' });
    const run = await r.finalRun(runId);
    expect(run.status).toBe('Failed');
    expect(run.message).toContain('stopped: no new orders');
    const [halt] = await r.activities(runId);
    expect(halt).toMatchObject({ activityName: 'Halt', activityType: 'Fail', status: 'Failed', error: { errorCode: '4242', message: 'stopped: no new orders', failureType: 'UserError', target: 'Halt' } });
  });

  it('attack: a value read under secureOutput is used by the next activity but never stored in the clear by the service', async () => {
    await r.pipeline('UseToken', {
      activities: [
        { name: 'ReadToken', type: 'Lookup', policy: { secureOutput: true }, typeProperties: { dataset: ref('Secrets'), source: { type: 'PostgreSqlSource', query: `SELECT token FROM ${s}.secrets` } } },
        pgCopy('CopyWithToken', ref('SrcA'), ref('DstSecret'), `SELECT id, t FROM ${s}.src WHERE '@{activity('ReadToken').output.firstRow.token}' = '${TOKEN}' AND id <= 5`, { dependsOn: dep('ReadToken') }),
      ],
    });
    const runId = await r.run('UseToken');
    expect((await r.finalRun(runId)).status).toBe('Succeeded');
    // the real value flowed: the copy's filter held
    expect(await count('dst_secret')).toBe(5);
    const acts = await r.activities(runId);
    expect(acts.find((a) => a.activityName === 'ReadToken')!.output).toEqual({ secureOutput: '**********' });
    expect(JSON.stringify(acts)).not.toContain(TOKEN);
    // nothing the service keeps holds it: runs, activity runs, jobs (payloads and results are sealed)
    for (const table of ['runs', 'activity_runs', 'jobs']) {
      const rows = await r.db.query(`select t::text as row from ${r.svcSchema}.${table} t`);
      expect(rows.rows.length).toBeGreaterThan(0);
      expect(rows.rows.filter((x: { row: string }) => x.row.includes(TOKEN)).map((x: { row: string }) => `${table}: ${x.row.slice(0, 200)}`)).toEqual([]);
    }
  });
});
