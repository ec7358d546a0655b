/**
 * ForEach: `items` (an array), its `activities` run once per item with item() the current one; `isSequential`
 * one at a time, else up to `batchCount` (default 20, at most 50) at once. Every iteration runs even when one
 * fails, as in ADF; the ForEach fails if any did, with the first failing iteration's error.
 */
import { activityList, flag, innerFailure, invalid, type BodyOutcome, type ControlHandler } from './control.js';

export const forEach: ControlHandler = async (c) => {
  const items = c.resolve(c.typeProperties.items);
  if (!Array.isArray(items)) throw invalid(c, 'items', `items must be an array, not ${items === null ? 'null' : typeof items}`, 'e.g. "@activity(\'Lookup\').output.value" or "@pipeline().parameters.tables"');
  const list = activityList(c, 'activities');
  const sequential = flag(c.resolve(c.typeProperties.isSequential), false);
  const batch = sequential ? 1 : Number(c.resolve(c.typeProperties.batchCount) ?? 20);
  if (!Number.isInteger(batch) || batch < 1 || batch > 50) throw invalid(c, 'batchCount', `batchCount must be a whole number from 1 to 50, not ${String(c.typeProperties.batchCount)}`);
  const outcomes: BodyOutcome[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !c.signal.aborted) {
      const i = next++;
      outcomes[i] = await c.runBody(list, { item: { value: items[i] }, iteration: i });
    }
  };
  await Promise.all(Array.from({ length: Math.min(batch, items.length) }, worker));
  const done = outcomes.filter(Boolean);
  const failed = done.find((o) => o.status === 'Failed');
  return { inner: done.flatMap((o) => o.records), ...(failed ? { error: innerFailure(failed) } : {}) };
};
