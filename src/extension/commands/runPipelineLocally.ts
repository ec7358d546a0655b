/**
 * Run Pipeline Locally: the bundled agent runs the pipeline on this machine (`dmgw run --events ndjson`) while a
 * cancellable notification shows its progress and the log channel shows its log. Cancel sends SIGTERM: the worker
 * commits nothing it has not finished (sinks commit atomically), so a cancelled run leaves no partial output.
 */
import { readFileSync } from 'node:fs';
import { parse as parseJsonc } from 'jsonc-parser';
import * as vscode from 'vscode';
import { ExitCode } from '../../common/exitCodes';
import { resourceFileOf } from '../../common/model/factoryRoots';
import { activityLabel, activityLine, formatRunSummary, outputSummary, NdjsonLineSplitter, parseRunEventLine, RunSummaryBuilder, type RunSummary } from '../../common/runEventStream';
import type { RunEvent } from '../../common/events';
import { ext } from '../extensionVariables';
import { localRunEvents } from '../graph/runEvents';
import { localRunStore } from '../runs/localRuns';
import { askParameters, declaredParameters } from './pipelineParameters';
import { pickResourceFile, type ResourceTarget } from './pickResourceFile';

export interface LocalRunResult extends RunSummary {
  exitCode: number | null;
  cancelled: boolean;
  /** what the worker printed on stderr (already redacted by the agent) */
  stderr: string;
  /** the summary the user is shown (notification and log) */
  summaryText?: string;
  /** its record in the Runs view (runs/localRuns.ts) */
  localRunId?: string;
}

/** For callers other than the palette (tests, other commands): watch the events, cancel from outside. */
export interface LocalRunOptions {
  onEvent?: (e: RunEvent) => void;
  token?: vscode.CancellationToken;
  /** the pipeline's parameters, instead of asking for them */
  parameters?: Record<string, string>;
}

export async function runPipelineLocally(target?: ResourceTarget, options: LocalRunOptions = {}): Promise<LocalRunResult | undefined> {
  const uri = await pickResourceFile(target, 'pipeline', 'pipeline');
  if (!uri) return undefined;
  const file = resourceFileOf(uri.fsPath);
  if (!file) return undefined;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
  if (document?.isDirty) await document.save();
  const text = document?.getText() ?? readFileSync(uri.fsPath, 'utf8');
  const pipeline = pipelineName(text, file.stem);
  const declared = declaredParameters(text);
  const parameters = options.parameters ?? (declared.length ? await askParameters(ext.context.workspaceState, file.factoryDir, pipeline, declared) : {});
  if (!parameters) return undefined;
  const paramArgs = Object.entries(parameters).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
  ext.log.show(true);
  ext.log.info(`Run Pipeline Locally: ${pipeline} in ${file.factoryDir}${paramArgs.length ? ` with ${Object.keys(parameters).join(', ')}` : ''}`);

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Running ${pipeline} locally`, cancellable: true },
    (progress, token) =>
      new Promise<LocalRunResult>((resolve) => {
        const child = ext.agent.spawn(['run', '--factory', file.factoryDir, '--pipeline', pipeline, ...paramArgs, '--events', 'ndjson'], { cwd: file.factoryDir });
        const builder = new RunSummaryBuilder();
        const lines = new NdjsonLineSplitter();
        let stderr = '';
        let cancelled = false;
        let lastPct = 0;
        // the Runs view lists it, can cancel it and run it again
        const recorder = localRunStore.current?.begin({ pipeline, pipelineFile: uri.fsPath, factoryDir: file.factoryDir, parameters, secure: declared.filter((p) => p.type === 'SecureString').map((p) => p.name), cancel: () => cancel() });
        const onEvent = (e: RunEvent) => {
          builder.apply(e);
          options.onEvent?.(e);
          recorder?.event(e);
          localRunEvents.fire({ factoryDir: file.factoryDir, pipeline, event: e });
          logEvent(e);
          if (e.event === 'progress') {
            const pct = e.rowsTotal ? Math.min(100, (100 * e.rowsWritten) / e.rowsTotal) : undefined;
            const increment = pct !== undefined ? Math.max(0, pct - lastPct) : undefined;
            if (pct !== undefined) lastPct = pct;
            progress.report({ increment, message: `${e.activity}: ${e.rowsWritten.toLocaleString('en-US')}${e.rowsTotal ? ` of ${e.rowsTotal.toLocaleString('en-US')}` : ''} rows, ${Math.round(e.rowsPerSecond).toLocaleString('en-US')} rows/s` });
          } else if (e.event === 'activity-started') progress.report({ message: `${activityLabel(e)} started` });
          else if (e.event === 'activity-finished') progress.report({ message: activityLine(e) });
        };
        const onLine = (line: string) => {
          const parsed = parseRunEventLine(line);
          if ('event' in parsed) onEvent(parsed.event);
          else ext.log.info(parsed.text);
        };
        child.stdout!.on('data', (b: Buffer) => lines.push(b).forEach(onLine));
        child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString();
          for (const l of b.toString().split('\n')) {
            if (!l.trim()) continue;
            ext.log.warn(l);
            recorder?.log(l);
          }
        });
        const cancel = () => {
          if (cancelled) return;
          cancelled = true;
          ext.log.warn(`cancelling ${pipeline}: stopping the worker (SIGTERM)`);
          child.kill('SIGTERM');
          // A worker that does not stop within 10 s is killed outright; it has committed nothing unfinished.
          setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 10_000).unref();
        };
        const subs = [token.onCancellationRequested(cancel), ...(options.token ? [options.token.onCancellationRequested(cancel)] : [])];
        child.on('error', (err) => ext.log.error(`could not start the agent: ${err.message}`));
        child.on('close', (code) => {
          for (const x of subs) x.dispose();
          lines.end().forEach(onLine);
          const result: LocalRunResult = { ...builder.summary, exitCode: code, cancelled, stderr };
          if (cancelled && !result.status) result.status = 'Cancelled';
          recorder?.end({ status: result.status, durationMs: result.durationMs, error: result.error?.message ?? (code === 0 ? undefined : stderr.trim().split('\n')[0] || `the agent exited with ${code}`), exitCode: code });
          if (recorder) result.localRunId = recorder.id;
          result.summaryText = report(result);
          resolve(result);
        });
      }),
  );
}

function pipelineName(text: string | undefined, stem: string): string {
  // a factory file may carry comments (jsonc), as every dmgw tool accepts
  const name = text ? (parseJsonc(text) as { name?: unknown } | undefined)?.name : undefined;
  return typeof name === 'string' && name ? name : stem;
}

function logEvent(e: RunEvent): void {
  switch (e.event) {
    case 'log': {
      const msg = e.activity ? `[${e.activity}] ${e.message}` : e.message;
      if (e.level === 'error') ext.log.error(msg);
      else if (e.level === 'warn') ext.log.warn(msg);
      else if (e.level === 'verbose') ext.log.debug(msg);
      else ext.log.info(msg);
      break;
    }
    case 'run-started':
      ext.log.info(`run ${e.runId} of ${e.pipeline} started`);
      break;
    case 'activity-started':
      ext.log.info(`[${activityLabel(e)}] ${e.activityType} started`);
      break;
    case 'progress':
      ext.log.trace(`[${e.activity}] ${e.rowsWritten} rows written, ${e.bytesWritten} bytes`);
      break;
    case 'activity-finished':
      ext.log.info(`[${activityLabel(e)}] ${e.status} in ${e.durationMs} ms${outputSummary(e.output) ? `: ${outputSummary(e.output)}` : ''}${e.error ? `: ${e.error.message}` : ''}`);
      break;
    case 'run-finished':
      ext.log.info(`run ${e.runId} ${e.status} in ${e.durationMs} ms`);
      break;
  }
}

function report(r: LocalRunResult): string {
  const text = formatRunSummary(r);
  ext.log.info(text);
  if (r.status === 'Succeeded' && r.exitCode === ExitCode.Ok) {
    void vscode.window.showInformationMessage(text.replace(/\n\s*/g, ' — '));
  } else if (r.cancelled) {
    void vscode.window.showWarningMessage(`${r.pipeline ?? 'The run'} was cancelled; nothing was committed to the sink.`);
  } else {
    const why = r.error?.message ?? (r.stderr.trim().split('\n')[0] || `the agent exited with ${r.exitCode}`);
    void vscode.window.showErrorMessage(`${r.pipeline ?? 'The pipeline'} failed: ${why}`, 'Show Log').then((c) => c && ext.log.show());
  }
  return text;
}
