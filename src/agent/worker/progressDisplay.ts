/**
 * The human view of run events on stderr (`dmgw run` without `--events`): one line per activity start and
 * end, warnings and errors as they come, and a progress line (rows, bytes, rate, ETA when the size is
 * known) redrawn in place on a terminal, or printed every few seconds into a log file.
 */
import { isCopyOutput, type RunEvent } from '../../common/events.js';
import { activityLabel, outputSummary } from '../../common/runEventStream.js';

const num = (n: number) => n.toLocaleString('en-US');

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n.toFixed(u ? 1 : 0)} ${units[u]}`;
}

export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressDisplay(out: { write(s: string): unknown; isTTY?: boolean }, verbose = false): (e: RunEvent) => void {
  const tty = !!out.isTTY;
  let lastPrint = 0;
  let drawn = false;
  const line = (s: string) => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
    out.write(`${s}\n`);
  };
  return (e) => {
    switch (e.event) {
      case 'run-started':
        line(`run ${e.runId}: pipeline ${e.pipeline}`);
        break;
      case 'activity-started':
        line(`▶ ${activityLabel(e)} (${e.activityType})`);
        break;
      case 'progress': {
        const eta = e.rowsTotal && e.rowsPerSecond > 0 && e.rowsTotal > e.rowsRead ? `  ETA ${humanDuration(((e.rowsTotal - e.rowsRead) / e.rowsPerSecond) * 1000)}` : '';
        const parts = e.partitions && e.partitions > 1 ? `  [${e.partitionsDone ?? 0}/${e.partitions} partitions]` : '';
        const text = `  ${e.activity}: ${num(e.rowsRead)}${e.rowsTotal ? ` of ~${num(e.rowsTotal)}` : ''} rows  ${humanBytes(e.bytesWritten)} written  ${num(e.rowsPerSecond)} rows/s${eta}${parts}`;
        if (tty) {
          out.write(`\r\x1b[K${text}`);
          drawn = true;
        } else if (Date.now() - lastPrint >= 5000) {
          lastPrint = Date.now();
          out.write(`${text}\n`);
        }
        break;
      }
      case 'log':
        if (e.level === 'verbose' && !verbose) break;
        line(`  ${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
        break;
      case 'activity-finished': {
        const o = e.output;
        const other = outputSummary(o);
        const detail = isCopyOutput(o) ? `: ${num(o.rowsCopied)} rows, ${humanBytes(o.dataWritten)} in ${o.copyDuration.toFixed(1)} s (${num(Math.round(o.rowsCopied / Math.max(o.copyDuration, 0.001)))} rows/s)${o.retries ? `, ${o.retries} retries` : ''}${o.dataConsistencyVerification ? `, consistency ${o.dataConsistencyVerification.ok ? 'verified' : 'FAILED'}` : ''}` : other ? `: ${other}` : '';
        line(`${e.status === 'Succeeded' ? '✔' : '✖'} ${activityLabel(e)} ${e.status}${detail}${e.error ? `: ${e.error.message}${e.error.hint ? ` — ${e.error.hint}` : ''}` : ''}`);
        break;
      }
      case 'run-finished':
        line(`run ${e.status} in ${humanDuration(e.durationMs)}${e.error ? `: ${e.error.message}` : ''}`);
        break;
    }
  };
}
