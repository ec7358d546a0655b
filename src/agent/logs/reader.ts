/**
 * Reading the gateway's log: `dmgw.log` and its rotations (oldest first), as entries — a line and the indented
 * continuation lines the logger writes for multi-line values — and the entries of one run: those naming the run id,
 * plus those naming a job or worker process the run's own entries named (the host logs "job J (run R, …): worker P
 * started", then "job J: …" and "worker P: …").
 */
import { existsSync, readFileSync } from 'node:fs';
import type { GatewayHome } from '../config/home.js';

export function logFiles(home: GatewayHome, maxFiles = 100): string[] {
  const files: string[] = [];
  for (let i = maxFiles; i >= 1; i--) if (existsSync(`${home.logFile}.${i}`)) files.push(`${home.logFile}.${i}`);
  if (existsSync(home.logFile)) files.push(home.logFile);
  return files;
}

/** Splits text into entries: a continuation line (four spaces, as formatEntry indents) joins the entry before it. */
export function entriesOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('    ') && out.length) out[out.length - 1] += `\n${line}`;
    else out.push(line);
  }
  return out;
}

export function readEntries(files: string[]): string[] {
  return files.flatMap((f) => entriesOf(readFileSync(f, 'utf8')));
}

/** Keeps the entries of one run; stateful, so a `--follow` feeds it entry by entry. */
export class RunFilter {
  private readonly jobs = new Set<string>();
  private readonly workers = new Set<string>();

  constructor(private readonly runId: string) {}

  keep(entry: string): boolean {
    if (entry.includes(this.runId)) {
      const job = new RegExp(`job (\\S+) \\(run ${escape(this.runId)}`).exec(entry)?.[1];
      if (job) this.jobs.add(job);
      const worker = /worker (\d+) started/.exec(entry)?.[1];
      if (worker) this.workers.add(worker);
      return true;
    }
    for (const j of this.jobs) if (entry.includes(`job ${j}`)) {
      const worker = /worker (\d+) (started|exited)/.exec(entry)?.[1];
      if (worker) this.workers.add(worker);
      return true;
    }
    for (const w of this.workers) if (entry.includes(`worker ${w}:`)) return true;
    return false;
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
