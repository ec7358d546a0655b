/**
 * Check 3: references resolve, to a resource of a fitting type. Dataset → linked service, linked service →
 * gateway (`connectVia` or v1 `gatewayName`) and Key Vault, activity → datasets (inputs/outputs, or the
 * `dataset` of Lookup, GetMetadata, Delete), linked services and pipelines (ExecutePipeline), nested ones too.
 * (`dependsOn` between activities: dependencies.ts.)
 */
import type { Problem } from '../errors.js';
import { activitiesOf } from '../model/activities.js';
import { nameKey, type Factory } from '../model/factory.js';
import { likeType } from '../model/linkedServiceTypes.js';
import { BUILT_IN_INTEGRATION_RUNTIMES, DATASET_TYPES, LINKED_SERVICE_TYPES, LOCATION_TYPES, STAGING_STORES, STORED_PROCEDURE_STORES, datasetTypeInfo } from '../model/catalogue.js';
import type { Dataset, LinkedService, Pipeline } from '../model/types.js';
import { find, isUnloaded, missingHint, typeOf } from './lookup.js';
import { problemAt, type JsonPath } from './problem.js';
import { listOf } from './suggest.js';
import { asText } from './asText.js';

export function checkReferences(f: Factory): Problem[] {
  const out: Problem[] = [];
  for (const ls of f.linkedServices.values()) out.push(...linkedServiceRefs(f, ls));
  for (const ds of f.datasets.values()) out.push(...datasetRefs(f, ds));
  for (const p of f.pipelines.values()) out.push(...pipelineRefs(f, p));
  return out;
}

function linkedServiceRefs(f: Factory, ls: LinkedService): Problem[] {
  const out: Problem[] = [];
  const cv = ls.properties.connectVia?.referenceName;
  const tp = (isObject(ls.properties.typeProperties) ? ls.properties.typeProperties : {}) as Record<string, unknown>;
  const gw = tp.gatewayName;
  const cvPath = ['properties', 'connectVia', 'referenceName'];
  const gwPath = ['properties', 'typeProperties', 'gatewayName'];
  if (typeof cv === 'string' && typeof gw === 'string' && nameKey(cv) !== nameKey(gw)) {
    out.push(problemAt(ls, 'error', 'GATEWAY_CONFLICT', gwPath, `names gateway "${gw}" but connectVia names "${cv}"`, 'keep one of them: connectVia (v2) or typeProperties.gatewayName (v1)'));
  }
  for (const [name, path] of [[cv, cvPath], [gw, gwPath]] as Array<[unknown, JsonPath]>) {
    if (typeof name !== 'string' || !name || BUILT_IN_INTEGRATION_RUNTIMES.some((b) => nameKey(b) === nameKey(name))) continue;
    if (find(f, 'integrationRuntime', name) || isUnloaded(f, 'integrationRuntime', name)) continue;
    const create = `create integrationRuntime/${name}.json: { "name": "${name}", "properties": { "type": "SelfHosted" } }`;
    out.push(problemAt(ls, 'error', 'REF_NOT_FOUND', path, `integration runtime (gateway) "${name}" does not exist`, missingHint(f, 'integrationRuntime', name, create)));
  }
  for (const { path, store } of keyVaultReferences(tp, ['properties', 'typeProperties'])) {
    const target = find(f, 'linkedService', store);
    if (!target && isUnloaded(f, 'linkedService', store)) continue;
    if (!target) out.push(problemAt(ls, 'error', 'REF_NOT_FOUND', path, `linked service "${store}" does not exist`, missingHint(f, 'linkedService', store, `create an AzureKeyVault linked service named "${store}"`)));
    else if (typeOf(target) !== 'AzureKeyVault') out.push(problemAt(ls, 'error', 'REF_TYPE_MISMATCH', path, `"${store}" is a ${typeOf(target)} linked service, not AzureKeyVault`, 'point "store" at an AzureKeyVault linked service'));
  }
  return out;
}

function datasetRefs(f: Factory, ds: Dataset): Problem[] {
  const name = ds.properties.linkedServiceName?.referenceName;
  if (typeof name !== 'string' || !name) return [];
  const path = ['properties', 'linkedServiceName', 'referenceName'];
  const target = find(f, 'linkedService', name);
  if (!target && isUnloaded(f, 'linkedService', name)) return [];
  if (!target) return [problemAt(ds, 'error', 'REF_NOT_FOUND', path, `linked service "${name}" does not exist`, missingHint(f, 'linkedService', name, `create linkedService/${name}.json`))];
  const info = datasetTypeInfo(ds.properties.type);
  const lsType = typeOf(target);
  if (!info || !lsType || !LINKED_SERVICE_TYPES.includes(lsType as never)) return [];
  if (!info.linkedServiceTypes.includes(likeType(lsType) as never)) {
    const fitting = [...f.linkedServices.values()].filter((l) => info.linkedServiceTypes.includes(likeType(typeOf(l)) as never)).map((l) => l.name);
    const needs = info.linkedServiceTypes.join(' or ');
    const otherType = Object.entries(DATASET_TYPES).find(([, d]) => d.linkedServiceTypes.includes(likeType(lsType) as never) && !d.file === !info.file)?.[0];
    const retype = otherType ? `, or write "type": "${otherType}" for a dataset of "${target.name}"` : '';
    const hint = fitting.length ? `point it at ${listOf(fitting)}${retype}` : `create a ${needs} linked service and point at it${retype || ', or change the dataset type'}`;
    return [problemAt(ds, 'error', 'REF_TYPE_MISMATCH', path, `a ${ds.properties.type} dataset needs a ${needs} linked service, but "${target.name}" is ${lsType}`, hint)];
  }
  const location = (ds.properties.typeProperties as { location?: { type?: unknown } } | undefined)?.location;
  const loc = typeof location?.type === 'string' ? LOCATION_TYPES[location.type] : undefined;
  if (info.file && loc && loc.linkedServiceType !== likeType(lsType)) {
    const fits = Object.entries(LOCATION_TYPES).find(([, l]) => l.linkedServiceType === likeType(lsType))?.[0];
    const hint = fits ? `write "type": "${fits}", the location type of linked service "${target.name}"` : 'point "linkedServiceName" at a linked service that fits the location';
    return [problemAt(ds, 'error', 'REF_TYPE_MISMATCH', ['properties', 'typeProperties', 'location', 'type'], `location "${location!.type as string}" needs a ${loc.linkedServiceType} linked service, but "${target.name}" is ${lsType}`, hint)];
  }
  return [];
}

function pipelineRefs(f: Factory, p: Pipeline): Problem[] {
  const out: Problem[] = [];
  for (const { activity: a, path: base } of activitiesOf(p)) {
    const tp = (isObject(a.typeProperties) ? a.typeProperties : {}) as Record<string, unknown>;
    const datasetRefs: Array<[unknown, JsonPath, string]> = [];
    for (const side of ['inputs', 'outputs'] as const) {
      const refs = Array.isArray(a[side]) ? a[side]! : [];
      refs.forEach((r, j) => datasetRefs.push([r?.referenceName, [...base, side, j, 'referenceName'], side]));
    }
    // Lookup, GetMetadata, Delete name their dataset in typeProperties
    if (isObject(tp.dataset)) datasetRefs.push([(tp.dataset as { referenceName?: unknown }).referenceName, [...base, 'typeProperties', 'dataset', 'referenceName'], 'dataset']);
    for (const [name, path, side] of datasetRefs) {
      if (typeof name !== 'string' || !name || find(f, 'dataset', name) || isUnloaded(f, 'dataset', name)) continue;
      const usedBy = [...f.datasets.values()].filter((d) => nameKey(asText(d.properties.linkedServiceName?.referenceName ?? '')) === nameKey(name)).map((d) => d.name);
      const viaLs = find(f, 'linkedService', name)
        ? `"${name}" is a linked service; ${side} name datasets: ${usedBy.length ? `use ${listOf(usedBy)} (a dataset of "${name}")` : `create a dataset whose linkedServiceName is "${name}"`}`
        : missingHint(f, 'dataset', name, `create dataset/${name}.json`);
      out.push(problemAt(p, 'error', 'REF_NOT_FOUND', path, `dataset "${name}" does not exist`, viaLs));
    }
    const child = asText(a.type).toLowerCase() === 'executepipeline' && isObject(tp.pipeline) ? (tp.pipeline as { referenceName?: unknown }).referenceName : undefined;
    if (typeof child === 'string' && child && !find(f, 'pipeline', child) && !isUnloaded(f, 'pipeline', child)) {
      out.push(problemAt(p, 'error', 'REF_NOT_FOUND', [...base, 'typeProperties', 'pipeline', 'referenceName'], `pipeline "${child}" does not exist`, missingHint(f, 'pipeline', child, `create pipeline/${child}.json`)));
    }
    const lsName = a.linkedServiceName?.referenceName;
    if (typeof lsName === 'string' && lsName) {
      const path = [...base, 'linkedServiceName', 'referenceName'];
      const target = find(f, 'linkedService', lsName);
      if (!target) {
        if (!isUnloaded(f, 'linkedService', lsName)) out.push(problemAt(p, 'error', 'REF_NOT_FOUND', path, `linked service "${lsName}" does not exist`, missingHint(f, 'linkedService', lsName, `create linkedService/${lsName}.json`)));
      } else if (a.type === 'SqlServerStoredProcedure' && LINKED_SERVICE_TYPES.includes(typeOf(target) as never) && !STORED_PROCEDURE_STORES.includes(likeType(typeOf(target)) as never)) {
        out.push(problemAt(p, 'error', 'REF_TYPE_MISMATCH', path, `a stored procedure runs on ${STORED_PROCEDURE_STORES.join(', ')}, but "${target.name}" is ${typeOf(target)}`, 'point it at a SQL Server, PostgreSQL, MySQL or MariaDB linked service'));
      }
    }
    const staging = (a.typeProperties as { stagingSettings?: { linkedServiceName?: { referenceName?: unknown } } } | undefined)?.stagingSettings?.linkedServiceName?.referenceName;
    if (typeof staging === 'string' && staging) {
      const path = [...base, 'typeProperties', 'stagingSettings', 'linkedServiceName', 'referenceName'];
      const target = find(f, 'linkedService', staging);
      if (!target) {
        if (!isUnloaded(f, 'linkedService', staging)) out.push(problemAt(p, 'error', 'REF_NOT_FOUND', path, `linked service "${staging}" does not exist`, missingHint(f, 'linkedService', staging, `create linkedService/${staging}.json`)));
      } else if (LINKED_SERVICE_TYPES.includes(typeOf(target) as never) && !STAGING_STORES.includes(likeType(typeOf(target)) as never)) out.push(problemAt(p, 'error', 'REF_TYPE_MISMATCH', path, `data is staged in ${STAGING_STORES.join(' or ')}, but "${target.name}" is ${typeOf(target)}`, 'point it at an AzureBlobStorage linked service'));
    }
  }
  return out;
}

/** Every `{ "type": "AzureKeyVaultSecret", "store": { "referenceName": ... } }` under `value`. */
function keyVaultReferences(value: unknown, path: JsonPath): Array<{ path: JsonPath; store: string }> {
  if (!isObject(value)) return [];
  const v = value as Record<string, unknown>;
  const store = (v.store as { referenceName?: unknown } | undefined)?.referenceName;
  if (v.type === 'AzureKeyVaultSecret' && typeof store === 'string') return [{ path: [...path, 'store', 'referenceName'], store }];
  return Object.entries(v).flatMap(([k, x]) => keyVaultReferences(x, [...path, k]));
}

function isObject(v: unknown): v is Record<string, never> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
