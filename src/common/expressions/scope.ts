/**
 * What an expression reads (the scope) and the errors evaluating one raises. Shared by the evaluator and the
 * function table, so neither imports the other's internals.
 */
import { DmgwError } from '../errors.js';

/** What an expression can read. Every part is optional: a dataset's expressions see no activities, and so on. */
export interface ExpressionScope {
  pipeline?: {
    name: string;
    runId: string;
    parameters: Record<string, unknown>;
    triggerTime?: string;
    triggerType?: string;
    groupId?: string;
    dataFactory?: string;
    triggeredByPipelineName?: string;
    triggeredByPipelineRunId?: string;
  };
  dataset?: Record<string, unknown>;
  linkedService?: Record<string, unknown>;
  /** activities that ran before (by name): what `activity('X')` returns */
  activities?: Record<string, ActivityView>;
  /** the pipeline's variables; undefined where there are none (a dataset's own expressions) */
  variables?: Record<string, unknown>;
  /** inside ForEach / Filter: the current item */
  item?: { value: unknown };
  now?: () => Date;
}

/** An activity as `activity('X')` shows it: `output`, `status` (`Status` works too), `error`. */
export interface ActivityView {
  output?: unknown;
  status?: string;
  error?: { errorCode?: string; message?: string } | null;
  [key: string]: unknown;
}

/** An expression that cannot be evaluated: the message names the expression and what is wrong. */
export class ExpressionError extends DmgwError {
  constructor(message: string, hint?: string) {
    super('EXPRESSION', message, {}, hint ?? 'see docs/EXPRESSIONS.md for the functions and how values are compared and converted');
  }
}

/** Raised by a function or a property access; the evaluator adds which expression it was. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface CallContext {
  scope: ExpressionScope;
  /** the function's name as the table spells it */
  name: string;
}
