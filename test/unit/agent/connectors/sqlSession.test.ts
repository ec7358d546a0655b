/** sqlSession.ts: sessions released as broken when their work failed, catalog estimates, and RowBatcher's flow control. */
import { describe, expect, it } from 'vitest';
import { BATCH_ROWS } from '../../../../src/agent/copy/rows.js';
import { RowBatcher, rowEstimate, withSession } from '../../../../src/agent/connectors/sqlSession.js';

describe('withSession and rowEstimate', () => {
  it('releases the session, as broken when the work failed', async () => {
    const released: Array<[string, boolean]> = [];
    const release = (s: string, broken: boolean) => released.push([s, broken]);
    expect(await withSession(async () => 's1', release, async (s) => `${s} done`)).toBe('s1 done');
    await expect(withSession(async () => 's2', release, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(released).toEqual([['s1', false], ['s2', true]]);
  });

  it('an estimate is a count of zero or more; anything else is unknown', async () => {
    expect(await rowEstimate(async () => '42')).toBe(42);
    expect(await rowEstimate(async () => 0)).toBe(0);
    expect(await rowEstimate(async () => -1)).toBeUndefined();
    expect(await rowEstimate(async () => null)).toBeUndefined();
    expect(await rowEstimate(async () => undefined)).toBeUndefined();
    expect(await rowEstimate(() => Promise.reject(new Error('no catalog')))).toBeUndefined();
  });
});

describe('RowBatcher', () => {
  const flow = () => {
    const log: string[] = [];
    return { log, flow: { pause: () => log.push('pause'), resume: () => log.push('resume'), cancel: () => log.push('cancel') } };
  };

  it('pauses the driver once a batch is full and resumes it when the batch is taken; the rest comes at the end', async () => {
    const { log, flow: f } = flow();
    const b = new RowBatcher<number>(f);
    const it = b.batches(new AbortController().signal)[Symbol.asyncIterator]();
    const first = it.next();
    for (let i = 0; i < BATCH_ROWS + 3; i++) b.push(i);
    expect(log).toEqual(['pause']);
    expect((await first).value).toHaveLength(BATCH_ROWS + 3);
    const second = it.next();
    expect(log).toEqual(['pause', 'resume']);
    b.push(7);
    b.end();
    expect(b.done).toBe(true);
    expect((await second).value).toEqual([7]);
    expect((await it.next()).done).toBe(true);
    expect(log).toEqual(['pause', 'resume']);
  });

  it('a driver error is thrown; an abort (also one before the first batch) cancels the driver and throws its reason', async () => {
    const failing = new RowBatcher<number>(flow().flow);
    const p = failing.batches(new AbortController().signal).next();
    failing.fail(new Error('lost connection'));
    failing.fail(new Error('second'));
    await expect(p).rejects.toThrow('lost connection');

    const a = flow();
    const ac = new AbortController();
    const p2 = new RowBatcher<number>(a.flow).batches(ac.signal).next();
    ac.abort(new Error('stop'));
    await expect(p2).rejects.toThrow('stop');
    expect(a.log).toEqual(['cancel']);

    const early = flow();
    await expect(new RowBatcher<number>(early.flow).batches(AbortSignal.abort(new Error('already'))).next()).rejects.toThrow('already');
    expect(early.log).toEqual(['cancel']);
  });
});
