/**
 * Lays a PipelineGraph out with dagre (@dagrejs/dagre: layered layout, compound groups, pure JS, synchronous, ~36 KB)
 * and draws it as SVG text: an activity is a box (`<g class="activity" data-activity=NAME>`) with its name and type,
 * a container a dashed group around what it holds (an IfCondition/Switch one group per branch), a dependency an arrow
 * labelled with its conditions and coloured by them. Every text is escaped: a pipeline's names are the user's.
 * The webview only places the text and sets `data-state` on boxes (running, Succeeded, Failed…) during a run.
 */
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { DependencyCondition, GraphNode, PipelineGraph } from './graphModel';

const BOX_W = 190;
const BOX_H = 48;
const CHAR_W = 7.2;

export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A container activity's group id (its box is a node inside the group, so edges can reach it: dagre draws no edge to a group). */
const groupOf = (n: GraphNode): string => (n.type === 'branch' ? n.id : `${n.id}#group`);

const COLOURS: Record<DependencyCondition, string> = { Succeeded: 'succeeded', Failed: 'failed', Skipped: 'skipped', Completed: 'completed' };

export interface RenderedGraph {
  svg: string;
  width: number;
  height: number;
}

export function renderPipelineGraph(model: PipelineGraph): RenderedGraph {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const parentGroup = (n: GraphNode): string | undefined => {
    if (!n.parent) return undefined;
    const p = byId.get(n.parent);
    return p ? groupOf(p) : undefined;
  };
  for (const n of model.nodes) {
    if (n.group) {
      g.setNode(groupOf(n), { label: n.type === 'branch' ? n.label : `${n.label} (${n.type})`, width: 0, height: 0, paddingTop: 26 });
      const pg = parentGroup(n);
      if (pg) g.setParent(groupOf(n), pg);
    }
    if (n.type !== 'branch') {
      g.setNode(n.id, { width: BOX_W, height: BOX_H });
      const pg = n.group ? groupOf(n) : parentGroup(n);
      if (pg) g.setParent(n.id, pg);
    }
  }
  for (const e of model.edges) {
    const label = e.conditions.join(', ');
    g.setEdge(e.from, e.to, { label, width: label.length * CHAR_W * 0.9, height: 14, labelpos: 'c' });
  }
  dagre.layout(g);
  const out: string[] = [];
  const width = Math.ceil(Number(g.graph().width ?? 0));
  const height = Math.ceil(Number(g.graph().height ?? 0));
  // groups first (outermost first), so boxes and arrows draw over them
  const depth = (id: string): number => {
    let d = 0;
    for (let p = g.parent(id); p; p = g.parent(p)) d++;
    return d;
  };
  const groups = model.nodes.filter((n) => n.group).map((n) => ({ n, id: groupOf(n) })).sort((a, b) => depth(a.id) - depth(b.id));
  for (const { n, id } of groups) {
    const l = g.node(id);
    const x = l.x! - l.width / 2;
    const y = l.y! - l.height / 2 - 14;
    out.push(`<g class="group${n.type === 'branch' ? ' branch' : ''}" data-group="${escapeXml(n.id)}"><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${l.width.toFixed(1)}" height="${(l.height + 14).toFixed(1)}" rx="6"/><text x="${(x + 8).toFixed(1)}" y="${(y + 15).toFixed(1)}">${escapeXml(clip(String(l.label ?? n.label), Math.max(8, Math.floor(l.width / CHAR_W))))}</text></g>`);
  }
  for (const e of g.edges()) {
    const l = g.edge(e);
    const m = model.edges.find((x) => x.from === e.v && x.to === e.w)!;
    const cls = m.conditions.length === 1 ? COLOURS[m.conditions[0]!] : 'mixed';
    const d = (l.points ?? []).map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    out.push(`<g class="dependency ${cls}" data-from="${escapeXml(e.v)}" data-to="${escapeXml(e.w)}"><path d="${d}" marker-end="url(#arrow-${cls})"/>${l.x !== undefined ? `<text x="${l.x.toFixed(1)}" y="${(l.y! + 4).toFixed(1)}" text-anchor="middle">${escapeXml(m.conditions.join(', '))}</text>` : ''}</g>`);
  }
  for (const n of model.nodes) {
    if (n.type === 'branch') continue;
    const l = g.node(n.id);
    const x = l.x! - BOX_W / 2;
    const y = l.y! - BOX_H / 2;
    out.push(
      `<g class="activity" data-activity="${escapeXml(n.id)}" data-type="${escapeXml(n.type)}"><title>${escapeXml(`${n.label} (${n.type})`)}</title><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${BOX_W}" height="${BOX_H}" rx="4"/><text class="name" x="${(x + 10).toFixed(1)}" y="${(y + 20).toFixed(1)}">${escapeXml(clip(n.label, 24))}</text><text class="type" x="${(x + 10).toFixed(1)}" y="${(y + 38).toFixed(1)}">${escapeXml(clip(n.type, 26))}</text></g>`,
    );
  }
  const markers = [...Object.values(COLOURS), 'mixed'].map((c) => `<marker id="arrow-${c}" class="arrow ${c}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="pipeline-graph" data-pipeline="${escapeXml(model.pipeline)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs>${markers}</defs>${out.join('')}</svg>`;
  return { svg, width, height };
}
