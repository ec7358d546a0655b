/**
 * Which activities of a pipeline run now, from its run events: an activity runs from its activity-started to its
 * activity-finished (ForEach iterations run the same activity several times at once: it runs while any does), then
 * shows how its last run ended. Activities of a child pipeline (ExecutePipeline) are not this graph's.
 */
import type { RunEvent } from '../../common/events';
import type { ActivityState } from './graphMessages';

export class ActivityStates {
  readonly states = new Map<string, ActivityState>();
  private readonly running = new Map<string, number>();
  run: string | undefined;

  /** Applies one event; true when what the graph shows changed. */
  apply(e: RunEvent): boolean {
    switch (e.event) {
      case 'run-started':
        this.states.clear();
        this.running.clear();
        this.run = `run ${e.runId} running`;
        return true;
      case 'activity-started':
        if (e.pipelineRunId) return false;
        this.running.set(e.activity, (this.running.get(e.activity) ?? 0) + 1);
        this.states.set(e.activity, 'running');
        return true;
      case 'activity-finished': {
        if (e.pipelineRunId) return false;
        const n = (this.running.get(e.activity) ?? 1) - 1;
        this.running.set(e.activity, n);
        if (n > 0) return false;
        this.states.set(e.activity, e.status);
        return true;
      }
      case 'run-finished':
        for (const [a, n] of this.running) if (n > 0 && this.states.get(a) === 'running') this.states.set(a, e.status === 'Cancelled' ? 'Cancelled' : 'Failed');
        this.running.clear();
        this.run = `run ${e.runId} ${e.status}`;
        return true;
      default:
        return false;
    }
  }

  toJSON(): Record<string, ActivityState> {
    return Object.fromEntries(this.states);
  }
}
