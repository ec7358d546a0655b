// The schemas VS Code's JSON language service gets (`contributes.jsonValidation` → dist/schemas/): the same
// completions, hovers and templates as schemas/*.json, but nothing they can reject. The problems come from the
// extension instead, from the same checks and words as `dmgw validate` (errors, with "did you mean") — one truth
// in the editor, the Problems panel and the CLI. Written by scripts/build.mjs; test/unit/validate/editorSchemas.test.ts.

/** Keywords that only reject. */
const REJECTING = new Set(['required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf', 'not', 'type', 'propertyNames', 'contains', 'deprecationMessage', 'errorMessage', 'patternErrorMessage']);
/** Subschema maps and lists, transformed member by member. */
const MAPS = new Set(['properties', 'definitions', 'patternProperties']);
const LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);

/** One schema node, lenient. `if` conditions stay as they are: they choose the `then` (completions follow it) and report nothing. */
export function lenient(node) {
  if (Array.isArray(node)) return node.map(lenient);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (REJECTING.has(k)) continue;
    if (k === 'if') out.if = v;
    else if (MAPS.has(k)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, lenient(s)]));
    else if (LISTS.has(k)) out[k === 'oneOf' ? 'anyOf' : k] = Array.isArray(v) ? v.map(lenient) : lenient(v);
    else if (k === 'then' || k === 'else') out[k] = lenient(v);
    else if (k === 'additionalProperties') {
      if (v && typeof v === 'object') out[k] = lenient(v);
    } else if (k === 'enum' || k === 'const') {
      // proposed as values, each with its description, without rejecting any other
      const values = k === 'enum' ? v : [v];
      const docs = node.markdownEnumDescriptions ?? [];
      out.defaultSnippets = [...(out.defaultSnippets ?? []), ...values.map((value, i) => ({ label: typeof value === 'string' ? value : JSON.stringify(value), body: value, ...(docs[i] ? { markdownDescription: docs[i] } : {}) }))];
    } else if (k === 'defaultSnippets') out.defaultSnippets = [...v, ...(out.defaultSnippets ?? [])];
    else if (k === 'markdownEnumDescriptions') continue;
    else out[k] = v;
  }
  return out;
}
