/**
 * The benchmark harness's memory figure is what the "peak RSS < 200 MB" target is judged on, so it is checked
 * against processes whose memory is known: one that touches 150 MB, and one whose child does.
 */
import { describe, expect, it } from 'vitest';
import { atLeast, formatReport, runMeasured } from '../../../bench/harness.js';

const TOUCH_150MB = "const b = Buffer.alloc(150e6, 1); setTimeout(() => console.log(b[0]), 400)";

describe('bench harness', () => {
  it('sees the peak RSS of a child process', async () => {
    const r = await runMeasured(process.execPath, ['-e', TOUCH_150MB]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('1');
    expect(r.peakRssBytes).toBeGreaterThan(150e6);
    expect(r.peakRssBytes).toBeLessThan(400e6);
    expect(r.seconds).toBeGreaterThan(0.3);
  });

  it('counts the memory of descendants too', async () => {
    const parent = `const { spawnSync } = require('node:child_process'); spawnSync(process.execPath, ['-e', ${JSON.stringify(TOUCH_150MB)}], { stdio: 'inherit' })`;
    const r = await runMeasured(process.execPath, ['-e', parent]);
    expect(r.code).toBe(0);
    expect(r.peakRssBytes).toBeGreaterThan(150e6);
  });

  it('prints a miss below its target, never rounded up to it', () => {
    const text = formatReport({
      name: 'x',
      summary: 'y',
      params: {},
      measurements: [{ name: 'm', role: 'engine', seconds: 2, rows: 10, bytes: 2e6 }],
      checks: [atLeast('ratio', 0.7996, 0.8)],
      notes: [],
    });
    expect(text).toMatch(/ratio\s+0\.79\s+≥ 0\.80\s+NOT MET/);
    expect(text).toMatch(/m\s+2\.00\s+5\s+1\.0/);
  });
});
