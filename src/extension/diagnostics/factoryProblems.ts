/**
 * What the editor shows from `validateFactory` (the checks of `dmgw validate`), schema problems included: the same
 * severity and words (with "did you mean") as the CLI. VS Code's JSON language service gets lenient copies of the
 * schemas (scripts/editorSchemas.mjs: completions and hovers, no verdicts), so nothing is listed twice; it still
 * reports what is not JSON at all, so JSON_SYNTAX is left to it.
 */
import type { Problem } from '../../common/errors';
import type { Factory } from '../../common/model/factory';
import { validateFactory } from '../../common/validate/index';

const SHOWN_BY_JSON_LANGUAGE_SERVICE = /^JSON_SYNTAX$/;

export function factoryProblems(factory: Factory): Problem[] {
  return validateFactory(factory).filter((p) => !SHOWN_BY_JSON_LANGUAGE_SERVICE.test(p.code));
}
