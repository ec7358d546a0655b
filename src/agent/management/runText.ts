/** How a pipeline run and its activities read in a terminal (dmgw pipeline, the demo). */
import type { ActivityReport, RunReport } from './runs.js';

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

export function bytesText(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export function durationText(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The figures a Copy reports (ADF's output names), in words; other activities' outputs as key=value. */
export function outputText(output: Record<string, unknown> | undefined): string {
  if (!output) return '';
  const num = (k: string): number | undefined => (typeof output[k] === 'number' ? (output[k] as number) : undefined);
  const parts: string[] = [];
  const rowsCopied = num('rowsCopied') ?? num('rowsWritten');
  const rowsRead = num('rowsRead');
  if (rowsRead !== undefined && rowsRead !== rowsCopied) parts.push(`${count(rowsRead)} rows read`);
  if (rowsCopied !== undefined) parts.push(`${count(rowsCopied)} rows copied`);
  const read = num('dataRead') ?? num('bytesRead');
  const written = num('dataWritten') ?? num('bytesWritten');
  if (read !== undefined) parts.push(`${bytesText(read)} read`);
  if (written !== undefined) parts.push(`${bytesText(written)} written`);
  const tput = num('throughput');
  if (tput !== undefined) parts.push(`${tput.toFixed(1)} KB/s`);
  // ours: {ok, sourceRows, ...}; ADF's: {VerificationResult}
  const verification = output.dataConsistencyVerification as { VerificationResult?: string; ok?: boolean } | undefined;
  if (verification) parts.push(`consistency ${verification.VerificationResult ?? (verification.ok ? 'verified' : 'MISMATCH')}`);
  if (!parts.length) {
    for (const [k, v] of Object.entries(output).slice(0, 4)) if (v === null || typeof v !== 'object') parts.push(`${k}=${String(v)}`);
  }
  return parts.join(', ');
}

export function activityText(a: ActivityReport): string {
  const details = [outputText(a.output), a.attempt && a.attempt > 1 ? `attempt ${a.attempt}` : '', durationText(a.durationMs)].filter(Boolean).join(', ');
  const error = a.error?.message ? `\n    ${a.error.errorCode ? `${a.error.errorCode}: ` : ''}${a.error.message}` : '';
  return `  ${a.name.padEnd(24)} ${a.status.padEnd(11)} ${details}${error}`;
}

export function runText(r: RunReport): string {
  const head = `run ${r.runId}  ${r.pipelineName}  ${r.status}${r.durationMs !== undefined && r.end ? ` in ${durationText(r.durationMs)}` : ''}`;
  const message = r.message ? `\n  ${r.message}` : '';
  return [head + message, ...r.activities.map(activityText)].join('\n');
}
