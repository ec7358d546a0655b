/**
 * The demo's numbered stages: each prints its title, runs, prints one line of what it found and how long it took,
 * and keeps the time for the summary's table.
 */
import { formatSeconds } from './format.js';

export interface StageTiming {
  label: string;
  ms: number;
}

export class Stages {
  private n = 0;
  readonly timings: StageTiming[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly total: number,
  ) {}

  /** `label` is the stage's name in the summary; `title` what the user reads while it runs. */
  async run<T>(label: string, title: string, fn: () => Promise<T>, detail: (r: T) => string): Promise<T> {
    this.out.write(`[${++this.n}/${this.total}] ${title}\n`);
    const t0 = performance.now();
    const r = await fn();
    const ms = performance.now() - t0;
    this.timings.push({ label, ms });
    this.out.write(`      ${detail(r)}  (${formatSeconds(ms)})\n`);
    return r;
  }

  /** The summary's table: one line per stage. */
  table(): string {
    const width = Math.max(...this.timings.map((t) => t.label.length));
    return this.timings.map((t) => `    ${t.label.padEnd(width)}  ${formatSeconds(t.ms).padStart(7)}`).join('\n');
  }
}

export class DemoFailure extends Error {}
