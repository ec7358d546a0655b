/** The rows of the path table and the bars of the chart, from a run's results: each path's measurements and ratios. */
import { rate, type Measurement } from '../harness.js';
import type { ResultFile, Run } from './files.js';

export interface PathRow {
  benchmark: string;
  path: string;
  rows: number;
  ours: Measurement[];
  rawRead?: Measurement;
  rawWrite?: Measurement;
  /** ours ÷ min(raw read, raw write), per run of ours */
  ratios: number[];
  target: number;
  peers: { m: Measurement; target: number; ratios: number[] }[];
}

export const rps = (m: Measurement) => rate(m).rowsPerSecond;

export function pathRows(run: Run): PathRow[] {
  const out: PathRow[] = [];
  for (const r of run.results) for (const p of r.paths ?? []) out.push(row(r, p));
  return out;
}

function row(r: ResultFile, p: NonNullable<ResultFile['paths']>[number]): PathRow {
  const find = (name?: string) => (name === undefined ? undefined : r.measurements.find((m) => m.name === name));
  const ours = p.ours.map(find).filter((m): m is Measurement => !!m);
  const rawRead = find(p.rawRead);
  const rawWrite = find(p.rawWrite);
  const limits = [rawRead, rawWrite].filter((m): m is Measurement => !!m).map(rps);
  const limit = limits.length ? Math.min(...limits) : NaN;
  const peers = p.peers.flatMap((x) => {
    const m = find(x.name);
    return m ? [{ m, target: x.target, ratios: ours.map((o) => rps(o) / rps(m)) }] : [];
  });
  return { benchmark: r.name, path: p.path, rows: ours[0]?.rows ?? rawRead?.rows ?? 0, ours, rawRead, rawWrite, ratios: ours.map((o) => rps(o) / limit), target: p.target, peers };
}

/** One line per path for the console: each ratio with its target, met or not (ratios rounded down). */
export function pathLine(p: PathRow): string {
  const r = (xs: number[], target: number) => `${xs.map((x) => (Math.floor(x * 100) / 100).toFixed(2)).join(' / ')} (target ≥ ${target.toFixed(2)}: ${verdict(xs, target, 'NOT MET')})`;
  return [`  ${p.path}: ${r(p.ratios, p.target)} of the raw limit`, ...p.peers.map((x) => `; ${r(x.ratios, x.target)} of ${x.m.name.replace(/^peer: /, '')}`)].join('');
}

/** met when every run of ours reaches the target, partly when some do */
export const verdict = (xs: number[], target: number, notMet = '**not met**') => (!xs.length ? '—' : xs.every((x) => x >= target) ? 'met' : xs.some((x) => x >= target) ? 'partly' : notMet);
