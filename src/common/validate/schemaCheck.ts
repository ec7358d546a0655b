/** Check 1: every resource file against the JSON schema of its kind (`schemas/<kind>.schema.json`). */
import type { Problem } from '../errors.js';
import type { Factory } from '../model/factory.js';
import { problemsFromAjv } from './ajvMessages.js';
import { validatorFor } from './schemas.js';

export function checkSchemas(factory: Factory): Problem[] {
  const out: Problem[] = [];
  for (const { kind, doc } of factory.files) {
    // A file with syntax errors has no trustworthy value; the loader reported it.
    if (doc.syntaxErrors.length || !doc.value || typeof doc.value !== 'object' || Array.isArray(doc.value)) continue;
    const validate = validatorFor(kind);
    if (!validate(doc.value)) out.push(...problemsFromAjv(validate.errors ?? [], doc, kind));
  }
  return out;
}
