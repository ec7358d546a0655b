import { describe, expect, it } from 'vitest';
import { describePartition, fromScalar, splitRange, toScalar } from '../../../../src/agent/copy/partitions.js';
import { backoffMs, isTransient } from '../../../../src/agent/copy/retry.js';
import { DmgwError } from '../../../../src/common/errors.js';

/** Which slice a value falls into, evaluating the predicates the way SQL would. */
function slot(parts: ReturnType<typeof splitRange>, type: 'integer' | 'date' | 'timestamptz', v: string | null): number[] {
  return parts
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => {
      if (!p) return true;
      if (v === null) return p.withNulls;
      const x = toScalar(type, v);
      return (p.lower === undefined || x >= toScalar(type, p.lower)) && (p.upper === undefined || x < toScalar(type, p.upper));
    })
    .map(({ i }) => i);
}

describe('DynamicRange partitions', () => {
  it('splits integers into contiguous slices; NULLs and out-of-bound values land in exactly one', () => {
    const parts = splitRange('id', { type: 'integer', min: '1', max: '100' }, 4);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toMatchObject({ upper: '26', withNulls: true });
    expect(parts[3]).toMatchObject({ lower: '76', withNulls: false });
    expect(parts[3]!.upper).toBeUndefined();
    for (const v of [null, '-5', '1', '25', '26', '50', '100', '1000']) expect(slot(parts, 'integer', v)).toHaveLength(1);
    expect(slot(parts, 'integer', null)).toEqual([0]);
  });

  it('handles big integers exactly, min = max, and fewer values than partitions', () => {
    const big = splitRange('id', { type: 'integer', min: '9223372036854775000', max: '9223372036854775807' }, 2);
    expect(big[1]!.lower).toBe('9223372036854775404');
    expect(splitRange('id', { type: 'integer', min: '7', max: '7' }, 8)).toEqual([undefined]);
    expect(splitRange('id', { type: 'integer', min: '1', max: '3' }, 8)).toHaveLength(3);
    expect(splitRange('id', { type: 'integer', min: null, max: null }, 8)).toEqual([undefined]);
  });

  it('splits dates and timestamps (with zones) and formats the cuts as PostgreSQL would', () => {
    const d = splitRange('d', { type: 'date', min: '2024-01-01', max: '2024-12-31' }, 3);
    expect(d.map((p) => p?.lower)).toEqual([undefined, '2024-05-02', '2024-09-01']);
    for (const v of ['2023-01-01', '2024-05-01', '2024-04-30', '2030-01-01', null]) expect(slot(d, 'date', v)).toHaveLength(1);
    const ts = splitRange('ts', { type: 'timestamptz', min: '2024-01-01 00:00:00+00', max: '2024-01-01 02:00:00+02' }, 2);
    expect(ts).toEqual([undefined]);
    const ts2 = splitRange('ts', { type: 'timestamptz', min: '2024-01-01 00:00:00+00', max: '2024-01-02 00:00:00.5+00' }, 2);
    expect(ts2[1]!.lower).toBe('2024-01-01 12:00:00.250000+00');
    expect(fromScalar('timestamp', toScalar('timestamp', '1999-12-31 23:59:59.999999'))).toBe('1999-12-31 23:59:59.999999');
    expect(describePartition(d[1])).toBe('d >= 2024-05-02 and d < 2024-09-01');
  });

  it('uses the given bounds for the stride only, and refuses text columns', () => {
    const parts = splitRange('id', { type: 'integer', min: '1', max: '1000000' }, 2, '0', '10');
    expect(parts[1]!.lower).toBe('5');
    expect(slot(parts, 'integer', '999999')).toEqual([1]);
    expect(() => splitRange('name', { type: 'string', min: 'a', max: 'z' }, 2)).toThrow(/integer, date or timestamp/);
  });
});

describe('retry classification', () => {
  it('retries connection failures, throttling and 5xx; not user errors or 4xx', () => {
    const err = (props: Record<string, unknown>) => Object.assign(new Error(String(props.message ?? 'x')), props);
    expect(isTransient(err({ code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(err({ code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(err({ message: 'Connection terminated unexpectedly' }))).toBe(true);
    // a session cut between two statements (the commit-marker lookup runs three): pg refuses the next one
    expect(isTransient(err({ message: 'Client has encountered a connection error and is not queryable' }))).toBe(true);
    expect(isTransient(err({ code: '57P01', message: 'terminating connection due to administrator command' }))).toBe(true);
    expect(isTransient(err({ code: '08006' }))).toBe(true);
    expect(isTransient(err({ statusCode: 503 }))).toBe(true);
    expect(isTransient(err({ statusCode: 429 }))).toBe(true);
    expect(isTransient(err({ statusCode: 500 }))).toBe(true);
    expect(isTransient(err({ message: 'wrapped', cause: err({ code: 'ETIMEDOUT' }) }))).toBe(true);
    // Azure Storage refusing a block damaged on the way (400 with an MD5/CRC64 mismatch): send it again
    expect(isTransient(err({ statusCode: 400, code: 'Md5Mismatch' }))).toBe(true);
    expect(isTransient(err({ statusCode: 400, code: 'InvalidBlockId' }))).toBe(false);
    expect(isTransient(err({ statusCode: 403, message: 'timeout' }))).toBe(false);
    expect(isTransient(err({ code: '22P02', message: 'invalid input syntax for type integer' }))).toBe(false);
    expect(isTransient(new DmgwError('X', 'connection terminated'))).toBe(false);
    expect(isTransient(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(1, p, () => 0)).toBe(50);
    expect(backoffMs(1, p, () => 1)).toBe(100);
    expect(backoffMs(3, p, () => 1)).toBe(400);
    expect(backoffMs(10, p, () => 1)).toBe(1000);
    expect(backoffMs(10, p, () => 0)).toBe(500);
  });
});
