/**
 * The schemas themselves: valid draft-07, every $ref resolves, usable by VS Code (annotations, snippets), and in
 * step with the model's catalogue of types. Snippet bodies are validated as a user would get them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnySchemaObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DATASET_TYPES, LINKED_SERVICE_TYPES, LOCATION_TYPES } from '../../../src/common/model/catalogue.js';
import type { ResourceKind } from '../../../src/common/model/types.js';
import { ALL_SCHEMAS, RESOURCE_SCHEMAS, createAjv, resolveRef, validatorFor } from '../../../src/common/validate/schemas.js';

const SCHEMA_DIR = join(__dirname, '..', '..', '..', 'schemas');
const KINDS = Object.keys(RESOURCE_SCHEMAS) as ResourceKind[];
type Node = Record<string, unknown>;

/** Every object inside a schema, with its JSON pointer. */
function* walk(node: unknown, pointer = ''): Generator<[Node, string]> {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [node as Node, pointer];
  for (const [k, v] of Object.entries(node)) if (k !== 'defaultSnippets' && k !== 'examples') yield* walk(v, `${pointer}/${k}`);
}

const def = (kind: ResourceKind, name: string): AnySchemaObject => (RESOURCE_SCHEMAS[kind].definitions as Record<string, AnySchemaObject>)[name]!;
const enumOf = (kind: ResourceKind, name: string): string[] => ((def(kind, name).properties as Record<string, AnySchemaObject>).type!.enum as string[]);

/** `${1:OnPremGateway}` → `OnPremGateway`, `${2}` → `x`: what the user has after accepting a snippet and typing. */
function render(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body).replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\}/g, 'x'));
}

describe('schemas/*.schema.json', () => {
  it('are the files in schemas/, each with $schema draft-07 and an $id equal to its file name', () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
    expect(files).toEqual(ALL_SCHEMAS.map((s) => s.$id as string).sort());
    for (const f of files) {
      const onDisk = JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8'));
      expect(onDisk.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(onDisk.$id).toBe(f);
    }
  });

  it('are valid against the draft-07 meta-schema and compile in strict mode', () => {
    const ajv = createAjv();
    for (const s of ALL_SCHEMAS) {
      expect(ajv.validateSchema(s), `${s.$id}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
    }
    for (const k of KINDS) expect(typeof validatorFor(k)).toBe('function');
  });

  it('resolve every $ref, and put only annotations next to one (draft-07 ignores $ref siblings)', () => {
    const annotations = new Set(['$ref', 'markdownDescription', 'description', 'examples', 'x-hints']);
    let refs = 0;
    for (const s of ALL_SCHEMAS) {
      const kind = (KINDS.find((k) => RESOURCE_SCHEMAS[k] === s) ?? 'pipeline') as ResourceKind;
      for (const [node, pointer] of walk(s)) {
        if (typeof node.$ref !== 'string') continue;
        refs++;
        const ref = node.$ref;
        // a local ref must resolve in its own file, not in common by accident
        const target = ref.startsWith('#') ? resolveRef(`${s.$id as string}${ref}`, kind) : resolveRef(ref, kind);
        expect(target, `${s.$id as string}${pointer}: ${ref}`).toBeDefined();
        expect(Object.keys(node).filter((k) => !annotations.has(k)), `${s.$id as string}${pointer}`).toEqual([]);
      }
    }
    expect(refs).toBeGreaterThan(100);
  });

  it('describe every resource, source, sink and settings type (markdownDescription, one enum description each)', () => {
    const unions: Array<[ResourceKind, string]> = [
      ['linkedService', 'linkedService'],
      ['dataset', 'dataset'],
      ['integrationRuntime', 'integrationRuntime'],
      ['pipeline', 'activity'],
      ['pipeline', 'copySource'],
      ['pipeline', 'copySink'],
      ['pipeline', 'storeReadSettings'],
      ['pipeline', 'storeWriteSettings'],
    ];
    for (const [kind, name] of unions) {
      const union = def(kind, name);
      const types = enumOf(kind, name);
      const typeSchema = (union.properties as Record<string, AnySchemaObject>).type!;
      expect(typeSchema.markdownEnumDescriptions, `${kind}/${name}`).toHaveLength(types.length);
      const branches = (union.allOf as AnySchemaObject[]).map((b) => [b.if.properties.type.const as string, b.then.$ref as string] as const);
      expect(branches.map(([t]) => t), `${kind}/${name}: one if/then per type`).toEqual(types);
      for (const [t, ref] of branches) {
        const target = resolveRef(`${RESOURCE_SCHEMAS[kind].$id as string}${ref}`, kind);
        expect(typeof target?.markdownDescription, `${kind} ${t}`).toBe('string');
        expect((target!.markdownDescription as string).length, `${kind} ${t}`).toBeGreaterThan(15);
      }
    }
  });

  it('offer a defaultSnippets entry for every resource type, and each snippet validates once filled in', () => {
    for (const kind of ['linkedService', 'dataset', 'integrationRuntime'] as const) {
      const snippets = RESOURCE_SCHEMAS[kind].defaultSnippets as Array<{ label: string; body: { properties: { type: string } } }>;
      expect(snippets.map((s) => s.body.properties.type).sort(), kind).toEqual([...enumOf(kind, kind)].sort());
    }
    const activitySnippets = def('pipeline', 'activity').defaultSnippets as Array<{ body: { type: string } }>;
    expect(activitySnippets.map((s) => s.body.type).sort()).toEqual([...enumOf('pipeline', 'activity')].sort());
    for (const kind of KINDS) {
      const validate = validatorFor(kind);
      for (const s of RESOURCE_SCHEMAS[kind].defaultSnippets as Array<{ label: string; body: unknown }>) {
        expect(validate(render(s.body)), `${kind} snippet "${s.label}": ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  it('carry a markdownDescription on every property of every typeProperties (hover text in VS Code)', () => {
    for (const kind of KINDS) {
      for (const [name, d] of Object.entries(RESOURCE_SCHEMAS[kind].definitions as Record<string, AnySchemaObject>)) {
        if (!d['x-warnOnTypos']) continue;
        for (const [prop, p] of Object.entries((d.properties ?? {}) as Record<string, AnySchemaObject>)) {
          if (prop === 'type' && (p.const || p.enum)) continue;
          const described = typeof p.markdownDescription === 'string' || (typeof p.$ref === 'string' && typeof resolveRef(p.$ref, kind)?.markdownDescription === 'string');
          expect(described, `${kind} ${name}.${prop}`).toBe(true);
        }
      }
    }
  });

  it('agree with the model catalogue on types, sources, sinks and locations', () => {
    expect(enumOf('linkedService', 'linkedService')).toEqual(LINKED_SERVICE_TYPES);
    expect(enumOf('dataset', 'dataset')).toEqual(Object.keys(DATASET_TYPES));
    const sources = enumOf('pipeline', 'copySource');
    const sinks = enumOf('pipeline', 'copySink');
    for (const [t, info] of Object.entries(DATASET_TYPES)) {
      expect(sources, t).toContain(info.source);
      expect(sinks, t).toContain(info.sink);
      for (const ls of info.linkedServiceTypes) expect(LINKED_SERVICE_TYPES, t).toContain(ls);
    }
    expect(((def('dataset', 'location').properties as Record<string, AnySchemaObject>).type!.enum as string[]).sort()).toEqual(Object.keys(LOCATION_TYPES).sort());
    expect(Object.values(LOCATION_TYPES).map((l) => l.read).sort()).toEqual([...enumOf('pipeline', 'storeReadSettings')].sort());
    expect(Object.values(LOCATION_TYPES).map((l) => l.write).sort()).toEqual([...enumOf('pipeline', 'storeWriteSettings')].sort());
  });
});
