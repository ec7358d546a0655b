/**
 * The expression check on pipelines written for it: which activity outputs an activity may read (ADF: ancestors
 * through dependsOn, and what its containers depend on; never the inside of another container), item(), variables,
 * parameters, a SetVariable reading itself — and positions inside strings that hold JSON escapes.
 */
import { describe, expect, it } from 'vitest';
import { JsonDocument } from '../../../src/common/jsonDocument.js';
import { addDocument, emptyFactory, type Factory } from '../../../src/common/model/factory.js';
import { checkExpressions } from '../../../src/common/validate/expressionCheck.js';

function factoryOf(files: Array<[kind: 'pipeline' | 'dataset', name: string, properties: Record<string, unknown>]>): Factory {
  const f = emptyFactory('mem');
  for (const [kind, name, properties] of files) addDocument(f, kind, new JsonDocument(`${kind}/${name}.json`, JSON.stringify({ name, properties }, null, 2)), name);
  return f;
}
const problems = (activities: unknown[], extra: Record<string, unknown> = {}) => checkExpressions(factoryOf([['pipeline', 'P', { activities, ...extra }]])).map((p) => p.message);
const dep = (activity: string) => [{ activity, dependencyConditions: ['Succeeded'] }];
const setVar = (name: string, value: string, extra: Record<string, unknown> = {}) => ({ name, type: 'SetVariable', typeProperties: { variableName: 'v', value }, ...extra });
const VARS = { variables: { v: { type: 'String' } } };

describe('activity() names an activity that has ended', () => {
  it('through dependsOn, transitively; not a sibling it does not depend on', () => {
    expect(problems([setVar('A', 'a'), setVar('B', 'b', { dependsOn: dep('A') }), setVar('C', "@activity('A').Status", { dependsOn: dep('B') })], VARS)).toEqual([]);
    expect(problems([setVar('A', 'a'), setVar('C', "@activity('A').Status")], VARS)).toEqual([`properties.activities[1].typeProperties.value: activity('A'): "A" has not ended when C runs, so its output cannot be read there`]);
    expect(problems([setVar('C', "@activity('Nope').Status")], VARS)[0]).toMatch(/there is no activity "Nope" in this pipeline/);
  });

  it('inside a ForEach: what the ForEach depends on, and earlier activities of the same iteration; never from outside', () => {
    const each = (inner: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'Each', type: 'ForEach', dependsOn: dep('First'), typeProperties: { items: '@createArray(1, 2)', activities: inner }, ...extra });
    expect(problems([setVar('First', 'x'), each([setVar('In1', "@activity('First').Status"), setVar('In2', "@{activity('In1').output.value}@{item()}", { dependsOn: dep('In1') })])], VARS)).toEqual([]);
    expect(problems([setVar('First', 'x'), each([setVar('In1', 'a')]), setVar('After', "@activity('In1').Status", { dependsOn: dep('Each') })], VARS)).toEqual([
      'properties.activities[2].typeProperties.value: activity(\'In1\'): "In1" runs inside ForEach "Each", so its output cannot be read from After',
    ]);
  });

  it('an Until\'s expression reads its own activities', () => {
    expect(problems([{ name: 'Loop', type: 'Until', typeProperties: { expression: "@equals(activity('Step').output.value, 'x')", activities: [setVar('Step', 'x')] } }], VARS)).toEqual([]);
  });
});

describe('item(), variables, parameters', () => {
  it('item() only inside a ForEach or in a Filter\'s condition', () => {
    expect(problems([{ name: 'F', type: 'Filter', typeProperties: { items: '@item()', condition: { value: '@greater(item(), 1)', type: 'Expression' } } }])).toEqual([
      "properties.activities[0].typeProperties.items: item() is only available inside a ForEach (its activities) or in a Filter's condition",
    ]);
  });

  it('undeclared variables and parameters, and a SetVariable that reads the variable it sets', () => {
    expect(problems([setVar('S', "@concat(variables('v'), pipeline().parameters.day, variables('w'))")], { ...VARS, parameters: { dayy: { type: 'String' } } })).toEqual([
      'properties.activities[0].typeProperties.value: variables(\'w\'): the pipeline declares no variable "w"',
      'properties.activities[0].typeProperties.value: pipeline().parameters.day: the pipeline declares no parameter "day"',
      'properties.activities[0].typeProperties.value: SetVariable S reads variable "v", the one it sets',
    ]);
  });

  it('dataset() names the dataset\'s own parameters', () => {
    const f = factoryOf([['dataset', 'D', { type: 'DelimitedText', linkedServiceName: { referenceName: 'L', type: 'LinkedServiceReference' }, parameters: { folder: { type: 'String' } }, typeProperties: { location: { type: 'FileServerLocation', folderPath: '@dataset().folder', fileName: '@{dataset().file}.csv' } } }]]);
    expect(checkExpressions(f).map((p) => p.message)).toEqual(['properties.typeProperties.location.fileName: dataset().file: no parameter "file" is declared here']);
  });
});

describe('a malformed file', () => {
  it('never makes the check throw (dependsOn, activities or typeProperties of the wrong type)', () => {
    expect(() => problems([setVar('A', "@activity('B').Status", { dependsOn: 5 }), { name: 'B', type: 'ForEach', typeProperties: { activities: 'x' } }, { name: 'C', type: 'Switch', typeProperties: { cases: [null, { activities: 3 }] } }, null, 7], VARS)).not.toThrow();
  });
});

describe('positions', () => {
  it('point at the function inside a string with JSON escapes before it', () => {
    const f = factoryOf([['pipeline', 'P', { activities: [setVar('S', 'quote " tab \t unicode é \u0001 line\n@{utcnwo()}')], ...VARS }]]);
    const [p] = checkExpressions(f);
    const doc = f.documents[0]!;
    const line = doc.text.split('\n')[p!.place.line! - 1]!;
    expect(line.slice(p!.place.column! - 1)).toMatch(/^utcnwo\(\)/);
    expect(p!.message).toBe('properties.activities[0].typeProperties.value: unknown function utcnwo()');
  });
});
