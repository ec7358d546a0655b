/**
 * Loads a factory folder in ADF's Git layout (`linkedService/`, `dataset/`, `pipeline/`,
 * `integrationRuntime/`, one `{name, properties}` JSON file per resource) into typed resources.
 * Every file is parsed once; its JsonDocument stays attached so later checks can point at positions.
 * Loading never throws for user mistakes: it records problems and keeps going.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { DmgwError, type Problem } from '../errors.js';
import { JsonDocument } from '../jsonDocument.js';
import { RESOURCE_FOLDERS, type Dataset, type IntegrationRuntime, type LinkedService, type Pipeline, type Resource, type ResourceKind } from './types.js';

export interface Factory {
  dir: string;
  linkedServices: Map<string, LinkedService>;
  datasets: Map<string, Dataset>;
  pipelines: Map<string, Pipeline>;
  integrationRuntimes: Map<string, IntegrationRuntime>;
  /** Every file read, including ones that failed to parse. */
  documents: JsonDocument[];
  /** The same files with the kind their folder says and their name without `.json` (what `name` must equal). */
  files: FactoryFile[];
  problems: Problem[];
}

export interface FactoryFile {
  kind: ResourceKind;
  stem: string;
  doc: JsonDocument;
}

/** How messages name each kind. */
export const KIND_NOUNS: Record<ResourceKind, string> = { linkedService: 'linked service', dataset: 'dataset', pipeline: 'pipeline', integrationRuntime: 'integration runtime' };

export const KINDS: ResourceKind[] = ['linkedService', 'dataset', 'pipeline', 'integrationRuntime'];

/** Names in ADF are case-insensitive; maps are keyed by the lower-cased name. */
export const nameKey = (name: string): string => name.toLowerCase();

export function emptyFactory(dir: string): Factory {
  return { dir, linkedServices: new Map(), datasets: new Map(), pipelines: new Map(), integrationRuntimes: new Map(), documents: [], files: [], problems: [] };
}

export function resourcesOf<K extends ResourceKind>(f: Factory, kind: K): Map<string, Resource<K>> {
  const maps = { linkedService: f.linkedServices, dataset: f.datasets, pipeline: f.pipelines, integrationRuntime: f.integrationRuntimes };
  return maps[kind] as unknown as Map<string, Resource<K>>;
}

/**
 * Reads `dir`. Paths in problems are relative to the current directory when `dir` is, so that
 * `path:line:col` is clickable in a terminal.
 */
export function loadFactory(dir: string): Factory {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new DmgwError('FACTORY_NOT_FOUND', `factory folder ${dir} does not exist`, { file: dir }, 'pass the folder that holds linkedService/, dataset/ and pipeline/');
  }
  if (!st.isDirectory()) throw new DmgwError('FACTORY_NOT_FOUND', `${dir} is not a folder`, { file: dir }, 'pass the folder that holds linkedService/, dataset/ and pipeline/');
  const factory = emptyFactory(dir);
  let found = 0;
  for (const kind of KINDS) {
    const folder = join(dir, RESOURCE_FOLDERS[kind]);
    let names: string[];
    try {
      names = readdirSync(folder).filter((n) => n.toLowerCase().endsWith('.json')).sort();
    } catch {
      continue;
    }
    found++;
    for (const n of names) {
      const path = join(folder, n);
      const display = displayPath(path);
      const doc = new JsonDocument(display, readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
      addDocument(factory, kind, doc, n.replace(/\.json$/i, ''));
    }
  }
  if (!found) {
    factory.problems.push({
      severity: 'error',
      code: 'FACTORY_EMPTY',
      message: `folder "${displayPath(dir)}" has none of the folders linkedService/, dataset/, pipeline/, integrationRuntime/`,
      hint: 'point at the root of a factory in Azure Data Factory Git layout',
      place: {},
    });
  }
  return factory;
}

/** Adds one parsed document to a factory (also used by the extension for unsaved editor buffers). */
export function addDocument(factory: Factory, kind: ResourceKind, doc: JsonDocument, fileStem: string): Resource | undefined {
  factory.documents.push(doc);
  factory.files.push({ kind, stem: fileStem, doc });
  // jsonc-parser may report one mistake twice at the same offset (a trailing comma: "property name expected"
  // and "value expected"); the first is the better description.
  let lastOffset = -1;
  for (const e of doc.syntaxErrors) {
    if (e.offset === lastOffset) continue;
    lastOffset = e.offset;
    factory.problems.push({ severity: 'error', code: 'JSON_SYNTAX', message: e.message, hint: 'fix the JSON syntax; the other checks of this file run once it parses', place: { file: doc.path, ...doc.positionAt(e.offset) } });
  }
  if (doc.syntaxErrors.length) return undefined;
  const v = doc.value as { name?: unknown; properties?: unknown } | undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    factory.problems.push({
      severity: 'error',
      code: 'NOT_A_RESOURCE',
      message: 'a resource file must hold one JSON object { "name": ..., "properties": {...} }',
      hint: `write one resource per file: { "name": "${fileStem}", "properties": { ... } }`,
      place: doc.placeOf([]),
    });
    return undefined;
  }
  if (typeof v.name !== 'string' || !v.name) {
    const message = v.name === undefined ? 'missing required property "name"' : '"name" must be a non-empty string';
    factory.problems.push({ severity: 'error', code: 'NAME_MISSING', message, hint: `add "name": "${fileStem}"`, place: doc.placeOf(['name']) });
    return undefined;
  }
  if (!v.properties || typeof v.properties !== 'object' || Array.isArray(v.properties)) {
    // Schema validation reports the details; keep the resource out of the model.
    return undefined;
  }
  const resource = { kind, name: v.name, properties: v.properties, file: doc.path, doc } as Resource;
  const map = resourcesOf(factory, kind) as Map<string, Resource>;
  const key = nameKey(v.name);
  const prior = map.get(key);
  if (prior) {
    factory.problems.push({
      severity: 'error',
      code: 'DUPLICATE_NAME',
      message: `name: ${KIND_NOUNS[kind]} "${v.name}" is also defined in ${prior.file}`,
      hint: 'names are case-insensitive and must be unique per kind; rename one of them',
      place: doc.placeOf(['name']),
    });
    return resource;
  }
  map.set(key, resource);
  return resource;
}

export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}
