import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RunEvent } from '../../../src/common/events.js';
import { NdjsonLineSplitter, RunSummaryBuilder, formatBytes, formatRunSummary, parseRunEventLine } from '../../../src/common/runEventStream.js';

const t = '2026-01-01T00:00:00.000Z';
const runId = 'r1';
const events: RunEvent[] = [
  { event: 'run-started', time: t, runId, pipeline: 'CopySalesOrdersToBlob', parameters: {} },
  { event: 'activity-started', time: t, runId, activity: 'CopySalesOrders', activityType: 'Copy' },
  { event: 'progress', time: t, runId, activity: 'CopySalesOrders', rowsRead: 10, rowsWritten: 8, bytesRead: 100, bytesWritten: 80, rowsPerSecond: 8, rowsTotal: 20 },
  { event: 'log', time: t, runId, level: 'info', message: 'hello' },
  {
    event: 'activity-finished', time: t, runId, activity: 'CopySalesOrders', status: 'Succeeded', durationMs: 2500,
    output: { rowsRead: 20, rowsCopied: 20, dataRead: 2048, dataWritten: 3 * 1024 * 1024, copyDuration: 2, throughput: 1536, usedParallelCopies: 2, retries: 0,
      dataConsistencyVerification: { ok: true, sourceRows: 20, sinkRows: 20, sourceChecksum: 'ab'.repeat(32), sinkChecksum: 'ab'.repeat(32) } },
  },
  { event: 'run-finished', time: t, runId, status: 'Succeeded', durationMs: 2600 },
];
const stream = events.map((e) => JSON.stringify(e) + '\n').join('');

describe('NdjsonLineSplitter', () => {
  it('gives the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        const at = [...new Set(cuts)].sort((a, b) => a - b);
        const s = new NdjsonLineSplitter();
        const lines: string[] = [];
        let prev = 0;
        for (const c of [...at, stream.length]) {
          lines.push(...s.push(Buffer.from(stream.slice(prev, c))));
          prev = c;
        }
        lines.push(...s.end());
        expect(lines.map((l) => JSON.parse(l))).toEqual(events);
      }),
    );
  });

  it('keeps a last line without a newline and drops blank lines and CRs', () => {
    const s = new NdjsonLineSplitter();
    expect(s.push('a\r\n\n b')).toEqual(['a']);
    expect(s.end()).toEqual([' b'.trim()]);
  });
});

describe('parseRunEventLine', () => {
  it('recognises run events and keeps anything else as text', () => {
    expect(parseRunEventLine(JSON.stringify(events[0]))).toEqual({ event: events[0] });
    expect(parseRunEventLine('Error: boom')).toEqual({ text: 'Error: boom' });
    expect(parseRunEventLine('{"event":"something-else"}')).toEqual({ text: '{"event":"something-else"}' });
    expect(parseRunEventLine('[1,2]')).toEqual({ text: '[1,2]' });
  });
});

describe('RunSummaryBuilder + formatRunSummary', () => {
  it('sums rows and bytes and reports the checksum verdict', () => {
    const b = new RunSummaryBuilder();
    for (const e of events) b.apply(e);
    expect(b.summary).toMatchObject({ runId, pipeline: 'CopySalesOrdersToBlob', status: 'Succeeded', rowsCopied: 20, bytesWritten: 3 * 1024 * 1024 });
    expect(b.summary.lastProgress).toEqual({ activity: 'CopySalesOrders', rowsWritten: 8, rowsTotal: 20, rowsPerSecond: 8 });
    const text = formatRunSummary(b.summary);
    expect(text).toBe('CopySalesOrdersToBlob Succeeded in 2.6 s\n  CopySalesOrders: Succeeded, 20 rows, 3.0 MiB written, 1.5 MiB/s, checksum verified (20 rows match)');
  });

  it('says so when the checksums differ, and when a run ended without run-finished', () => {
    const b = new RunSummaryBuilder();
    b.apply(events[0]!);
    const bad = structuredClone(events[4]!) as Extract<RunEvent, { event: 'activity-finished' }>;
    bad.output!.dataConsistencyVerification = { ok: false, sourceRows: 20, sinkRows: 19, sourceChecksum: 'aa'.repeat(32), sinkChecksum: 'bb'.repeat(32) };
    b.apply(bad);
    const text = formatRunSummary(b.summary);
    expect(text).toContain('ended without a result');
    expect(text).toContain('checksum MISMATCH (source 20 rows aaaaaaaaaaaa, sink 19 rows bbbbbbbbbbbb)');
  });

  it('shows a failure with its hint', () => {
    const b = new RunSummaryBuilder();
    b.apply(events[0]!);
    b.apply({ event: 'run-finished', time: t, runId, status: 'Failed', durationMs: 90_500, error: { code: 'X', message: 'connection refused', hint: 'start the server' } });
    expect(formatRunSummary(b.summary)).toBe('CopySalesOrdersToBlob Failed in 1 min 31 s\n  connection refused (start the server)');
  });

  it('formats bytes in binary units', () => {
    expect([0, 1023, 1024, 1536 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 GiB']);
  });
});

describe('nested activities and other outputs', () => {
  it('names runs inside containers and child pipelines, and says what each activity did', () => {
    const b = new RunSummaryBuilder();
    const fin = (activity: string, output: Record<string, unknown> | undefined, place: Record<string, unknown> = {}) =>
      ({ event: 'activity-finished', time: t, runId, activity, status: 'Succeeded', durationMs: 5, ...(output ? { output } : {}), ...place }) as RunEvent;
    b.apply(events[0]!);
    b.apply(fin('ListTables', { count: 2, value: [{ t: 'a' }, { t: 'b' }] }));
    b.apply(fin('Top', { firstRow: { id: 1 } }));
    b.apply(fin('CopyTable', { rowsRead: 3, rowsCopied: 3, dataRead: 10, dataWritten: 2048, copyDuration: 1, throughput: 2, usedParallelCopies: 1, retries: 0 }, { activityRunId: 'x', parentActivity: 'EachTable', parentActivityRunId: 'y', iteration: 1 }));
    b.apply(fin('Clean', { filesDeleted: 1 }, { pipeline: 'Child', pipelineRunId: 'c1', parentActivity: 'RunChild', parentActivityRunId: 'z' }));
    b.apply(fin('Note', { name: 'v', value: 'done' }));
    b.apply(fin('Secret', { secureOutput: '**********' }));
    b.apply({ event: 'run-finished', time: t, runId, status: 'Succeeded', durationMs: 40 });
    expect(b.summary.rowsCopied).toBe(3);
    expect(formatRunSummary(b.summary).split('\n')).toEqual([
      'CopySalesOrdersToBlob Succeeded in 40 ms',
      '  ListTables: Succeeded, 2 rows',
      '  Top: Succeeded, first row {"id":1}',
      '  EachTable[1] › CopyTable: Succeeded, 3 rows, 2.0 KiB written, 2.0 KiB/s',
      '  Child: RunChild › Clean: Succeeded, 1 file deleted',
      '  Note: Succeeded, v = done',
      '  Secret: Succeeded',
    ]);
  });
});
