/**
 * A run's results folder (bench/results/run-<time>/ or docs/benchmarks/results/): one <benchmark>.json per
 * benchmark and run.json (machine, versions, load average, an optional note). `writeRunReport` renders chart.svg and
 * the Markdown page from it (chart.ts, markdown.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchReport } from '../harness.js';
import { renderChart } from './chart.js';
import { renderMarkdown } from './markdown.js';

export interface LoadSummary {
  min: number;
  max: number;
  mean: number;
  samples: number;
  /** % of all CPUs' time the hypervisor gave to other guests meanwhile (/proc/stat steal) */
  stealPercent?: number;
}

export interface Machine {
  cpus: number;
  cpuModel?: string;
  memoryGB: number;
  node: string;
  platform: string;
}

export interface ResultFile extends BenchReport {
  started: string;
  finished: string;
  machine: Machine;
  loadAverage?: LoadSummary;
}

export interface RunInfo {
  started: string;
  finished: string;
  args: { rows: number | null; repeat: number; only: string[] | null };
  machine: Machine;
  versions: Record<string, string>;
  loadAverage: LoadSummary;
  /** what the numbers should be read with (e.g. "the machine was shared"), from `bench:doc --note` */
  note?: string;
}

export interface Run {
  info?: RunInfo;
  results: ResultFile[];
}

export function readRun(dir: string): Run {
  if (!existsSync(dir)) throw new Error(`no results folder ${dir}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const parse = <T>(f: string): T => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
    } catch (e) {
      throw new Error(`${join(dir, f)} is not a results file: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  const results = files.filter((f) => f !== 'run.json').map((f) => parse<ResultFile>(f));
  if (!results.length) throw new Error(`${dir} holds no <benchmark>.json results`);
  results.sort((a, b) => a.started.localeCompare(b.started));
  return { info: files.includes('run.json') ? parse<RunInfo>('run.json') : undefined, results };
}

/** Writes `chartDir`/chart.svg and `mdFile` (default `chartDir`/BENCHMARKS.md), the page linking the chart relatively. */
export function writeRunReport(resultsDir: string, chartDir: string, mdFile = join(chartDir, 'BENCHMARKS.md')): { chart: string; markdown: string } {
  const run = readRun(resultsDir);
  mkdirSync(chartDir, { recursive: true });
  const chart = join(chartDir, 'chart.svg');
  writeFileSync(chart, renderChart(run));
  const rel = (p: string) => relative(join(mdFile, '..'), p) || '.';
  writeFileSync(mdFile, renderMarkdown(run, { chart: rel(chart), results: rel(resultsDir) }));
  return { chart, markdown: mdFile };
}
