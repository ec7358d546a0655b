/**
 * The benchmark page generator (bench/report/): from a results folder like `npm run bench` writes, a well-formed SVG
 * with one bar per measurement of each path, and a Markdown table whose ratios are ours ÷ the slower raw limit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Measurement } from '../../../bench/harness.js';
import { readRun, writeRunReport, type ResultFile, type RunInfo } from '../../../bench/report/files.js';

const machine = { cpus: 2, cpuModel: 'Test CPU', memoryGB: 8, node: 'v24.0.0', platform: 'linux-x64' };
const load = { min: 1.5, max: 3.25, mean: 2, samples: 4, stealPercent: 7.5 };
/** a measurement of `rows` rows taking 1 s, so rows/s = rows */
const m = (name: string, role: Measurement['role'], rowsPerSecond: number, peakMB?: number): Measurement => ({ name, role, seconds: 1, rows: rowsPerSecond, bytes: rowsPerSecond * 100, peakRssBytes: peakMB && peakMB * 1e6 });

const mariadb: ResultFile = {
  name: 'mariadb',
  summary: 'MariaDB table → PostgreSQL table',
  params: { rows: 100000 },
  measurements: [m('raw read <mariadb>', 'baseline', 400_000), m('raw write & psql', 'baseline', 250_000), m('peer: pgloader', 'peer', 40_000), m('MariaDB → PostgreSQL ×1', 'engine', 200_000, 150), m('MariaDB → PostgreSQL ×4', 'engine', 240_000, 180)],
  checks: [{ name: 'MariaDB → PostgreSQL ×1 ÷ min(raw read, raw write)', value: 0.8, target: '≥ 0.90', met: false }],
  notes: ['a note with a | pipe'],
  paths: [{ path: 'MariaDB → PostgreSQL', ours: ['MariaDB → PostgreSQL ×1', 'MariaDB → PostgreSQL ×4'], rawRead: 'raw read <mariadb>', rawWrite: 'raw write & psql', target: 0.9, peers: [{ name: 'peer: pgloader', target: 3 }] }],
  started: '2026-01-01T10:00:00.000Z',
  finished: '2026-01-01T10:05:00.000Z',
  machine,
  loadAverage: load,
};
const skipped: ResultFile = { name: 'pickup', summary: 'job pickup', params: {}, measurements: [], checks: [], notes: [], skipped: 'PostgreSQL is not reachable', started: '2026-01-01T10:06:00.000Z', finished: '2026-01-01T10:06:01.000Z', machine };
const info: RunInfo = { started: '2026-01-01T10:00:00.000Z', finished: '2026-01-01T10:07:00.000Z', args: { rows: 100000, repeat: 1, only: null }, machine, versions: { PostgreSQL: '15.20', MariaDB: '10.11.19' }, loadAverage: load, note: 'The machine was shared.' };

/** Throws unless every tag is closed in order and no text holds a bare `<` or `&`. */
function assertWellFormed(xml: string): number {
  const stack: string[] = [];
  let elements = 0;
  for (const tok of xml.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!tok.startsWith('<')) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(tok)) throw new Error(`bare & in ${tok}`);
      continue;
    }
    if (/^<\//.test(tok)) {
      const name = /^<\/([\w:-]+)>$/.exec(tok)?.[1];
      if (!name || stack.pop() !== name) throw new Error(`unbalanced ${tok}`);
      continue;
    }
    const open = /^<([\w:-]+)(\s+[\w:-]+="[^"<]*")*\s*(\/?)>$/.exec(tok);
    if (!open) throw new Error(`bad tag ${tok}`);
    elements++;
    if (!open[3]) stack.push(open[1]!);
  }
  if (stack.length) throw new Error(`unclosed ${stack.join(', ')}`);
  return elements;
}

describe('bench report (chart and page)', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function folder(): string {
    dir = mkdtempSync(join(tmpdir(), 'dmgw-bench-report-'));
    writeFileSync(join(dir, 'mariadb.json'), JSON.stringify(mariadb));
    writeFileSync(join(dir, 'pickup.json'), JSON.stringify(skipped));
    writeFileSync(join(dir, 'run.json'), JSON.stringify(info));
    return dir;
  }

  it('writes a well-formed SVG with a bar per measurement of the path and the values, escaped', () => {
    const out = writeRunReport(folder(), join(dir, 'out'));
    const svg = readFileSync(out.chart, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(assertWellFormed(svg)).toBeGreaterThan(10);
    expect(svg.match(/<rect x="\d+" y="\d+" width="[\d.]+" height="14" fill=/g)).toHaveLength(5);
    expect(svg).toContain('raw read &lt;mariadb&gt;');
    expect(svg).toContain('raw write &amp; psql');
    expect(svg).toContain('240k rows/s');
    expect(svg).toContain('load average 1.5–3.3');
  });

  it('writes the page: machine, load, note, the path row with ratios against the slower raw limit and the peer, every check', () => {
    const out = writeRunReport(folder(), join(dir, 'out'), join(dir, 'BENCHMARKS.md'));
    const md = readFileSync(out.markdown, 'utf8');
    expect(md).toContain('| 2 | Test CPU | 8 GB | v24.0.0 | 15.20 | 10.11.19 |');
    expect(md).toContain('Load average (1 min) during the run: 1.5–3.3, mean 2.0');
    expect(md).toContain('CPU time taken by the hypervisor (steal): 7.5%');
    expect(md).toContain('The machine was shared.');
    expect(md).toContain('](out/chart.svg)');
    // 200k and 240k against min(400k, 250k) = 250k: 0.80 and 0.96; against pgloader's 40k: 5.00 and 6.00
    const row = md.split('\n').find((l) => l.startsWith('| MariaDB → PostgreSQL |'))!;
    expect(row).toContain('| 200,000 / 240,000 |');
    expect(row).toContain('0.80 / 0.96 (≥ 0.90) partly');
    expect(row).toContain('pgloader 40,000: 5.00 / 6.00 (≥ 3.00) met');
    expect(row).toContain('| 150 / 180 |');
    expect(md).toContain('| MariaDB → PostgreSQL ×1 ÷ min(raw read, raw write) | 0.80 | ≥ 0.90 | **not met** |');
    expect(md).toContain('- a note with a | pipe');
    expect(md).toContain('Skipped: PostgreSQL is not reachable');
  });

  it('says which folder is not a results folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'dmgw-bench-report-'));
    expect(() => readRun(dir)).toThrow(/holds no <benchmark>.json results/);
    writeFileSync(join(dir, 'x.json'), '{ not json');
    expect(() => readRun(dir)).toThrow(/x\.json is not a results file/);
  });
});
