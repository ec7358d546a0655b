/**
 * The local runs the Runs view lists: each Run Pipeline Locally of this workspace is recorded by the extension (the
 * agent's `dmgw run` writes no run files of its own) in the workspace's extension storage, `runs/<id>.json` (what
 * ran, with which parameters, how it ended), `runs/<id>.ndjson` (its RunEvents, as the agent printed them, already
 * redacted) and `runs/<id>.log` (the lines its log showed). So the view keeps them across reloads, per workspace,
 * never in the factory's folder. The values of SecureString parameters are not written: a rerun asks for them again.
 * A run still going in this window can be cancelled (its `dmgw run` process gets SIGTERM, as the notification's
 * Cancel does); one whose window closed mid-run reads "ended unseen".
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../common/events';
import { MASK } from '../../common/maskSecrets';
import { activityLabel, activityLine, RunSummaryBuilder, type RunSummary } from '../../common/runEventStream';

/** Kept on disk per workspace; older runs are removed. */
export const MAX_LOCAL_RUNS = 50;

export interface LocalRunRecord {
  id: string;
  /** the run id the agent gave it (run-started) */
  runId?: string;
  pipeline: string;
  pipelineFile: string;
  factoryDir: string;
  /** as passed; a SecureString parameter's value is MASK */
  parameters: Record<string, string>;
  startedAt: string;
  endedAt?: string;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Cancelled' | 'Canceling';
  durationMs?: number;
  error?: string;
  exitCode?: number | null;
}

export interface LocalRunView extends LocalRunRecord {
  /** recorded in progress but no process of this window runs it (the window closed meanwhile) */
  orphaned: boolean;
  summary: RunSummary;
}

export class LocalRuns implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly active = new Map<string, { cancel: () => void; builder: RunSummaryBuilder }>();

  constructor(readonly dir: string) {}

  /** Starts recording a run; the caller reports its events, log lines and end to the recorder. */
  begin(r: { pipeline: string; pipelineFile: string; factoryDir: string; parameters: Record<string, string>; secure: string[]; cancel: () => void }): LocalRunRecorder {
    mkdirSync(this.dir, { recursive: true });
    const parameters = Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k, r.secure.includes(k) ? MASK : v]));
    const record: LocalRunRecord = { id: `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`, pipeline: r.pipeline, pipelineFile: r.pipelineFile, factoryDir: r.factoryDir, parameters, startedAt: new Date().toISOString(), status: 'InProgress' };
    const builder = new RunSummaryBuilder();
    this.active.set(record.id, { cancel: r.cancel, builder });
    this.write(record);
    this.prune();
    this.emitter.fire();
    return new LocalRunRecorder(this, record, builder);
  }

  /** Newest first. */
  list(): LocalRunView[] {
    if (!existsSync(this.dir)) return [];
    const out: LocalRunView[] = [];
    for (const f of readdirSync(this.dir).filter((n) => n.endsWith('.json'))) {
      try {
        const rec = JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as LocalRunRecord;
        const live = this.active.get(rec.id);
        out.push({ ...rec, orphaned: !live && (rec.status === 'InProgress' || rec.status === 'Canceling'), summary: live?.builder.summary ?? this.summaryOf(rec.id) });
      } catch {
        // a record being written, or not ours: skipped
      }
    }
    return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  get(id: string): LocalRunView | undefined {
    return this.list().find((r) => r.id === id);
  }

  running(id: string): boolean {
    return this.active.has(id);
  }

  /** SIGTERM to the run's `dmgw run` (it commits nothing unfinished); false when this window does not run it. */
  cancel(id: string): boolean {
    const live = this.active.get(id);
    if (!live) return false;
    const rec = this.read(id);
    if (rec && rec.status === 'InProgress') this.write({ ...rec, status: 'Canceling' });
    live.cancel();
    this.emitter.fire();
    return true;
  }

  logFile(id: string): string {
    return join(this.dir, `${id}.log`);
  }

  /** @internal the recorder's */
  write(r: LocalRunRecord): void {
    writeFileSync(join(this.dir, `${r.id}.json`), JSON.stringify(r, null, 2));
  }

  /** @internal the recorder's */
  read(id: string): LocalRunRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as LocalRunRecord;
    } catch {
      return undefined;
    }
  }

  /** @internal the recorder's */
  ended(id: string): void {
    this.active.delete(id);
    this.emitter.fire();
  }

  /** @internal the recorder's */
  changed(): void {
    this.emitter.fire();
  }

  private summaryOf(id: string): RunSummary {
    const b = new RunSummaryBuilder();
    const f = join(this.dir, `${id}.ndjson`);
    if (existsSync(f)) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          b.apply(JSON.parse(line) as RunEvent);
        } catch {
          // a line cut short by a crash
        }
      }
    }
    return b.summary;
  }

  private prune(): void {
    const runs = this.list();
    for (const r of runs.slice(MAX_LOCAL_RUNS)) for (const ext of ['json', 'ndjson', 'log']) rmSync(join(this.dir, `${r.id}.${ext}`), { force: true });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export class LocalRunRecorder {
  private last = 0;

  constructor(
    private readonly runs: LocalRuns,
    readonly record: LocalRunRecord,
    private readonly builder: RunSummaryBuilder,
  ) {}

  get id(): string {
    return this.record.id;
  }

  event(e: RunEvent): void {
    this.builder.apply(e);
    appendFileSync(join(this.runs.dir, `${this.id}.ndjson`), `${JSON.stringify(e)}\n`);
    const line = logLine(e);
    if (line) this.log(line);
    if (e.event === 'run-started' && !this.record.runId) {
      this.record.runId = e.runId;
      this.runs.write({ ...this.current(), runId: e.runId });
    }
    // the view follows progress, at most twice a second
    if (e.event !== 'progress' || Date.now() - this.last > 500) {
      this.last = Date.now();
      this.runs.changed();
    }
  }

  log(text: string): void {
    appendFileSync(this.runs.logFile(this.id), `${new Date().toISOString()} ${text}\n`);
  }

  end(r: { status?: 'Succeeded' | 'Failed' | 'Cancelled'; durationMs?: number; error?: string; exitCode: number | null }): void {
    const rec = this.current();
    this.runs.write({ ...rec, status: r.status ?? 'Failed', endedAt: new Date().toISOString(), durationMs: r.durationMs ?? Date.now() - Date.parse(rec.startedAt), exitCode: r.exitCode, ...(r.error ? { error: r.error } : {}) });
    this.runs.ended(this.id);
  }

  private current(): LocalRunRecord {
    return this.runs.read(this.id) ?? this.record;
  }
}

function logLine(e: RunEvent): string | undefined {
  switch (e.event) {
    case 'log':
      return `${e.level.toUpperCase()} ${e.activity ? `[${e.activity}] ` : ''}${e.message}`;
    case 'run-started':
      return `run ${e.runId} of ${e.pipeline} started`;
    case 'activity-started':
      return `[${activityLabel(e)}] ${e.activityType} started`;
    case 'activity-finished': {
      const { event: _e, time: _t, runId: _r, ...a } = e;
      return activityLine(a);
    }
    case 'run-finished':
      return `run ${e.runId} ${e.status} in ${e.durationMs} ms${e.error ? `: ${e.error.message}` : ''}`;
    default:
      return undefined;
  }
}

/** The workspace's store, set when the Runs view is registered (runs/registerRuns.ts); Run Pipeline Locally records into it. */
export const localRunStore: { current?: LocalRuns } = {};
