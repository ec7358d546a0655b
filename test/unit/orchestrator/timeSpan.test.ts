import { describe, expect, it } from 'vitest';
import { timeSpanMs } from '../../../src/orchestrator/index.js';

describe('ADF time spans ([d.]hh:mm:ss)', () => {
  it('reads days, hours, minutes, seconds and a fraction; refuses anything else', () => {
    expect(timeSpanMs('0.01:00:00')).toBe(3_600_000);
    expect(timeSpanMs('00:00:30')).toBe(30_000);
    expect(timeSpanMs('7.00:00:00')).toBe(7 * 86_400_000);
    expect(timeSpanMs('00:00:01.5')).toBe(1500);
    for (const bad of [undefined, '', '30', '1:2:3:4', 'a.00:00:00', 12]) expect(timeSpanMs(bad)).toBeUndefined();
  });
});
