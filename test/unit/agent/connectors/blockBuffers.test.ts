/**
 * The process-wide pool of blob block buffers (src/agent/connectors/blockBuffers.ts): never more than its
 * capacity exist, a buffer given back is reused (no new allocation per block), waiting writers are served in
 * order, and a writer that gives up while waiting loses no buffer.
 */
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BlockBuffers } from '../../../../src/agent/connectors/blockBuffers.js';

const never = new AbortController().signal;

describe('BlockBuffers', () => {
  it('hands out at most `capacity` buffers, then makes takers wait for one given back, first come first served', async () => {
    const pool = new BlockBuffers(1024, 2);
    const a = await pool.take(never);
    const b = await pool.take(never);
    expect(a).not.toBe(b);
    expect(a.length).toBe(1024);
    const order: string[] = [];
    const c = pool.take(never).then((x) => (order.push('c'), x));
    const d = pool.take(never).then((x) => (order.push('d'), x));
    await sleep(5);
    expect(order).toEqual([]);
    expect(pool.waiters).toBe(2);
    pool.give(b);
    expect(await c).toBe(b);
    pool.give(a);
    expect(await d).toBe(a);
    expect(order).toEqual(['c', 'd']);
    expect(pool.taken).toBe(2);
  });

  it('reuses given-back buffers instead of allocating new ones', async () => {
    const pool = new BlockBuffers(64, 3);
    const seen = new Set<Buffer>();
    for (let i = 0; i < 50; i++) {
      const x = await pool.take(never);
      seen.add(x);
      pool.give(x);
    }
    expect(seen.size).toBe(1);
    expect(pool.taken).toBe(0);
  });

  it('a taker aborted while waiting is removed from the queue and the next buffer goes to the next taker', async () => {
    const pool = new BlockBuffers(16, 1);
    const held = await pool.take(never);
    const ctrl = new AbortController();
    const gaveUp = pool.take(ctrl.signal);
    const next = pool.take(never);
    ctrl.abort(new Error('partition failed'));
    await expect(gaveUp).rejects.toThrow('partition failed');
    expect(pool.waiters).toBe(1);
    pool.give(held);
    expect(await next).toBe(held);
    await expect(pool.take(ctrl.signal)).rejects.toThrow('partition failed');
  });

  it('under any interleaving of writers, never exceeds capacity, never deadlocks, and ends with every buffer back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), async (capacity, writers) => {
        const pool = new BlockBuffers(8, capacity);
        let peak = 0;
        const owners = new Map<Buffer, number>();
        await Promise.all(
          writers.map(async (delays, w) => {
            for (const ms of delays) {
              const b = await pool.take(never);
              expect(owners.has(b)).toBe(false);
              owners.set(b, w);
              peak = Math.max(peak, pool.taken);
              await sleep(ms);
              owners.delete(b);
              pool.give(b);
            }
          }),
        );
        expect(peak).toBeLessThanOrEqual(capacity);
        expect(pool.taken).toBe(0);
        expect(pool.waiters).toBe(0);
      }),
      { numRuns: 40 },
    );
  });
});
