/**
 * Check 5: a Copy activity's parts fit its datasets. The source type must read the input dataset's type and the
 * sink type must write the output's (`PostgreSqlTable` → `PostgreSqlSource`), store settings must fit the file
 * location (`AzureBlobStorageLocation` → `AzureBlobStorage*Settings`), Binary copies only to Binary, and a table
 * dataset must name its table unless the source reads with a query. Nested Copy activities (ForEach, If, ...) too,
 * and a Lookup's source fits its dataset as a Copy source would.
 */
import type { Problem } from '../errors.js';
import { LOCATION_TYPES, datasetTypeInfo, type DatasetTypeInfo } from '../model/catalogue.js';
import { activitiesOf } from '../model/activities.js';
import { likeType } from '../model/linkedServiceTypes.js';
import { nameKey, type Factory } from '../model/factory.js';
import type { Dataset, Pipeline } from '../model/types.js';
import { find, typeOf } from './lookup.js';
import { problemAt, type JsonPath } from './problem.js';
import { asText } from './asText.js';

type Json = Record<string, unknown>;

export function checkCopyFit(f: Factory): Problem[] {
  const out: Problem[] = [];
  const tableReported = new Set<string>();
  for (const p of f.pipelines.values()) {
    for (const { activity: a, path } of activitiesOf(p)) {
      if (a.type === 'Lookup' && isObject(a.typeProperties)) {
        // a Lookup's source is a Copy source of its dataset
        const ds = find(f, 'dataset', (a.typeProperties.dataset as { referenceName?: unknown } | undefined)?.referenceName);
        out.push(...sideFits(f, p, 'source', ds, a.typeProperties.source as Json | undefined, [...path, 'typeProperties', 'source']));
        continue;
      }
      if (a.type !== 'Copy' || !isObject(a.typeProperties)) continue;
      const base: JsonPath = [...path, 'typeProperties'];
      const input = find(f, 'dataset', a.inputs?.[0]?.referenceName);
      const output = find(f, 'dataset', a.outputs?.[0]?.referenceName);
      const source = a.typeProperties.source as Json | undefined;
      const sink = a.typeProperties.sink as Json | undefined;
      out.push(...sideFits(f, p, 'source', input, source, [...base, 'source']));
      out.push(...sideFits(f, p, 'sink', output, sink, [...base, 'sink']));
      if (input && output && (input.properties.type === 'Binary') !== (output.properties.type === 'Binary') && typeof sink?.type === 'string') {
        out.push(
          problemAt(p, 'error', 'COPY_BINARY_MISMATCH', [...base, 'sink', 'type'], `dataset "${input.name}" (${input.properties.type}) cannot be copied to "${output.name}" (${output.properties.type})`, 'a Binary dataset copies only to and from another Binary dataset: make both Binary, or neither'),
        );
      }
      for (const [ds, side, settings] of [
        [input, 'source', source],
        [output, 'sink', sink],
      ] as const) {
        if (!ds || tableReported.has(nameKey(ds.name))) continue;
        const problem = tableMissing(ds, p, asText(a.name), side, settings);
        if (problem) {
          tableReported.add(nameKey(ds.name));
          out.push(problem);
        }
      }
    }
  }
  return out;
}

function sideFits(f: Factory, p: Pipeline, side: 'source' | 'sink', ds: Dataset | undefined, settings: Json | undefined, path: JsonPath): Problem[] {
  const info = ds ? datasetTypeInfo(ds.properties.type) : undefined;
  if (!ds || !info || !settings || typeof settings.type !== 'string') return [];
  const wanted = side === 'source' ? info.source : info.sink;
  const role = side === 'source' ? 'input' : 'output';
  if (settings.type !== wanted) {
    return [problemAt(p, 'error', side === 'source' ? 'COPY_SOURCE_MISMATCH' : 'COPY_SINK_MISMATCH', [...path, 'type'], `${side} type "${settings.type}" does not fit ${role} dataset "${ds.name}" (${ds.properties.type})`, `write "type": "${wanted}", or use an ${role} dataset of the kind ${settings.type} ${side === 'source' ? 'reads' : 'writes'}`)];
  }
  const location = (ds.properties.typeProperties as { location?: { type?: unknown } } | undefined)?.location?.type;
  const loc = typeof location === 'string' ? LOCATION_TYPES[location] : undefined;
  const store = settings.storeSettings as Json | undefined;
  // A location that does not fit its linked service is reported on the dataset; store settings cannot fit both.
  const lsType = typeOf(find(f, 'linkedService', ds.properties.linkedServiceName?.referenceName));
  if (loc && store && typeof store.type === 'string' && likeType(lsType) === loc.linkedServiceType) {
    const fits = side === 'source' ? loc.read : loc.write;
    if (store.type !== fits) return [problemAt(p, 'error', 'COPY_STORE_MISMATCH', [...path, 'storeSettings', 'type'], `"${store.type}" does not fit the location of ${role} dataset "${ds.name}" (${location as string})`, `write "type": "${fits}"`)];
  }
  return [];
}

/** A table dataset read without a query, or written, must name its table. */
function tableMissing(ds: Dataset, p: Pipeline, activity: string, side: 'source' | 'sink', settings: Json | undefined): Problem | undefined {
  const info: DatasetTypeInfo | undefined = datasetTypeInfo(ds.properties.type);
  if (!info?.table || !settings) return undefined;
  const tp = (isObject(ds.properties.typeProperties) ? ds.properties.typeProperties : {}) as Json;
  const { property, alternative, queryProperties } = info.table;
  if (tp[property] !== undefined || (alternative && tp[alternative] !== undefined)) return undefined;
  const bypass = side === 'source' ? queryProperties : ['sqlWriterStoredProcedureName'];
  if (bypass.some((q) => settings[q] !== undefined)) return undefined;
  const add = `add "${property}": "<name>"${alternative ? ` (or "${alternative}")` : ''}`;
  const why = side === 'source' ? `Copy activity "${activity}" in pipeline "${p.name}" reads it without a query` : `Copy activity "${activity}" in pipeline "${p.name}" writes to it`;
  const hint = side === 'source' ? `${add}, or give the source a "${queryProperties[0]}"` : add;
  return problemAt(ds, 'error', 'DATASET_TABLE_MISSING', ['properties', 'typeProperties'], `missing required property "${property}": ${why}`, hint);
}

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
