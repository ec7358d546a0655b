/**
 * Uploads a factory folder (ADF Git layout) to a factory: every integration runtime, linked service, dataset and
 * pipeline is created or updated, in that order so references resolve. Files are sent as they are on disk (ADF's
 * wire shape, `typeProperties` and all), which both our service and Azure accept; credentials stay as the
 * EncryptedCredential the author made, so the service never sees a plaintext secret. A folder with errors
 * (`dmgw validate`) is refused before anything is sent.
 */
import type { DatasetResource, IntegrationRuntimeResource, LinkedServiceResource, PipelineResource } from '@azure/arm-datafactory';
import { DmgwError, formatProblem, type Problem } from '../../common/errors.js';
import { loadFactory } from '../../common/model/factory.js';
import { hasErrors, validateFactory } from '../../common/validate/index.js';
import { call, type FactoryScope } from './scope.js';

export interface UploadResult {
  integrationRuntimes: string[];
  linkedServices: string[];
  datasets: string[];
  pipelines: string[];
  /** warnings of `dmgw validate` (e.g. a plaintext secret) */
  warnings: string[];
}

/** The folder's problems (`dmgw validate`); throws, naming the first errors, when there is any error. */
export function validateFolder(dir: string): Problem[] {
  const problems = validateFactory(loadFactory(dir));
  if (hasErrors(problems)) {
    const errors = problems.filter((p) => p.severity === 'error');
    throw new DmgwError('FACTORY_INVALID', `the factory folder has ${errors.length} error${errors.length === 1 ? '' : 's'}, nothing was uploaded:\n  ${errors.slice(0, 5).map(formatProblem).join('\n  ')}${errors.length > 5 ? '\n  …' : ''}`, { file: dir }, `\`dmgw validate ${dir}\` lists them all`);
  }
  return problems;
}

/** `problems`: the folder's, when the caller validated it already (validateFolder). */
export async function uploadFactory(scope: FactoryScope, dir: string, problems: Problem[] = validateFolder(dir)): Promise<UploadResult> {
  const factory = loadFactory(dir);
  const { client, resourceGroup: rg, factory: f } = scope;
  const out: UploadResult = { integrationRuntimes: [], linkedServices: [], datasets: [], pipelines: [], warnings: problems.map(formatProblem) };
  for (const ir of factory.integrationRuntimes.values()) {
    // A gateway that exists keeps its nodes and keys; only its definition is written.
    await call(scope, undefined, () => client.integrationRuntimes.createOrUpdate(rg, f, ir.name, { properties: ir.properties } as IntegrationRuntimeResource));
    out.integrationRuntimes.push(ir.name);
  }
  // Key Vaults first: other linked services' secrets may reference them.
  const linkedServices = [...factory.linkedServices.values()].sort((a, b) => Number(b.properties.type === 'AzureKeyVault') - Number(a.properties.type === 'AzureKeyVault'));
  for (const ls of linkedServices) {
    await call(scope, { kind: 'linked service', name: ls.name }, () => client.linkedServices.createOrUpdate(rg, f, ls.name, { properties: ls.properties } as LinkedServiceResource));
    out.linkedServices.push(ls.name);
  }
  for (const ds of factory.datasets.values()) {
    await call(scope, { kind: 'dataset', name: ds.name }, () => client.datasets.createOrUpdate(rg, f, ds.name, { properties: ds.properties } as DatasetResource));
    out.datasets.push(ds.name);
  }
  for (const p of factory.pipelines.values()) {
    // PipelineResource flattens `properties` in the SDK's model; the wire shape passes through as an extra property.
    await call(scope, { kind: 'pipeline', name: p.name }, () => client.pipelines.createOrUpdate(rg, f, p.name, { properties: p.properties } as unknown as PipelineResource));
    out.pipelines.push(p.name);
  }
  return out;
}
