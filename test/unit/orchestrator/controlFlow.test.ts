/**
 * The orchestrator's control flow with activities that need no store (Wait, Fail, SetVariable, AppendVariable,
 * Filter, ForEach, If, Switch, Until, ExecutePipeline): real runs of pipelines in a scratch factory, checked by
 * their results and events. ADF's documented rules: dependency conditions, the pipeline outcome from its leaves
 * (Try-Catch succeeds, Do-If-Else fails), Fail's error reaching the run, return values through ExecutePipeline.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../../src/agent/worker/runPipeline.js';
import type { RunEvent } from '../../../src/common/events.js';

type Json = Record<string, unknown>;

function factory(pipelines: Record<string, Json>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmgw-flow-'));
  mkdirSync(join(dir, 'pipeline'));
  for (const [name, properties] of Object.entries(pipelines)) writeFileSync(join(dir, 'pipeline', `${name}.json`), JSON.stringify({ name, properties }, null, 2));
  return dir;
}

async function run(pipelines: Record<string, Json>, name = Object.keys(pipelines)[0]!, parameters: Record<string, unknown> = {}) {
  const events: RunEvent[] = [];
  const result = await runPipeline({ factory: factory(pipelines), pipeline: name, parameters, emit: (e) => events.push(e), secondMs: 1 });
  return { ...result, events };
}

const dep = (activity: string, ...conditions: string[]) => ({ activity, dependencyConditions: conditions.length ? conditions : ['Succeeded'] });
const wait = (name: string, extra: Json = {}) => ({ name, type: 'Wait', typeProperties: { waitTimeInSeconds: 1 }, ...extra });
const fail = (name: string, extra: Json = {}) => ({ name, type: 'Fail', typeProperties: { message: `${name} says no`, errorCode: 'E42' }, ...extra });
const setVar = (name: string, variableName: string, value: unknown, extra: Json = {}) => ({ name, type: 'SetVariable', typeProperties: { variableName, value }, ...extra });
const statuses = (r: { activities: Array<{ name: string; status: string }> }) => Object.fromEntries(r.activities.map((a) => [a.name, a.status]));

describe('dependsOn and the pipeline outcome (ADF: leaves, or a skipped leaf\'s parents)', () => {
  it('Try-Catch: only an Upon Failure path, the failure handled: the run succeeds', async () => {
    const r = await run({ P: { activities: [fail('Work'), wait('Catch', { dependsOn: [dep('Work', 'Failed')] })] } });
    expect(statuses(r)).toEqual({ Work: 'Failed', Catch: 'Succeeded' });
    expect(r.status).toBe('Succeeded');
  });

  it('Do-If-Else: Upon Success and Upon Failure paths, the work failed: the run fails with its error', async () => {
    const r = await run({ P: { activities: [fail('Work'), wait('Then', { dependsOn: [dep('Work')] }), wait('Else', { dependsOn: [dep('Work', 'Failed')] })] } });
    expect(statuses(r)).toEqual({ Work: 'Failed', Then: 'Skipped', Else: 'Succeeded' });
    expect(r.status).toBe('Failed');
    expect(r.error).toEqual({ code: 'E42', message: 'activity Work failed: Work says no' });
  });

  it('Do-If-Skip-Else: a dummy Upon Skip after Then makes the handled failure succeed', async () => {
    const r = await run({ P: { activities: [fail('Work'), wait('Then', { dependsOn: [dep('Work')] }), wait('Else', { dependsOn: [dep('Work', 'Failed')] }), wait('Dummy', { dependsOn: [dep('Then', 'Skipped')] })] } });
    expect(statuses(r)).toEqual({ Work: 'Failed', Then: 'Skipped', Else: 'Succeeded', Dummy: 'Succeeded' });
    expect(r.status).toBe('Succeeded');
  });

  it('Completed runs after success or failure; an unmet condition skips, and skipping cascades', async () => {
    const r = await run({ P: { activities: [wait('A'), wait('B', { dependsOn: [dep('A', 'Completed')] }), wait('C', { dependsOn: [dep('A', 'Failed')] }), wait('D', { dependsOn: [dep('C')] }), wait('E', { dependsOn: [dep('C', 'Skipped')] })] } });
    expect(statuses(r)).toEqual({ A: 'Succeeded', B: 'Succeeded', C: 'Skipped', D: 'Skipped', E: 'Succeeded' });
    expect(r.status).toBe('Succeeded');
    // skipped activities run no events
    expect(r.events.filter((e) => e.event === 'activity-started').map((e) => (e as { activity: string }).activity).sort()).toEqual(['A', 'B', 'E']);
  });

  it('activity(X).Status and .error are readable by an activity after X (Upon Completion)', async () => {
    const r = await run({
      P: {
        variables: { seen: { type: 'String' } },
        activities: [fail('Work'), setVar('Note', 'seen', "@concat(activity('Work').Status, ' ', activity('Work').error.errorCode, ' ', activity('Work').error.message)", { dependsOn: [dep('Work', 'Completed')] })],
      },
    });
    expect(r.activities.find((a) => a.name === 'Note')!.output).toEqual({ name: 'seen', value: 'Failed E42 Work says no' });
  });
});

describe('inactive activities', () => {
  it('are not run and end as onInactiveMarkAs says (Succeeded by default), for what depends on them', async () => {
    const r = await run({
      P: {
        activities: [
          fail('Off', { state: 'Inactive' }),
          wait('AfterOff', { dependsOn: [dep('Off')] }),
          wait('Marked', { state: 'Inactive', onInactiveMarkAs: 'Failed' }),
          wait('OnFailure', { dependsOn: [dep('Marked', 'Failed')] }),
        ],
      },
    });
    expect(statuses(r)).toEqual({ Off: 'Succeeded', AfterOff: 'Succeeded', Marked: 'Failed', OnFailure: 'Succeeded' });
    expect(r.status).toBe('Succeeded');
    expect(r.events.filter((e) => e.event === 'activity-started').map((e) => (e as { activity: string }).activity).sort()).toEqual(['AfterOff', 'OnFailure']);
  });
});

describe('Fail', () => {
  it('its errorCode and message (expressions) are the run\'s error; blank ones are replaced as ADF does', async () => {
    const r = await run({ P: { parameters: { who: { type: 'String', defaultValue: 'nightly' } }, activities: [{ name: 'Stop', type: 'Fail', typeProperties: { message: "@concat('load ', pipeline().parameters.who, ' found no file')", errorCode: '@{concat(\'E\', string(404))}' } }] } });
    expect(r.status).toBe('Failed');
    expect(r.error).toEqual({ code: 'E404', message: 'activity Stop failed: load nightly found no file' });
    const finished = r.events.find((e) => e.event === 'run-finished');
    expect(finished).toMatchObject({ status: 'Failed', error: { code: 'E404' } });
    const blank = await run({ P: { activities: [{ name: 'Blank', type: 'Fail', typeProperties: { message: '', errorCode: ' ' } }] } });
    expect(blank.error).toEqual({ code: 'ErrorCodeNotString', message: 'activity Blank failed: Failed to interpret Blank fail message or error code' });
  });
});

describe('variables', () => {
  it('SetVariable checks the declared type; AppendVariable adds to an Array', async () => {
    const r = await run({
      P: {
        variables: { n: { type: 'Integer', defaultValue: 1 }, list: { type: 'Array' }, flag: { type: 'Bool' } },
        activities: [setVar('SetN', 'n', '@add(variables(\'list\')[0], 41)', { dependsOn: [dep('Add')] }), { name: 'Add', type: 'AppendVariable', typeProperties: { variableName: 'list', value: 1 } }, setVar('Bad', 'flag', 'yes', { dependsOn: [dep('SetN')] })],
      },
    });
    expect(r.activities.find((a) => a.name === 'SetN')!.output).toEqual({ name: 'n', value: 42 });
    const bad = r.activities.find((a) => a.name === 'Bad')!;
    expect(bad.status).toBe('Failed');
    expect(bad.error!.message).toMatch(/variable "flag" is Bool, and the value is String/);
  });
});

describe('parameters keep their precision', () => {
  it('an Int beyond 2^53 and the numbers of an Array parameter, given as text, stay exact through expressions', async () => {
    const r = await run(
      {
        P: {
          parameters: { id: { type: 'Int' }, ids: { type: 'Array' }, rate: { type: 'Float', defaultValue: 0.5 } },
          variables: { v: { type: 'String' } },
          activities: [setVar('S', 'v', "@{add(pipeline().parameters.id, 1)} @{pipeline().parameters.ids[1]} @{greater(pipeline().parameters.ids[0], pipeline().parameters.id)} @{mul(pipeline().parameters.rate, 3)}")],
        },
      },
      'P',
      { id: '9223372036854775806', ids: '[9223372036854775807, 12345678901234567890.000000001]' },
    );
    expect(r.activities[0]!.output).toEqual({ name: 'v', value: '9223372036854775807 12345678901234567890.000000001 True 1.5' });
    expect(JSON.stringify(r.parameters)).toBe('{"rate":0.5,"id":9223372036854775806,"ids":[9223372036854775807,12345678901234567890.000000001]}');
  });
});

describe('containers', () => {
  it('ForEach runs every item (item() inside), at most batchCount at once, and fails when one iteration does', async () => {
    const r = await run({
      P: {
        variables: { done: { type: 'Array' } },
        activities: [
          {
            name: 'Each',
            type: 'ForEach',
            typeProperties: {
              items: { value: '@range(1, 7)', type: 'Expression' },
              batchCount: 3,
              activities: [
                { name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: '@mul(10, mod(item(), 3))' } },
                { name: 'Record', type: 'AppendVariable', dependsOn: [dep('Pause')], typeProperties: { variableName: 'done', value: '@item()' } },
                { name: 'MaybeFail', type: 'IfCondition', dependsOn: [dep('Record')], typeProperties: { expression: '@equals(item(), 5)', ifTrueActivities: [fail('Five')] } },
              ],
            },
          },
          setVar('Never', 'done', "@json('[]')", { dependsOn: [dep('Each')] }),
        ],
      },
    });
    const starts = r.events.filter((e): e is Extract<RunEvent, { event: 'activity-started' }> => e.event === 'activity-started' && e.activity === 'Pause');
    expect(starts.map((e) => e.iteration).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // concurrency never above batchCount: replay the Pause starts and ends
    let live = 0;
    let most = 0;
    for (const e of r.events) {
      if (e.event === 'activity-started' && e.activity === 'Pause') most = Math.max(most, ++live);
      if (e.event === 'activity-finished' && e.activity === 'Pause') live--;
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    const each = r.activities.find((a) => a.name === 'Each')!;
    expect(each.status).toBe('Failed');
    expect(each.error!.message).toMatch(/inner activity MaybeFail: .*inner activity Five: Five says no/);
    expect(statuses(r).Never).toBe('Skipped');
    // every iteration ran although one failed; the nested runs are in the result under their container
    expect(r.activities.filter((a) => a.name === 'Record' && a.status === 'Succeeded')).toHaveLength(7);
    expect(r.activities.find((a) => a.name === 'Five')).toMatchObject({ parentActivity: 'MaybeFail', status: 'Failed' });
  });

  it('Switch runs the matching case or the default; Filter keeps what its condition accepts', async () => {
    const r = await run(
      {
        P: {
          parameters: { mode: { type: 'String' } },
          variables: { picked: { type: 'String' } },
          activities: [
            { name: 'Keep', type: 'Filter', typeProperties: { items: '@createArray(1, 5, 2, 8)', condition: '@greater(item(), 2)' } },
            {
              name: 'ByMode',
              type: 'Switch',
              typeProperties: {
                on: '@pipeline().parameters.mode',
                cases: [{ value: 'a', activities: [setVar('A', 'picked', 'case a')] }],
                defaultActivities: [setVar('Other', 'picked', "@concat('default with ', string(activity('Keep').output.Value))")],
              },
              dependsOn: [dep('Keep')],
            },
          ],
        },
      },
      'P',
      { mode: 'b' },
    );
    expect(r.activities.find((a) => a.name === 'Keep')!.output).toEqual({ ItemsCount: 4, FilteredItemsCount: 2, Value: [5, 8] });
    expect(r.activities.find((a) => a.name === 'Other')!.output).toEqual({ name: 'picked', value: 'default with [5,8]' });
    expect(r.activities.some((a) => a.name === 'A')).toBe(false);
  });

  it('Until repeats until its expression (which reads the loop\'s own activities) is true; its timeout ends it', async () => {
    const r = await run({
      P: {
        variables: { n: { type: 'Integer', defaultValue: 0 }, next: { type: 'Integer' } },
        activities: [
          { name: 'Count', type: 'Until', typeProperties: { expression: "@equals(activity('Bump').output.value, 4)", activities: [setVar('Next', 'next', "@add(variables('n'), 1)"), setVar('Bump', 'n', "@variables('next')", { dependsOn: [dep('Next')] })] } },
        ],
      },
    });
    expect(r.status).toBe('Succeeded');
    expect(r.activities.filter((a) => a.name === 'Bump').map((a) => a.iteration)).toEqual([0, 1, 2, 3]);
    const t0 = Date.now();
    const slow = await run({ P: { activities: [{ name: 'Forever', type: 'Until', typeProperties: { expression: '@equals(1, 2)', timeout: '00:00:01', activities: [{ name: 'Nap', type: 'Wait', typeProperties: { waitTimeInSeconds: 200 } }] } }] } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(slow.status).toBe('Failed');
    expect(slow.error).toMatchObject({ code: 'UNTIL_TIMEOUT' });
  });
});

describe('ExecutePipeline', () => {
  it('passes parameters, waits, and hands back the child\'s pipelineReturnValue; its activities report under the child run', async () => {
    const r = await run({
      Parent: {
        variables: { got: { type: 'String' } },
        activities: [
          { name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: 'Child', type: 'PipelineReference' }, parameters: { n: '@add(40, 2)', label: 'x' }, waitOnCompletion: true } },
          setVar('Read', 'got', "@concat(string(activity('RunChild').output.pipelineReturnValue.doubled), '/', activity('RunChild').output.pipelineReturnValue.label)", { dependsOn: [dep('RunChild')] }),
        ],
      },
      Child: {
        parameters: { n: { type: 'Int' }, label: { type: 'String' } },
        activities: [
          {
            name: 'Return',
            type: 'SetVariable',
            typeProperties: {
              variableName: 'pipelineReturnValue',
              setSystemVariable: true,
              value: [
                { key: 'doubled', value: { type: 'Expression', content: '@mul(pipeline().parameters.n, 2)' } },
                { key: 'label', value: { type: 'String', content: 'fixed' } },
              ],
            },
          },
        ],
      },
    });
    expect(r.status).toBe('Succeeded');
    expect(r.activities.find((a) => a.name === 'Read')!.output).toEqual({ name: 'got', value: '84/fixed' });
    const child = r.activities.find((a) => a.name === 'Return')!;
    expect(child.pipeline).toBe('Child');
    expect(child.pipelineRunId).toBe((r.activities.find((a) => a.name === 'RunChild')!.output as { pipelineRunId: string }).pipelineRunId);
  });

  it('a failing child fails the activity with its error; an unknown parameter is refused', async () => {
    const r = await run({
      Parent: { activities: [{ name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: 'Child', type: 'PipelineReference' } } }] },
      Child: { activities: [fail('Boom')] },
    });
    expect(r.status).toBe('Failed');
    expect(r.error!.code).toBe('E42');
    expect(r.error!.message).toMatch(/activity RunChild failed: pipeline Child \(run [0-9a-f-]+\) failed: activity Boom failed: Boom says no/);
    const bad = await run({ Parent: { activities: [{ name: 'RunChild', type: 'ExecutePipeline', typeProperties: { pipeline: { referenceName: 'Child', type: 'PipelineReference' }, parameters: { nope: 1 } } }] }, Child: { activities: [wait('W')] } });
    expect(bad.activities[0]!.error).toMatchObject({ code: 'PARAMETER_UNKNOWN' });
  });
});

describe('malformed definitions', () => {
  it('a dependsOn that is not a list, or an activity without a type, ends the run Failed with a clear error', async () => {
    const r = await run({ P: { activities: [wait('A', { dependsOn: 'B' })] } });
    expect(r.status).toBe('Failed');
    expect(r.error).toMatchObject({ code: 'DEPENDENCY_INVALID', message: 'activity A: dependsOn must be a list' });
    const r2 = await run({ P: { activities: [{ name: 'NoType' }] } });
    expect(r2.error).toMatchObject({ code: 'ACTIVITY_INVALID' });
  });
});

describe('before anything runs', () => {
  it('a pipeline whose expressions are wrong is refused with the place of the mistake, and nothing runs', async () => {
    const dir = factory({ P: { activities: [wait('First'), setVar('Then', 'nope', '@utcnwo()', { dependsOn: [dep('First')] })] } });
    const events: RunEvent[] = [];
    await expect(runPipeline({ factory: dir, pipeline: 'P', emit: (e) => events.push(e) })).rejects.toThrow(/pipeline P cannot run: .*P\.json:\d+:\d+: error: .*(unknown function utcnwo|no variable "nope")/);
    expect(events).toEqual([]);
  });
});
