/** Wait (waitTimeInSeconds) and Fail (errorCode, message: what the run reports). */
import { toText } from '../../common/expressions/functions/convert.js';
import { isNumeric } from '../../common/expressions/values.js';
import { invalid, type ControlHandler } from './control.js';

export const wait: ControlHandler = async (c) => {
  const v = c.resolve(c.typeProperties.waitTimeInSeconds ?? 1);
  const seconds = isNumeric(v) ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(seconds) || seconds < 0) throw invalid(c, 'waitTimeInSeconds', `waitTimeInSeconds must be a number of seconds, not ${JSON.stringify(v)}`);
  await c.frame.run.clock.sleep(seconds * c.frame.run.secondMs, c.signal);
  return {};
};

/** ADF's documented edge cases: an empty message or error code is replaced, never passed on blank. */
export const fail: ControlHandler = async (c) => {
  const name = c.activity.name;
  const message = c.resolve(c.typeProperties.message);
  const code = c.resolve(c.typeProperties.errorCode);
  const text = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : toText(v as never));
  const m = text(message).trim() ? text(message) : message === undefined ? 'Fail message wasn\'t provided' : `Failed to interpret ${name} fail message or error code`;
  const k = text(code).trim() ? text(code) : 'ErrorCodeNotString';
  return { error: { code: k, message: m } };
};
