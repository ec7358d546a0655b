/**
 * Reading a worker's `--events ndjson` stream: chunks of stdout in, RunEvents out, and the run's summary
 * (rows, bytes, throughput, checksum verdict) built from them. Pure, so the VS Code extension, the demo and
 * tests share one reader and one summary text.
 */
import { isCopyOutput, type ActivityPlace, type ActivityRunOutput, type RunEvent } from './events.js';

const KNOWN = new Set(['run-started', 'activity-started', 'progress', 'log', 'activity-finished', 'run-finished']);

/** Splits a byte/character stream into lines; a line may arrive across several chunks. */
export class NdjsonLineSplitter {
  private rest = '';

  push(chunk: string | Buffer): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  }

  /** The last line when the stream ended without a newline. */
  end(): string[] {
    const last = this.rest.trim();
    this.rest = '';
    return last ? [last] : [];
  }
}

/** A line that is not a run event (a stray print, a crash message) is kept as text, never dropped. */
export type ParsedLine = { event: RunEvent } | { text: string };

export function parseRunEventLine(line: string): ParsedLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { text: line };
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && KNOWN.has((v as { event?: string }).event ?? '')) return { event: v as RunEvent };
  return { text: line };
}

export interface ActivitySummary extends ActivityPlace {
  activity: string;
  activityType?: string;
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs: number;
  output?: ActivityRunOutput;
  error?: { code: string; message: string; hint?: string };
}

export interface RunSummary {
  runId?: string;
  pipeline?: string;
  /** undefined while the run has not said it finished (a crash leaves it so) */
  status?: 'Succeeded' | 'Failed' | 'Cancelled';
  durationMs?: number;
  error?: { code: string; message: string; hint?: string };
  activities: ActivitySummary[];
  rowsCopied: number;
  bytesWritten: number;
  /** the last progress seen, for a progress bar */
  lastProgress?: { activity: string; rowsWritten: number; rowsTotal?: number; rowsPerSecond: number };
}

/** Folds events into a summary; call `apply` for each event as it arrives. */
export class RunSummaryBuilder {
  readonly summary: RunSummary = { activities: [], rowsCopied: 0, bytesWritten: 0 };

  apply(e: RunEvent): void {
    const s = this.summary;
    s.runId ??= e.runId;
    switch (e.event) {
      case 'run-started':
        s.pipeline = e.pipeline;
        break;
      case 'progress':
        s.lastProgress = { activity: e.activity, rowsWritten: e.rowsWritten, rowsTotal: e.rowsTotal, rowsPerSecond: e.rowsPerSecond };
        break;
      case 'activity-finished': {
        const { event: _e, time: _t, runId: _r, ...a } = e;
        s.activities.push(a);
        if (isCopyOutput(e.output)) {
          s.rowsCopied += e.output.rowsCopied;
          s.bytesWritten += e.output.dataWritten;
        }
        break;
      }
      case 'run-finished':
        s.status = e.status;
        s.durationMs = e.durationMs;
        s.error = e.error;
        break;
      default:
        break;
    }
  }
}

/**
 * How an activity is named in one line: `CopyOrders`, inside a container `ForEachTable[2] › CopyOrders`, in a
 * child pipeline `LoadOne: CopyOrders`.
 */
export function activityLabel(a: { activity: string } & ActivityPlace): string {
  const parent = a.parentActivity ? `${a.parentActivity}${a.iteration !== undefined ? `[${a.iteration}]` : ''} › ` : '';
  return `${a.pipeline ? `${a.pipeline}: ` : ''}${parent}${a.activity}`;
}

const short = (v: unknown): string => {
  const t = typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
};

/** What an activity's output says in a few words: rows and bytes of a Copy, rows of a Lookup, files deleted, ... */
export function outputSummary(o: ActivityRunOutput | undefined): string {
  if (!o) return '';
  if (isCopyOutput(o)) {
    let line = `${o.rowsCopied.toLocaleString('en-US')} rows, ${formatBytes(o.dataWritten)} written, ${formatBytes((o.throughput ?? 0) * 1024)}/s`;
    const v = o.dataConsistencyVerification;
    if (v) line += v.ok ? `, checksum verified (${v.sinkRows.toLocaleString('en-US')} rows match)` : `, checksum MISMATCH (source ${v.sourceRows} rows ${v.sourceChecksum.slice(0, 12)}, sink ${v.sinkRows} rows ${v.sinkChecksum.slice(0, 12)})`;
    else if (o.checksum) line += `, checksum ${o.checksum.slice(0, 12)} (not verified)`;
    return line;
  }
  if (typeof o === 'string') return o;
  if ('firstRow' in o) return `first row ${short(o.firstRow)}`;
  if (typeof o.count === 'number' && Array.isArray(o.value)) return `${o.count.toLocaleString('en-US')} row${o.count === 1 ? '' : 's'}`;
  if (typeof o.filesDeleted === 'number') return `${o.filesDeleted} file${o.filesDeleted === 1 ? '' : 's'} deleted`;
  if (typeof o.FilteredItemsCount === 'number') return `${o.FilteredItemsCount} of ${String(o.ItemsCount)} items kept`;
  if (typeof o.pipelineRunId === 'string') return `run ${o.pipelineRunId}${o.pipelineReturnValue ? `, returned ${short(o.pipelineReturnValue)}` : ''}`;
  if (typeof o.name === 'string' && 'value' in o) return `${o.name} = ${short(o.value)}`;
  if ('exists' in o || 'itemName' in o) {
    const f = ['exists', 'itemName', 'itemType', 'size', 'lastModified'].filter((k) => k in o).map((k) => `${k} ${short(o[k])}`);
    if (Array.isArray(o.childItems)) f.push(`${o.childItems.length} child items`);
    return f.join(', ');
  }
  return '';
}

/** One line about a finished activity: label, status, what it did or why it failed. */
export function activityLine(a: ActivitySummary): string {
  const what = outputSummary(a.output);
  return `${activityLabel(a)}: ${a.status}${what ? `, ${what}` : ''}${a.error ? ` — ${a.error.message}${a.error.hint ? ` (${a.error.hint})` : ''}` : ''}`;
}

/** One line per activity plus a headline: what a person wants to read when a run ends. */
export function formatRunSummary(s: RunSummary): string {
  const head = `${s.pipeline ?? 'pipeline'} ${s.status ?? 'ended without a result'}${s.durationMs !== undefined ? ` in ${formatDuration(s.durationMs)}` : ''}`;
  const lines = [head];
  for (const a of s.activities) lines.push(`  ${activityLine(a)}`);
  if (s.error && !s.activities.some((a) => a.error?.message && s.error!.message.endsWith(a.error.message))) lines.push(`  ${s.error.message}${s.error.hint ? ` (${s.error.hint})` : ''}`);
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
