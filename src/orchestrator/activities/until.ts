/**
 * Until: runs its activities, then evaluates `expression` (which can read them), and again until it is true or
 * `timeout` passes (default 7 days). A failing inner activity does not stop the loop (ADF's documented
 * behaviour); the Until fails if its last iteration failed, or when the timeout ends it.
 */
import { DmgwError } from '../../common/errors.js';
import { timeSpanMs } from '../timeSpan.js';
import { activityList, innerFailure, invalid, type BodyOutcome, type ControlHandler } from './control.js';

const SEVEN_DAYS = 7 * 86_400_000;

export const until: ControlHandler = async (c) => {
  const list = activityList(c, 'activities');
  const timeoutText = c.resolve(c.typeProperties.timeout);
  const limit = timeoutText === undefined || timeoutText === null ? SEVEN_DAYS : timeSpanMs(timeoutText);
  if (limit === undefined) throw invalid(c, 'timeout', `timeout must be [d.]hh:mm:ss, not ${JSON.stringify(timeoutText)}`);
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(new DmgwError('UNTIL_TIMEOUT', `Until activity ${c.activity.name} ran longer than its timeout ${String(timeoutText ?? '7.00:00:00')}`, {}, 'raise typeProperties.timeout, or check the expression can become true')), limit);
  const signal = AbortSignal.any([c.signal, timer.signal]);
  const records = [];
  let last: BodyOutcome | undefined;
  try {
    for (let i = 0; ; i++) {
      if (signal.aborted) break;
      last = await c.runBody(list, { iteration: i, signal });
      records.push(...last.records);
      if (signal.aborted) break;
      const done = c.resolve(c.typeProperties.expression, last.visible);
      if (typeof done !== 'boolean') throw invalid(c, 'expression', `the expression must give true or false, not ${JSON.stringify(done)}`);
      if (done) break;
    }
  } finally {
    clearTimeout(t);
  }
  if (timer.signal.aborted && !c.signal.aborted) {
    const e = timer.signal.reason as DmgwError;
    return { inner: records, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  }
  const error = last && innerFailure(last);
  return { inner: records, ...(error ? { error } : {}) };
};
