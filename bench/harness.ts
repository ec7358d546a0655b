/**
 * The benchmark harness: what a benchmark is, how a child process is timed and its memory watched, how checks
 * against targets are stated, and how results are printed and saved. One benchmark per file under bench/;
 * run.ts lists them. Benchmarks report; they never fail the build.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface BenchOptions {
  /** rows of the source table (scaled-down runs pass --rows) */
  rows: number;
  /** each measurement is repeated this often; the fastest run counts (noise only ever adds time) */
  repeat: number;
  /** a scratch folder on the disk the file measurements use */
  scratch: string;
  log(line: string): void;
}

export interface Measurement {
  /** e.g. `file: raw psql \copy` */
  name: string;
  /** baseline: a raw limit (the stores' own tools); peer: another product doing the same copy; engine: ours */
  role: 'baseline' | 'reference' | 'peer' | 'engine';
  seconds: number;
  rows: number;
  bytes: number;
  /** peak resident set of the measured process (tree), when it was a child process */
  peakRssBytes?: number;
  note?: string;
}

export interface Check {
  name: string;
  value: number;
  /** what `value` is compared with, as text: `≥ 0.80` */
  target: string;
  met: boolean;
  unit?: string;
}

export interface BenchReport {
  name: string;
  summary: string;
  params: Record<string, unknown>;
  measurements: Measurement[];
  checks: Check[];
  notes: string[];
  skipped?: string;
  /** the copy paths measured, each naming its measurements (the table and chart of docs/BENCHMARKS.md) */
  paths?: PathSummary[];
}

/** One copy path: the names of its measurements in the report (raw limits may be shared between paths). */
export interface PathSummary {
  /** e.g. `MariaDB → Parquet blob` */
  path: string;
  ours: string[];
  rawRead?: string;
  rawWrite?: string;
  /** ours ÷ min(raw read, raw write) must reach this (rows/s) */
  target: number;
  peers: { name: string; target: number }[];
}

export interface Benchmark {
  name: string;
  summary: string;
  /** run only when named with --only (e.g. the 100M-row run) */
  optIn?: boolean;
  /** --rows when none is given (default 10M) */
  defaultRows?: number;
  run(opts: BenchOptions): Promise<BenchReport>;
}

export const MB = 1e6;

export const rate = (m: Measurement) => ({ rowsPerSecond: m.rows / m.seconds, mbPerSecond: m.bytes / MB / m.seconds });

/** `value ≥ target` as a Check. */
export function atLeast(name: string, value: number, target: number): Check {
  return { name, value, target: `≥ ${target.toFixed(2)}`, met: value >= target };
}

export function below(name: string, value: number, target: number, unit: string): Check {
  return { name, value, target: `< ${target} ${unit}`, met: value < target, unit };
}

/** Runs `fn` `repeat` times and keeps the fastest measurement (after `between`, e.g. deleting the output). */
export async function fastest(repeat: number, fn: () => Promise<Measurement>, between?: () => Promise<void>): Promise<Measurement> {
  let best: Measurement | undefined;
  for (let i = 0; i < repeat; i++) {
    if (i > 0) await between?.();
    const m = await fn();
    if (!best || m.seconds < best.seconds) best = m;
  }
  return best!;
}

export interface ChildRun {
  code: number;
  seconds: number;
  /** highest sum of VmRSS over the process and its descendants, or its own VmHWM if higher */
  peakRssBytes: number;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /** stdout is redirected here (a file path) instead of being captured */
  stdoutFile?: string;
  onStdoutLine?(line: string): void;
}

const RSS_SAMPLE_MS = 50;

/** Starts a process, times it to exit, and samples the memory of its whole process tree from /proc. */
export async function runMeasured(command: string, args: string[], opts: ChildOptions = {}): Promise<ChildRun> {
  const outFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : undefined;
  const t0 = performance.now();
  const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', outFd ?? 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => (opts.onStdoutLine ? opts.onStdoutLine(l) : (stdout += `${l}\n`)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let peak = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    peak = Math.max(peak, treeRss(child.pid));
  };
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, signal) => {
      resolve(c ?? (signal ? 128 : 1));
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  if (outFd !== undefined) closeSync(outFd);
  await new Promise((r) => setImmediate(r));
  return { code, seconds, peakRssBytes: peak, stdout, stderr };
}

/** Sum of VmRSS (and the root's own VmHWM, whichever is larger) over `pid` and its descendants, in bytes. */
function treeRss(pid: number): number {
  const status = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      return '';
    }
  };
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const root = status(pid);
  let sum = 0;
  for (const p of [pid, ...descendants(pid)]) sum += kb(p === pid ? root : status(p), 'VmRSS');
  return Math.max(sum, kb(root, 'VmHWM'));
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: string[] = [];
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) kids.push(...readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch {
      kids = [];
    }
    for (const k of kids) {
      out.push(Number(k));
      walk(Number(k));
    }
  };
  walk(pid);
  return out;
}

/** A fixed-width table of measurements then checks (ratios shown rounded down, so a miss never prints as the target). */
export function formatReport(r: BenchReport): string {
  const lines = [`${r.name} — ${r.summary}`];
  if (r.skipped) return `${lines[0]}\n  SKIPPED: ${r.skipped}\n`;
  lines.push(`  ${Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join('  ')}`);
  const head = ['measurement', 'time s', 'rows/s', 'MB/s', 'MB', 'peak RSS MB'];
  const rows = r.measurements.map((m) => {
    const t = rate(m);
    return [m.name, m.seconds.toFixed(2), Math.round(t.rowsPerSecond).toLocaleString('en-US'), t.mbPerSecond.toFixed(1), (m.bytes / MB).toFixed(0), m.peakRssBytes ? (m.peakRssBytes / MB).toFixed(0) : ''];
  });
  lines.push(...table([head, ...rows]));
  if (r.checks.length) {
    lines.push('');
    lines.push(...table([['check', 'value', 'target', 'result'], ...r.checks.map((c) => [c.name, c.unit ? `${c.value.toFixed(0)} ${c.unit}` : (Math.floor(c.value * 100) / 100).toFixed(2), c.target, c.met ? 'met' : 'NOT MET'])]));
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, ri) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}${ri === 0 ? `\n  ${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''}`);
}
