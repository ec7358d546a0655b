/**
 * The benchmark chart as SVG, written by hand: horizontal bars of rows/s per copy path — ours (×1, ×4 partitions)
 * beside the raw limits and the peers measured in the same run — each path scaled to its own largest bar (a raw
 * limit over 3× the rest, like a file read from the page cache, is drawn cut), with the value printed and a dashed line at target × min(raw read, raw write).
 * A chart library would bring a DOM or a canvas to draw a few dozen rectangles; this is 100 lines and no dependency.
 */
import type { Measurement } from '../harness.js';
import type { Run } from './files.js';
import { pathRows, rps } from './paths.js';

const W = 960;
const LABEL_W = 330;
const BAR_MAX = 440;
const BAR_H = 14;
const GAP = 4;
const COLOR = { ours: '#1f6fb4', raw: '#a0a0a0', peer: '#e8821c', limit: '#c0392b' };

export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0));

/**
 * The value a full bar stands for: the largest bar, unless a raw limit is over 3× everything else (a file read
 * from the page cache): then the largest of the rest, and that bar is drawn cut.
 */
function scaleOf(all: number[], oursAndPeers: number[], limits: number[]): number {
  const core = Math.max(1, ...oursAndPeers, limits.length ? Math.min(...limits) : 0);
  return Math.max(...all.filter((v) => v <= 3 * core), core);
}

export function renderChart(run: Run): string {
  const rows = pathRows(run);
  const out: string[] = [];
  let y = 20;
  const text = (x: number, yy: number, s: string, attrs = '') => out.push(`<text x="${x}" y="${yy}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`);
  text(10, y, 'dmgw copy paths: rows/s, ours beside the raw limits and the peers (same run)', 'font-size="15" font-weight="bold"');
  y += 18;
  const m = run.info?.machine ?? run.results[0]?.machine;
  const load = run.info?.loadAverage;
  text(10, y, `${m ? `${m.cpus} cores, ${m.memoryGB} GB, Node ${m.node}` : ''}${load ? `; load average ${load.min.toFixed(1)}–${load.max.toFixed(1)}` : ''}; each path scaled to its own largest bar`, 'fill="#555"');
  y += 18;
  let lx = 10;
  for (const [label, color] of [['ours (dmgw)', COLOR.ours], ['raw limit (store tools)', COLOR.raw], ['peer', COLOR.peer], ['target × min(raw read, raw write)', COLOR.limit]] as const) {
    if (color === COLOR.limit) out.push(`<line x1="${lx}" y1="${y - 10}" x2="${lx}" y2="${y + 2}" stroke="${color}" stroke-dasharray="3,2" stroke-width="2"/>`);
    else out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${color}"/>`);
    text(lx + 16, y, label);
    lx += 40 + label.length * 6.5;
  }
  y += 14;
  if (!rows.length) {
    y += 16;
    text(10, y, 'no copy paths in these results');
  }
  for (const r of rows) {
    y += 22;
    text(10, y, `${r.path} — ${r.rows.toLocaleString('en-US')} rows`, 'font-weight="bold"');
    y += 6;
    const bars: { label: string; m: Measurement; color: string }[] = [
      ...r.ours.map((x) => ({ label: x.name.startsWith(r.path) ? `ours ${x.name.slice(r.path.length).trim()}` : x.name, m: x, color: COLOR.ours })),
      ...[r.rawRead, r.rawWrite].filter((x): x is Measurement => !!x).map((x) => ({ label: x.name.replace(/^(MariaDB|PostgreSQL|file) (raw (read|write))/, '$2'), m: x, color: COLOR.raw })),
      ...r.peers.map((p) => ({ label: p.m.name, m: p.m, color: COLOR.peer })),
    ];
    const limits = [r.rawRead, r.rawWrite].filter((x): x is Measurement => !!x).map(rps);
    const max = scaleOf(bars.map((b) => rps(b.m)), [...r.ours, ...r.peers.map((p) => p.m)].map(rps), limits);
    const top = y;
    for (const b of bars) {
      const v = rps(b.m);
      const clipped = v > max * 1.001;
      const w = clipped ? BAR_MAX + 20 : Math.max(1, (v / max) * BAR_MAX);
      text(LABEL_W - 8, y + BAR_H - 3, b.label.length > 52 ? `${b.label.slice(0, 51)}…` : b.label, 'text-anchor="end"');
      out.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${b.color}"><title>${escapeXml(`${b.m.name}: ${Math.round(v).toLocaleString('en-US')} rows/s`)}</title></rect>`);
      if (clipped) out.push(`<path d="M${LABEL_W + BAR_MAX - 4} ${y + BAR_H + 1} l8 ${-BAR_H - 2} m6 0 l-8 ${BAR_H + 2}" stroke="#fff" stroke-width="3" fill="none"/>`);
      text(LABEL_W + w + 6, y + BAR_H - 3, `${fmt(v)} rows/s${clipped ? ' (bar cut)' : ''}`);
      y += BAR_H + GAP;
    }
    if (limits.length) {
      const x = LABEL_W + ((r.target * Math.min(...limits)) / max) * BAR_MAX;
      out.push(`<line x1="${x.toFixed(1)}" y1="${top - 2}" x2="${x.toFixed(1)}" y2="${y - GAP + 2}" stroke="${COLOR.limit}" stroke-dasharray="3,2" stroke-width="2"/>`);
    }
  }
  const h = y + 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    '<title>dmgw benchmarks: rows/s per copy path</title>',
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
