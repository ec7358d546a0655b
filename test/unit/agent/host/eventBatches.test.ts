/** The host sends its worker's events in batches the service takes: at most 1000 events and about 2 MiB of JSON. */
import { describe, expect, it } from 'vitest';
import { batchSize } from '../../../../src/agent/host/jobRun.js';
import type { RunEvent } from '../../../../src/common/events.js';
import { checkEvents, MAX_EVENTS_PER_REPORT } from '../../../../src/common/gateway/protocolSchemas.js';

const log = (message: string): RunEvent => ({ event: 'log', time: new Date().toISOString(), runId: 'r', level: 'info', message });

describe('event batches', () => {
  it('a backlog of small events goes in batches of MAX_EVENTS_PER_REPORT, each of which the schema takes', () => {
    const queue = Array.from({ length: 2500 }, () => log('x'));
    expect(batchSize(queue)).toBe(MAX_EVENTS_PER_REPORT);
    expect(checkEvents({ leaseToken: 't', events: queue.slice(0, batchSize(queue)) }).ok).toBe(true);
    expect(checkEvents({ leaseToken: 't', events: queue.slice(0, MAX_EVENTS_PER_REPORT + 1) })).toMatchObject({ ok: false, field: 'events' });
  });

  it('large events go fewer at a time, so a batch stays near 2 MiB; one event always goes', () => {
    const queue = Array.from({ length: 100 }, () => log('y'.repeat(100_000)));
    const n = batchSize(queue);
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(30);
    expect(batchSize([log('z'.repeat(5_000_000))])).toBe(1);
    expect(batchSize([])).toBe(0);
  });
});
