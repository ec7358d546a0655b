/** The demo's last words: the source table against the blobs (the verdict), the copy's figures, time per stage. */
import { formatBytes, formatCount, formatSeconds } from './format.js';
import { checksumHex, type TableChecksum } from './rowChecksum.js';
import type { Stages } from './stages.js';
import type { BlobVerification } from './verifyBlobs.js';

export interface CopyFigures {
  copyMs: number;
  /** the engine's own validateDataConsistency verdict, when it reported one */
  engineOk?: boolean;
  /** service mode: createRun → the worker's activity start */
  pickupMs?: number;
  /** service mode: which node ran it, on which attempt */
  node?: string;
}

export function printSummary(out: NodeJS.WritableStream, source: TableChecksum, sink: BlobVerification, copy: CopyFigures, stages: Stages, totalMs: number): boolean {
  const rowsMatch = Number(source.rows) === sink.rows;
  const sumMatch = source.sum === sink.sum;
  const verdict = (b: boolean) => (b ? 'match' : 'MISMATCH');
  const csvBytes = sink.files.reduce((s, f) => s + f.textBytes, 0);
  const storedBytes = sink.files.reduce((s, f) => s + f.bytes, 0);
  const gz = sink.files.some((f) => f.gzip);
  const names = sink.files.map((f) => f.name);
  const secs = copy.copyMs / 1000;
  out.write(`\nResult\n`);
  out.write(`  rows      table ${formatCount(Number(source.rows))} = blob ${formatCount(sink.rows)}  ${verdict(rowsMatch)}\n`);
  out.write(`  checksum  table ${checksumHex(source.sum)} = blob ${checksumHex(sink.sum)}  ${verdict(sumMatch)}\n`);
  out.write(`  data      ${formatBytes(csvBytes)} of CSV${gz ? `, ${formatBytes(storedBytes)} gzip` : ''} in ${names.length} blob${names.length === 1 ? '' : 's'}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}\n`);
  out.write(`  copy      ${formatSeconds(copy.copyMs)}: ${formatCount(sink.rows / secs)} rows/s, ${(csvBytes / 1e6 / secs).toFixed(1)} MB/s of CSV\n`);
  if (copy.pickupMs !== undefined) out.write(`  pickup    ${Math.round(copy.pickupMs)} ms from createRun to the worker starting the copy${copy.node ? ` on node ${copy.node}` : ''}\n`);
  if (copy.engineOk !== undefined) out.write(`  engine    its own consistency check (validateDataConsistency): ${copy.engineOk ? 'passed' : 'FAILED'}\n`);
  out.write(`  stages\n${stages.table()}\n`);
  out.write(`  total     ${formatSeconds(totalMs)}\n\n`);
  const ok = rowsMatch && sumMatch && sink.rows > 0;
  out.write(ok ? `DEMO OK: verified ${formatCount(sink.rows)} rows, checksum match\n` : `DEMO FAILED: the blob does not hold the table's rows (${rowsMatch ? 'same count, different content' : 'row counts differ'})\n`);
  return ok;
}
