/**
 * IfCondition (`expression` → ifTrueActivities / ifFalseActivities) and Switch (`on` → the case whose `value`
 * equals it, else defaultActivities). The chosen activities run like a pipeline's: the branch fails when they do.
 */
import type { Activity } from '../../common/model/types.js';
import { activityList, innerFailure, invalid, type ControlContext, type ControlHandler, type ControlResult } from './control.js';

async function runBranch(c: ControlContext, list: Activity[]): Promise<ControlResult> {
  const outcome = await c.runBody(list);
  const error = innerFailure(outcome);
  return { inner: outcome.records, ...(error ? { error } : {}) };
}

export const ifCondition: ControlHandler = async (c) => {
  const v = c.resolve(c.typeProperties.expression);
  if (typeof v !== 'boolean') throw invalid(c, 'expression', `the expression must give true or false, not ${JSON.stringify(v)}`, "e.g. @equals(activity('Check').output.exists, true)");
  return runBranch(c, activityList(c, v ? 'ifTrueActivities' : 'ifFalseActivities'));
};

export const switchActivity: ControlHandler = async (c) => {
  const on = c.resolve(c.typeProperties.on);
  if (typeof on !== 'string') throw invalid(c, 'on', `"on" must give a string, not ${JSON.stringify(on)}`, 'convert it with string()');
  const cases = c.typeProperties.cases ?? [];
  if (!Array.isArray(cases)) throw invalid(c, 'cases', '"cases" must be a list of { "value": ..., "activities": [...] }');
  const hit = cases.find((k) => (k as { value?: unknown })?.value === on) as { activities?: unknown } | undefined;
  if (hit) {
    if (hit.activities !== undefined && !Array.isArray(hit.activities)) throw invalid(c, 'cases', `case "${on}" must hold a list of activities`);
    return runBranch(c, (hit.activities as Activity[] | undefined) ?? []);
  }
  return runBranch(c, activityList(c, 'defaultActivities'));
};
