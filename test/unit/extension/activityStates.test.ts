// What the pipeline graph lights up from a run's events: running while any run of an activity is, then how it ended.
import { describe, expect, it } from 'vitest';
import { ActivityStates } from '../../../src/extension/graph/activityStates';
import type { RunEvent } from '../../../src/common/events';

const base = { time: '2026-01-01T00:00:00Z', runId: 'r1' };
const started = (activity: string, extra: object = {}): RunEvent => ({ ...base, event: 'activity-started', activity, activityType: 'Wait', ...extra }) as RunEvent;
const finished = (activity: string, status: 'Succeeded' | 'Failed' | 'Cancelled', extra: object = {}): RunEvent => ({ ...base, event: 'activity-finished', activity, status, durationMs: 1, ...extra }) as RunEvent;

describe('ActivityStates', () => {
  it('marks an activity running from its start to its end, then with how it ended', () => {
    const s = new ActivityStates();
    expect(s.apply({ ...base, event: 'run-started', pipeline: 'P', parameters: {} } as RunEvent)).toBe(true);
    s.apply(started('A'));
    expect(s.toJSON()).toEqual({ A: 'running' });
    s.apply(finished('A', 'Succeeded'));
    s.apply(started('B'));
    expect(s.toJSON()).toEqual({ A: 'Succeeded', B: 'running' });
    s.apply(finished('B', 'Failed'));
    expect(s.toJSON()).toEqual({ A: 'Succeeded', B: 'Failed' });
  });

  it('keeps a ForEach body running while any iteration runs; ignores a child pipeline', () => {
    const s = new ActivityStates();
    s.apply(started('Copy', { iteration: 0 }));
    s.apply(started('Copy', { iteration: 1 }));
    expect(s.apply(finished('Copy', 'Succeeded', { iteration: 0 }))).toBe(false);
    expect(s.states.get('Copy')).toBe('running');
    s.apply(finished('Copy', 'Failed', { iteration: 1 }));
    expect(s.states.get('Copy')).toBe('Failed');
    expect(s.apply(started('Inner', { pipelineRunId: 'child', pipeline: 'Child' }))).toBe(false);
    expect(s.states.has('Inner')).toBe(false);
  });

  it('leaves nothing lit when the run ends (cancelled), and starts clean on the next run', () => {
    const s = new ActivityStates();
    s.apply(started('Hold'));
    s.apply({ ...base, event: 'run-finished', status: 'Cancelled', durationMs: 5 } as RunEvent);
    expect(s.toJSON()).toEqual({ Hold: 'Cancelled' });
    expect(s.run).toBe('run r1 Cancelled');
    s.apply({ ...base, runId: 'r2', event: 'run-started', pipeline: 'P', parameters: {} } as RunEvent);
    expect(s.toJSON()).toEqual({});
  });
});
