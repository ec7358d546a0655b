/**
 * A pipeline as a graph: one node per activity (nested ones too), one group per container (ForEach, Until, and each
 * branch of an IfCondition or Switch), one edge per dependsOn entry labelled with its conditions. Pure: built from the
 * pipeline's JSON alone, so the tests and the webview agree on what is drawn. Activity names are unique across a
 * pipeline in Data Factory, so a node's id is its activity's name; a branch group's id is `container/branch`.
 */
import { innerLists } from '../../common/model/activities';
import type { Activity } from '../../common/model/types';

export type DependencyCondition = 'Succeeded' | 'Failed' | 'Skipped' | 'Completed';

export interface GraphNode {
  id: string;
  /** the activity's name, or the branch's label (`True`, `False`, `case "a"`, `default`) */
  label: string;
  /** the activity's type; `branch` for a branch group of an IfCondition or Switch */
  type: string;
  /** the group it is drawn in: a ForEach/Until activity, or a branch group */
  parent?: string;
  /** a group: a container activity or a branch */
  group: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  conditions: DependencyCondition[];
}

export interface PipelineGraph {
  pipeline: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** what could not be drawn (a dependsOn naming no activity of its list), in words */
  problems: string[];
}

const CONDITIONS: DependencyCondition[] = ['Succeeded', 'Failed', 'Skipped', 'Completed'];

/** The branch label of each inner list of a container, in innerLists' order; undefined = no branch group (ForEach, Until). */
function branchLabels(a: Activity): Array<string | undefined> {
  const tp = (a.typeProperties ?? {}) as Record<string, unknown>;
  switch (String(a.type).toLowerCase()) {
    case 'ifcondition': {
      const out: string[] = [];
      if (Array.isArray(tp.ifTrueActivities)) out.push('True');
      if (Array.isArray(tp.ifFalseActivities)) out.push('False');
      return out;
    }
    case 'switch': {
      const cases = Array.isArray(tp.cases) ? (tp.cases as Array<{ value?: unknown; activities?: unknown }>) : [];
      const out = cases.filter((c) => Array.isArray(c?.activities)).map((c) => `case ${JSON.stringify(String(c.value ?? ''))}`);
      if (Array.isArray(tp.defaultActivities)) out.push('default');
      return out;
    }
    default:
      return innerLists(a).map(() => undefined);
  }
}

export function pipelineGraph(json: unknown): PipelineGraph {
  const doc = (json && typeof json === 'object' ? json : {}) as { name?: unknown; properties?: { activities?: unknown } };
  const g: PipelineGraph = { pipeline: typeof doc.name === 'string' ? doc.name : '', nodes: [], edges: [], problems: [] };
  const seen = new Set<string>();
  const walk = (list: unknown, parent: string | undefined) => {
    if (!Array.isArray(list)) return;
    const acts = list.filter((a): a is Activity => !!a && typeof a === 'object' && !Array.isArray(a) && typeof (a as Activity).name === 'string');
    const names = new Set(acts.map((a) => a.name));
    for (const a of acts) {
      if (seen.has(a.name)) {
        g.problems.push(`activity name "${a.name}" is used twice: Data Factory needs unique names across the pipeline`);
        continue;
      }
      seen.add(a.name);
      const inner = innerLists(a);
      g.nodes.push({ id: a.name, label: a.name, type: String(a.type ?? ''), ...(parent ? { parent } : {}), group: inner.length > 0 || /^(foreach|until|ifcondition|switch)$/i.test(String(a.type)) });
      for (const d of Array.isArray(a.dependsOn) ? a.dependsOn : []) {
        if (!d || typeof d.activity !== 'string') continue;
        if (!names.has(d.activity)) {
          g.problems.push(`${a.name} depends on "${d.activity}", which is not an activity beside it`);
          continue;
        }
        const conditions = (Array.isArray(d.dependencyConditions) ? d.dependencyConditions : []).filter((c): c is DependencyCondition => CONDITIONS.includes(c));
        g.edges.push({ from: d.activity, to: a.name, conditions: conditions.length ? conditions : ['Succeeded'] });
      }
      const labels = branchLabels(a);
      inner.forEach((l, i) => {
        const label = labels[i];
        if (label === undefined) return walk(l.list, a.name);
        const id = `${a.name}/${label}`;
        g.nodes.push({ id, label, type: 'branch', parent: a.name, group: true });
        walk(l.list, id);
      });
    }
  };
  walk(doc.properties?.activities, undefined);
  return g;
}
