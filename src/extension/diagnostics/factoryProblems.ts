/**
 * What the editor shows from `validateFactory` (the checks of `dmgw validate`): everything except what VS Code's
 * JSON language service already reports from the same schemas (`contributes.jsonValidation`) and its own parser,
 * so no problem is listed twice.
 */
import type { Problem } from '../../common/errors';
import type { Factory } from '../../common/model/factory';
import { validateFactory } from '../../common/validate/index';

const SHOWN_BY_JSON_LANGUAGE_SERVICE = /^(SCHEMA(_|$)|JSON_SYNTAX$)/;

export function factoryProblems(factory: Factory): Problem[] {
  return validateFactory(factory).filter((p) => !SHOWN_BY_JSON_LANGUAGE_SERVICE.test(p.code));
}
