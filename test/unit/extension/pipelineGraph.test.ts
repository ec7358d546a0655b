// The pipeline graph: nodes, groups and labelled edges from a pipeline's JSON, and the SVG dagre lays out from them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipelineGraph } from '../../../src/extension/graph/graphModel';
import { renderPipelineGraph } from '../../../src/extension/graph/graphSvg';

const act = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, ...extra });
const dep = (activity: string, ...dependencyConditions: string[]) => ({ activity, dependencyConditions });

const nested = {
  name: 'Nested',
  properties: {
    activities: [
      act('Lookup tables', 'Lookup'),
      act('Each table', 'ForEach', {
        dependsOn: [dep('Lookup tables', 'Succeeded')],
        typeProperties: { items: { value: '@activity(\'Lookup tables\').output.value', type: 'Expression' }, activities: [act('Copy one', 'Copy'), act('Log it', 'SetVariable', { dependsOn: [dep('Copy one', 'Completed')] })] },
      }),
      act('Check', 'IfCondition', {
        dependsOn: [dep('Each table', 'Failed', 'Skipped')],
        typeProperties: { expression: { value: '@true', type: 'Expression' }, ifTrueActivities: [act('Alert', 'Fail')], ifFalseActivities: [act('Wait a bit', 'Wait')] },
      }),
      act('Route', 'Switch', { typeProperties: { on: '@x', cases: [{ value: 'a', activities: [act('A copy', 'Copy')] }], defaultActivities: [act('Other', 'Wait')] } }),
      act('Poll', 'Until', { typeProperties: { expression: { value: '@true', type: 'Expression' }, activities: [act('Probe', 'Lookup')] } }),
      act('Orphan', 'Wait', { dependsOn: [dep('Nowhere', 'Succeeded'), dep('Copy one', 'Succeeded')] }),
    ],
  },
};

describe('pipelineGraph (the model)', () => {
  it('has a node per activity, nested ones inside their container, a group per branch', () => {
    const g = pipelineGraph(nested);
    expect(g.pipeline).toBe('Nested');
    const byId = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    expect(Object.keys(byId).sort()).toEqual(['A copy', 'Alert', 'Check', 'Check/False', 'Check/True', 'Copy one', 'Each table', 'Log it', 'Lookup tables', 'Orphan', 'Other', 'Poll', 'Probe', 'Route', 'Route/case "a"', 'Route/default', 'Wait a bit'].sort());
    expect(byId['Copy one']).toMatchObject({ parent: 'Each table', type: 'Copy', group: false });
    expect(byId['Each table']).toMatchObject({ group: true, type: 'ForEach' });
    expect(byId['Alert']!.parent).toBe('Check/True');
    expect(byId['Wait a bit']!.parent).toBe('Check/False');
    expect(byId['Check/True']).toMatchObject({ type: 'branch', parent: 'Check', label: 'True' });
    expect(byId['A copy']!.parent).toBe('Route/case "a"');
    expect(byId['Other']!.parent).toBe('Route/default');
    expect(byId['Probe']!.parent).toBe('Poll');
    expect(byId['Lookup tables']!.parent).toBeUndefined();
  });

  it('has an edge per dependency with its conditions; one to nowhere or across lists is a problem, not an edge', () => {
    const g = pipelineGraph(nested);
    expect(g.edges).toEqual([
      { from: 'Lookup tables', to: 'Each table', conditions: ['Succeeded'] },
      { from: 'Copy one', to: 'Log it', conditions: ['Completed'] },
      { from: 'Each table', to: 'Check', conditions: ['Failed', 'Skipped'] },
    ]);
    expect(g.problems).toEqual(['Orphan depends on "Nowhere", which is not an activity beside it', 'Orphan depends on "Copy one", which is not an activity beside it']);
  });

  it('takes anything without throwing: no properties, activities that are not objects, a repeated name', () => {
    expect(pipelineGraph(null)).toEqual({ pipeline: '', nodes: [], edges: [], problems: [] });
    const g = pipelineGraph({ name: 'x', properties: { activities: [1, null, 'a', act('A', 'Wait'), act('A', 'Wait')] } });
    expect(g.nodes.map((n) => n.id)).toEqual(['A']);
    expect(g.problems[0]).toMatch(/"A" is used twice/);
  });

  it('reads the walkthrough pipeline', () => {
    const g = pipelineGraph(JSON.parse(readFileSync('examples/walkthrough/pipeline/CopySalesOrdersToBlob.json', 'utf8')));
    expect(g.nodes.map((n) => `${n.id}:${n.type}`)).toEqual(['CopySalesOrders:Copy']);
  });
});

describe('renderPipelineGraph (dagre layout, SVG)', () => {
  it('draws every activity box, every group and every labelled arrow, left to right', () => {
    const { svg, width, height } = renderPipelineGraph(pipelineGraph(nested));
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
    const boxes = [...svg.matchAll(/<g class="activity" data-activity="([^"]+)"/g)].map((m) => m[1]);
    expect(boxes.sort()).toEqual(['A copy', 'Alert', 'Check', 'Copy one', 'Each table', 'Log it', 'Lookup tables', 'Orphan', 'Other', 'Poll', 'Probe', 'Route', 'Wait a bit'].sort());
    expect([...svg.matchAll(/data-group="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(['Check', 'Check/False', 'Check/True', 'Each table', 'Poll', 'Route', 'Route/case &#34;a&#34;', 'Route/default'].sort());
    expect(svg).toContain('<g class="dependency mixed" data-from="Each table" data-to="Check">');
    expect(svg).toMatch(/data-to="Check"><path d="M[^"]+"[^>]*\/><text[^>]*>Failed, Skipped<\/text>/);
    expect(svg).toMatch(/<g class="dependency completed" data-from="Copy one" data-to="Log it">/);
    // left to right: a dependency's target box starts right of its source box
    const xOf = (name: string) => Number(new RegExp(`data-activity="${name}"[^>]*><title>[^<]*</title><rect x="([\\d.]+)"`).exec(svg)![1]);
    expect(xOf('Each table')).toBeGreaterThan(xOf('Lookup tables'));
    expect(xOf('Log it')).toBeGreaterThan(xOf('Copy one'));
    // a group holds its children: Copy one's box is inside the ForEach's rectangle
    const grp = /data-group="Each table"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
    const box = /data-activity="Copy one"[^>]*><title>[^<]*<\/title><rect x="([\d.]+)" y="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
    expect(box[0]).toBeGreaterThanOrEqual(grp[0]!);
    expect(box[0]! + 190).toBeLessThanOrEqual(grp[0]! + grp[2]!);
    expect(box[1]).toBeGreaterThanOrEqual(grp[1]!);
  });

  it('escapes names: a pipeline cannot inject markup into the page', () => {
    const { svg } = renderPipelineGraph(pipelineGraph({ name: '<script>x</script>', properties: { activities: [act('<img src=x onerror=alert(1)>', 'Wait'), act('b"&', 'Wait', { dependsOn: [dep('<img src=x onerror=alert(1)>', 'Succeeded')] })] } }));
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('data-activity="&#60;img src=x onerror=alert(1)&#62;"');
    expect(svg).toContain('data-activity="b&#34;&#38;"');
  });
});
