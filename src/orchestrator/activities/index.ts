/** Control activity type → what does it. (Data activities go to the executor.) */
import { appendVariable, setVariable } from './variables.js';
import { executePipeline } from './executePipeline.js';
import { filter } from './filter.js';
import { forEach } from './forEach.js';
import { ifCondition, switchActivity } from './branches.js';
import { fail, wait } from './simple.js';
import { until } from './until.js';
import type { ControlHandler } from './control.js';

const HANDLERS: Record<string, ControlHandler> = Object.assign(Object.create(null) as Record<string, ControlHandler>, {
  foreach: forEach,
  ifcondition: ifCondition,
  switch: switchActivity,
  until,
  filter,
  setvariable: setVariable,
  appendvariable: appendVariable,
  executepipeline: executePipeline,
  fail,
  wait,
});

/** Activity types are matched case-insensitively, as ADF does (its docs write "filter"). */
export function controlHandler(type: string): ControlHandler | undefined {
  return HANDLERS[type.toLowerCase()];
}
