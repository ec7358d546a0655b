/**
 * What to write when a property is missing: a short JSON example derived from the property's schema
 * (`examples`, `const`, required sub-properties, placeholders named after the property).
 */
import type { AnySchemaObject as SchemaObject } from 'ajv';
import type { ResourceKind } from '../model/types.js';
import { RESOURCE_SCHEMAS, resolveRef } from './schemas.js';

const REFERENCE_LABELS: Record<string, string> = {
  LinkedServiceReference: 'linked service',
  DatasetReference: 'dataset',
  IntegrationRuntimeReference: 'gateway',
  CredentialReference: 'credential',
};

/** `{ "referenceName": "<dataset name>", "type": "DatasetReference" }` and the like, as JSON text. */
export function exampleFor(schema: SchemaObject | undefined, property: string, kind: ResourceKind, depth = 0): string {
  if (!schema) return `"<${property}>"`;
  if (Array.isArray(schema.examples) && schema.examples.length) return json(schema.examples[0]);
  if (typeof schema.$ref === 'string') return exampleFor(resolveRef(schema.$ref, kind), property, kind, depth);
  if (Array.isArray(schema.allOf) && schema.allOf[0]?.$ref) return exampleFor(schema.allOf[0] as SchemaObject, property, kind, depth);
  if (schema.const !== undefined) return json(schema.const);
  if (schema.else) return exampleFor(schema.else as SchemaObject, property, kind, depth);
  if (Array.isArray(schema.enum)) return schema.enum.length <= 3 ? `"<${schema.enum.join('|')}>"` : `"<${property}>"`;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return '<number>';
    case 'boolean':
      return 'true';
    case 'array':
      return '[]';
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, SchemaObject>;
      const refType = props.type?.const;
      if (props.referenceName && typeof refType === 'string') return `{ "referenceName": "<${REFERENCE_LABELS[refType] ?? 'resource'} name>", "type": "${refType}" }`;
      const required = (schema.required ?? []) as string[];
      if (depth >= 2) return '{ }';
      // Nothing required: show the first (most common) property so the example says what goes in.
      if (!required.length) return depth === 0 && Object.keys(props).length ? `{ ${exampleEntry(props, Object.keys(props)[0]!, kind, depth)} }` : '{ }';
      return `{ ${required.map((r) => exampleEntry(props, r, kind, depth)).join(', ')} }`;
    }
    default:
      return `"<${property}>"`;
  }
}

function exampleEntry(props: Record<string, SchemaObject>, name: string, kind: ResourceKind, depth: number): string {
  return `"${name}": ${exampleFor(props[name], name, kind, depth + 1)}`;
}

/** The schema of a property `name` in `parent`, or anywhere in the definitions of `kind` (then-branches require base properties). */
export function propertySchema(parent: SchemaObject | undefined, name: string, kind: ResourceKind): SchemaObject | undefined {
  const own = (parent?.properties as Record<string, SchemaObject> | undefined)?.[name];
  if (own) return own;
  const defs = (RESOURCE_SCHEMAS[kind].definitions ?? {}) as Record<string, SchemaObject>;
  for (const d of Object.values(defs)) {
    const p = (d.properties as Record<string, SchemaObject> | undefined)?.[name];
    if (p && (p.$ref || p.type || p.allOf)) return p;
  }
  return undefined;
}

/** JSON with a space after `:` and `,`, as people write it in a hint. */
export function json(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(json).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `"${k}": ${json(x)}`).join(', ')} }`;
  return JSON.stringify(v);
}
