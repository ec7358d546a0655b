/**
 * New Linked Service / New Dataset / New Pipeline and "Create dataset from this table": the resource a user asked
 * for, as plain JSON, from the one catalogue of types (model/linkedServiceTypes.ts for linked services,
 * model/catalogue.ts for datasets and the Copy source/sink of each) and the schemas' own templates (their
 * `defaultSnippets`, the ones completion offers). Pure: the VS Code commands ask the questions, tests call these.
 * A secret is never part of what these return: the caller encrypts it into the text (encryptLinkedServiceText).
 */
import { DATASET_TYPES, type DatasetTypeInfo } from '../model/catalogue.js';
import { CATALOGUE_TYPES, LINKED_SERVICE_CATALOGUE, likeType } from '../model/linkedServiceTypes.js';
import type { ResourceKind } from '../model/types.js';
import { RESOURCE_SCHEMAS } from '../validate/schemas.js';

type Json = Record<string, unknown>;

/** One blank of a template: `${2:host}` is field 2, shown as "host", "host" unless the user types something else. */
export interface TemplateField {
  id: number;
  label: string;
  default: string;
}

export interface ResourceTemplate {
  label: string;
  body: Json;
  /** the blanks after the name (field 1), in order */
  fields: TemplateField[];
}

const PLACEHOLDER = /\$\{(\d+):([^}]*)\}/g;

function snippets(kind: ResourceKind): Array<{ label: string; body: Json }> {
  return ((RESOURCE_SCHEMAS[kind] as { defaultSnippets?: Array<{ label: string; body: unknown }> }).defaultSnippets ?? []).filter((s): s is { label: string; body: Json } => !!s.body && typeof s.body === 'object');
}

function fieldsOf(body: unknown): TemplateField[] {
  const seen = new Map<number, TemplateField>();
  for (const m of JSON.stringify(body).matchAll(PLACEHOLDER)) {
    const id = Number(m[1]);
    if (id !== 1 && !seen.has(id)) seen.set(id, { id, label: m[2]!, default: m[2]! });
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** Blob storage asks for an account (its key is the secret), not the emulator the schema's template names. */
const BLOB_CONNECTION = 'DefaultEndpointsProtocol=https;AccountName=${2:account};BlobEndpoint=${3:https://account.blob.core.windows.net}';

/** The template of a linked-service type of the catalogue; undefined for a type the catalogue does not have. */
export function linkedServiceTemplate(type: string): ResourceTemplate | undefined {
  if (!(CATALOGUE_TYPES as string[]).includes(type)) return undefined;
  const s = snippets('linkedService').find((x) => (x.body.properties as Json | undefined)?.type === type);
  const body = structuredClone(s?.body ?? { name: '${1:name}', properties: { type, typeProperties: {} } });
  if (likeType(type) === 'AzureBlobStorage') ((body.properties as Json).typeProperties as Json).connectionString = BLOB_CONNECTION;
  return { label: `${type} — ${LINKED_SERVICE_CATALOGUE[type as keyof typeof LINKED_SERVICE_CATALOGUE].description}`, body, fields: fieldsOf(body) };
}

/** What the password box asks for a linked-service type; undefined when the type keeps no secret of its own (Key Vault). */
export function secretPromptOf(type: string): string | undefined {
  const like = likeType(type);
  if (like === 'AzureKeyVault') return undefined;
  if (like === 'AzureBlobStorage') return 'account key';
  return 'password';
}

/** The template filled: each blank its value or its default, the name set. */
export function fillTemplate(t: ResourceTemplate, name: string, values: Record<number, string>): Json {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(PLACEHOLDER, (_, id: string, def: string) => (Number(id) === 1 ? name : (values[Number(id)] ?? def))).replace(/\$\d+/g, '');
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return { ...(fill(t.body) as Json), name };
}

/** Values typed into a connection string cannot hold its separators (a `;` would start another key). */
export function connectionStringValueProblem(value: string): string | undefined {
  return /[;"']/.test(value) ? 'a connection string value cannot contain ; or quotes' : undefined;
}

// ---- datasets ----------------------------------------------------------------------------------------------

/** Dataset types a linked service of `lsType` can hold (the catalogue's table types first, then file formats). */
export function datasetTypesFor(lsType: string): string[] {
  const like = likeType(lsType);
  return Object.entries(DATASET_TYPES)
    .filter(([, info]) => (info.linkedServiceTypes as string[]).includes(like ?? ''))
    .map(([t]) => t);
}

export interface LinkedServiceRef {
  name: string;
  type: string;
}

/** The location of a file dataset on linked service `ls`: a container for blob storage, none for a file system. */
function location(ls: LinkedServiceRef, container: string | undefined, folderPath: string | undefined, fileName: string | undefined): Json {
  const blob = likeType(ls.type) === 'AzureBlobStorage';
  return {
    type: blob ? 'AzureBlobStorageLocation' : 'FileServerLocation',
    ...(blob && container ? { container } : {}),
    ...(folderPath ? { folderPath } : {}),
    ...(fileName ? { fileName } : {}),
  };
}

/** The format a file's name says: DelimitedText (csv, tsv, txt; gzip'd too), Json, Parquet, else Binary. */
export function fileFormatOf(fileName: string): { type: 'DelimitedText' | 'Json' | 'Parquet' | 'Binary'; properties: Json } {
  const lower = fileName.toLowerCase();
  const gz = /\.gz$/.test(lower);
  const base = lower.replace(/\.(gz|gzip)$/, '');
  const compression = gz ? { compressionCodec: 'gzip' } : {};
  if (/\.(csv|txt|tsv|tab)$/.test(base)) return { type: 'DelimitedText', properties: { columnDelimiter: /\.(tsv|tab)$/.test(base) ? '\t' : ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, ...compression } };
  if (/\.(json|jsonl|ndjson)$/.test(base)) return { type: 'Json', properties: { ...compression } };
  if (/\.parquet$/.test(base)) return { type: 'Parquet', properties: { compressionCodec: 'snappy' } };
  return { type: 'Binary', properties: { ...compression } };
}

/** A dataset name from store names: letters, digits and `_` (what every ADF resource name accepts), a letter first. */
export function datasetNameFrom(...parts: string[]): string {
  const words = parts.join('_').replace(/\.[^.]*$/, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(name) ? name.slice(0, 120) : `Dataset${name}`.slice(0, 120);
}

function tableProperties(info: DatasetTypeInfo, schema: string | undefined, table: string): Json {
  // MySQL/MariaDB datasets name the table alone (tableName), in the linked service's database
  return info.table!.property === 'tableName' ? { tableName: table } : { ...(schema ? { schema } : {}), table };
}

/**
 * "Create dataset from this table": a browsed table (path [schema, table]) or file (path [container?, ...folders,
 * file]) of linked service `ls` as a dataset of the right type, referencing `ls`.
 */
export function datasetFromStoreItem(ls: LinkedServiceRef, path: string[], itemType: 'Table' | 'View' | 'File', name?: string): Json {
  const linkedServiceName = { referenceName: ls.name, type: 'LinkedServiceReference' };
  if (itemType === 'Table' || itemType === 'View') {
    const [schema, table] = path.length > 1 ? [path[0], path[path.length - 1]!] : [undefined, path[0]!];
    const type = datasetTypesFor(ls.type).find((t) => DATASET_TYPES[t as keyof typeof DATASET_TYPES].table);
    if (!type) throw new Error(`${ls.name} (${ls.type}) holds no table datasets`);
    return { name: name ?? datasetNameFrom(table), properties: { type, linkedServiceName, typeProperties: tableProperties(DATASET_TYPES[type as keyof typeof DATASET_TYPES], schema, table) } };
  }
  const blob = likeType(ls.type) === 'AzureBlobStorage';
  const [container, ...rest] = blob ? path : [undefined, ...path];
  const fileName = rest[rest.length - 1]!;
  const folderPath = rest.slice(0, -1).join('/') || undefined;
  const format = fileFormatOf(fileName);
  return { name: name ?? datasetNameFrom(fileName), properties: { type: format.type, linkedServiceName, typeProperties: { location: location(ls, container, folderPath, fileName), ...format.properties } } };
}

export interface DatasetAnswers {
  /** table stores */
  schema?: string;
  table?: string;
  /** file stores */
  container?: string;
  folderPath?: string;
  fileName?: string;
}

/** What New Dataset asks for a dataset type on a linked service (the blanks of its form), in order. */
export function datasetQuestions(type: string, ls: LinkedServiceRef): Array<keyof DatasetAnswers> {
  const info = DATASET_TYPES[type as keyof typeof DATASET_TYPES];
  if (!info) return [];
  if (info.table) return info.table.property === 'tableName' ? ['table'] : ['schema', 'table'];
  return likeType(ls.type) === 'AzureBlobStorage' ? ['container', 'folderPath', 'fileName'] : ['folderPath', 'fileName'];
}

/** New Dataset: a dataset of `type` on `ls` with the answers given. */
export function newDataset(name: string, type: string, ls: LinkedServiceRef, a: DatasetAnswers): Json {
  const info = DATASET_TYPES[type as keyof typeof DATASET_TYPES];
  if (!info) throw new Error(`${type} is not a dataset type of the catalogue`);
  const linkedServiceName = { referenceName: ls.name, type: 'LinkedServiceReference' };
  if (info.table) return { name, properties: { type, linkedServiceName, typeProperties: tableProperties(info, a.schema || undefined, a.table ?? '') } };
  const format = type === 'DelimitedText' ? fileFormatOf('x.csv').properties : type === 'Parquet' ? fileFormatOf('x.parquet').properties : {};
  return { name, properties: { type, linkedServiceName, typeProperties: { location: location(ls, a.container || undefined, a.folderPath || undefined, a.fileName || undefined), ...format } } };
}

// ---- pipelines ---------------------------------------------------------------------------------------------

export interface DatasetRef {
  name: string;
  type: string;
}

/** New Pipeline (Copy): one Copy activity from `source` to `sink`, the source and sink types the catalogue gives their dataset types. */
export function newCopyPipeline(name: string, activity: string, source: DatasetRef, sink: DatasetRef): Json {
  const from = DATASET_TYPES[source.type as keyof typeof DATASET_TYPES];
  const to = DATASET_TYPES[sink.type as keyof typeof DATASET_TYPES];
  if (!from || !to) throw new Error(`no Copy source/sink for ${!from ? source.type : sink.type}`);
  const ref = (d: DatasetRef) => ({ referenceName: d.name, type: 'DatasetReference' });
  return { name, properties: { activities: [{ name: activity, type: 'Copy', dependsOn: [], inputs: [ref(source)], outputs: [ref(sink)], typeProperties: { source: { type: from.source }, sink: { type: to.sink } } }] } };
}

/** New Pipeline with no activity yet (to fill in the editor, with completion). */
export function newEmptyPipeline(name: string): Json {
  return { name, properties: { activities: [] } };
}
