/** What the Pipeline Graph panel and its page say to each other. */

/** An activity's state during a local run: `running`, or how it finished. */
export type ActivityState = 'running' | 'Succeeded' | 'Failed' | 'Cancelled';

export type GraphToWebview =
  | { type: 'graph'; pipeline: string; svg: string; problems: string[]; activities: number }
  | { type: 'error'; message: string }
  | { type: 'states'; states: Record<string, ActivityState>; run?: string };

export type GraphFromWebview = { type: 'ready' } | { type: 'run' } | { type: 'openFile' };
