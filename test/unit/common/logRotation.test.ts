/**
 * Log rotation with several writers on one file, as the host, the launcher and commands append to dmgw.log: two sinks
 * (two descriptors, as two processes hold) write alternately past the cap. The files stay under the cap, at most
 * maxFiles rotations are kept, no writer keeps writing into a rotated file, and the newest lines are in dmgw.log in order.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, fileSink } from '../../../src/common/log.js';

describe('log rotation', () => {
  it('rotates by size across writers, keeps maxFiles, and loses nothing from the newest file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmgw-rotate-'));
    const file = join(dir, 'dmgw.log');
    const rotation = { maxBytes: 4096, maxFiles: 3 };
    const a = createLogger([fileSink(file, 'info', rotation)], 'a');
    const b = createLogger([fileSink(file, 'info', rotation)], 'b');
    for (let i = 0; i < 600; i++) (i % 2 ? b : a).info(`line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}`);
    a.close();
    b.close();
    expect(readdirSync(dir).sort()).toEqual(['dmgw.log', 'dmgw.log.1', 'dmgw.log.2', 'dmgw.log.3']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(4096);
    expect(existsSync(`${file}.lock`)).toBe(false);
    const numbers = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => Number(/line (\d+)/.exec(l)![1]));
    // oldest to newest, the numbers only grow: no writer kept writing into a file after it was rotated
    const all = [`${file}.3`, `${file}.2`, `${file}.1`, file].flatMap(numbers);
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(all.at(-1)).toBe(599);
    // the kept files hold a contiguous tail: nothing between them was lost
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => all[0]! + k));
  });

  it('without rotation the file just grows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmgw-rotate-'));
    const log = createLogger([fileSink(join(dir, 'dmgw.log'), 'info')]);
    for (let i = 0; i < 200; i++) log.info('x'.repeat(50));
    log.close();
    expect(readdirSync(dir)).toEqual(['dmgw.log']);
  });
});
