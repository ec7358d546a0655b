/**
 * Shows a run's ndjson events as the user watches: on a terminal one line redrawn in place, otherwise (a pipe,
 * a CI log) a progress line every few seconds. Warnings, errors and info logs are printed as they come.
 */
import type { ActivityFinished, RunEvent, RunFinished } from '../common/events.js';
import { formatBytes, formatCount } from './format.js';

const PIPE_INTERVAL_MS = 3000;

export class ProgressView {
  private lastPrinted = 0;
  private lineOpen = false;
  finished?: RunFinished;
  activities: ActivityFinished[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly indent = '    ',
  ) {}

  onEvent(e: RunEvent): void {
    switch (e.event) {
      case 'run-started':
        this.print(`run ${e.runId} of pipeline ${e.pipeline} started`);
        break;
      case 'activity-started':
        this.print(`activity ${e.activity} (${e.activityType}) started`);
        break;
      case 'progress': {
        const total = e.rowsTotal ? ` / ${formatCount(e.rowsTotal)} rows (${Math.min(100, Math.floor((100 * e.rowsWritten) / e.rowsTotal))}%)` : ' rows';
        const parts = e.partitions ? `, partitions ${e.partitionsDone ?? 0}/${e.partitions}` : '';
        this.progress(`${formatCount(e.rowsWritten)}${total}, ${formatCount(Math.max(0, e.rowsPerSecond))} rows/s, ${formatBytes(e.bytesRead)}${parts}`);
        break;
      }
      case 'log':
        if (e.level !== 'verbose') this.print(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
        break;
      case 'activity-finished':
        this.activities.push(e);
        this.print(`activity ${e.activity} ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s${e.error ? `: ${e.error.message}` : ''}`);
        break;
      case 'run-finished':
        this.finished = e;
        this.print(`run ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s${e.error ? `: ${e.error.message}${e.error.hint ? ` — ${e.error.hint}` : ''}` : ''}`);
        break;
    }
  }

  /** Text the engine wrote to stderr, shown as is (it is already redacted by the engine's logger). */
  onStderr(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.print(line);
  }

  close(): void {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }

  private progress(line: string): void {
    if (this.out.isTTY) {
      const width = (this.out.columns ?? 100) - 1;
      this.out.write(`\r${(this.indent + line).slice(0, width).padEnd(width)}`);
      this.lineOpen = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPrinted < PIPE_INTERVAL_MS) return;
    this.lastPrinted = now;
    this.print(line);
  }

  private print(line: string): void {
    this.close();
    this.out.write(`${this.indent}${line}\n`);
  }
}
