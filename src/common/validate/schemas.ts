/**
 * The JSON schemas of `schemas/` (also what VS Code validates with, through `contributes.jsonValidation`),
 * compiled once with ajv. They are imported as JSON so that esbuild bundles them into the CLI and the extension.
 * VS Code-only keywords (`markdownDescription`, `defaultSnippets`, ...) and our `x-hints` are annotations for
 * ajv; `x-warnOnTypos` is a keyword of ours: it flags unknown properties that look like typos of known ones, which
 * ADF itself silently ignores (it accepts unknown properties almost everywhere).
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import commonSchema from '../../../schemas/common.schema.json';
import datasetSchema from '../../../schemas/dataset.schema.json';
import integrationRuntimeSchema from '../../../schemas/integrationRuntime.schema.json';
import linkedServiceSchema from '../../../schemas/linkedService.schema.json';
import pipelineSchema from '../../../schemas/pipeline.schema.json';
import type { ResourceKind } from '../model/types.js';
import { closest } from './suggest.js';

export const RESOURCE_SCHEMAS: Record<ResourceKind, SchemaObject> = {
  linkedService: linkedServiceSchema,
  dataset: datasetSchema,
  pipeline: pipelineSchema,
  integrationRuntime: integrationRuntimeSchema,
};
export const COMMON_SCHEMA: SchemaObject = commonSchema;
export const ALL_SCHEMAS: SchemaObject[] = [commonSchema, ...Object.values(RESOURCE_SCHEMAS)];

/** Keywords VS Code reads (and one of ours) that carry no validation. */
export const ANNOTATION_KEYWORDS = ['markdownDescription', 'markdownEnumDescriptions', 'defaultSnippets', 'x-hints'];
export const TYPO_KEYWORD = 'x-warnOnTypos';

export interface TypoParams {
  property: string;
  suggestion: string;
}

export function createAjv(): Ajv {
  // strictRequired/strictTypes are off because `if`/`then` branches name properties their siblings define.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTypes: false });
  ajv.addVocabulary(ANNOTATION_KEYWORDS);
  ajv.addKeyword({
    keyword: TYPO_KEYWORD,
    schemaType: 'boolean',
    errors: true,
    validate: function warnOnTypos(this: unknown, on: boolean, data: unknown, parentSchema?: SchemaObject) {
      const self = warnOnTypos as unknown as { errors?: Array<Partial<ErrorObject>> };
      self.errors = [];
      if (!on || !data || typeof data !== 'object' || Array.isArray(data)) return true;
      const known = Object.keys((parentSchema?.properties as object | undefined) ?? {});
      for (const key of Object.keys(data)) {
        if (known.includes(key)) continue;
        const suggestion = closest(key, known);
        if (suggestion) self.errors.push({ keyword: TYPO_KEYWORD, params: { property: key, suggestion } satisfies TypoParams, message: `unexpected property "${key}"` });
      }
      return self.errors.length === 0;
    },
  });
  for (const s of ALL_SCHEMAS) ajv.addSchema(s);
  return ajv;
}

let compiled: { ajv: Ajv; validators: Record<ResourceKind, ValidateFunction> } | undefined;

/** The validator for one kind of resource file (compiled on first use, ~100 ms, then shared). */
export function validatorFor(kind: ResourceKind): ValidateFunction {
  if (!compiled) {
    const ajv = createAjv();
    const get = (s: SchemaObject): ValidateFunction => ajv.getSchema(s.$id as string)!;
    compiled = {
      ajv,
      validators: { linkedService: get(linkedServiceSchema), dataset: get(datasetSchema), pipeline: get(pipelineSchema), integrationRuntime: get(integrationRuntimeSchema) },
    };
  }
  return compiled.validators[kind];
}

/**
 * Looks a `$ref` up among our schemas: `#/definitions/x` in the schema of `kind` (or the common one),
 * `common.schema.json#/definitions/x` in that file.
 */
export function resolveRef(ref: string, kind: ResourceKind): SchemaObject | undefined {
  const [file, pointer = ''] = ref.split('#', 2);
  const roots = file ? ALL_SCHEMAS.filter((s) => s.$id === file) : [RESOURCE_SCHEMAS[kind], COMMON_SCHEMA];
  for (const root of roots) {
    let node: unknown = root;
    for (const seg of pointer.split('/').filter(Boolean)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    if (node && typeof node === 'object') return node as SchemaObject;
  }
  return undefined;
}
