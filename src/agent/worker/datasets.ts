/**
 * Datasets and linked services as an activity uses them: the reference's parameters evaluated in the activity's
 * scope, the dataset's and linked service's own expressions evaluated with their parameters, and the linked
 * service decrypted (decryptLinkedService: its credential checked against the server it was bound to). Exact
 * numbers become their digits here: what a driver is handed is text.
 */
import { DmgwError } from '../../common/errors.js';
import { plainValue, resolveExpressions, type ExpressionScope } from '../../common/expressions.js';
import { nameKey, type Factory } from '../../common/model/factory.js';
import type { Dataset, LinkedService, ParameterSpec, Reference } from '../../common/model/types.js';
import type { ResolvedDataset } from '../copy/endpoints.js';
import { rememberSource } from '../connectors/stagingJournal.js';
import { decryptLinkedService } from '../credentials/decrypt.js';

function paramValues(specs: Record<string, ParameterSpec> | undefined, given: Record<string, unknown> | undefined, scope: ExpressionScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs ?? {})) if (s.defaultValue !== undefined) out[k] = s.defaultValue;
  for (const [k, v] of Object.entries(given ?? {})) out[k] = resolveExpressions(v, scope);
  return out;
}

/**
 * A linked service reference, resolved and decrypted: the reference's parameters evaluated in `scope` (the
 * activity's, or the dataset's), then the linked service's own expressions with them. `field` says where the
 * reference is, for messages.
 */
export async function linkedServiceOf(ref: Reference | undefined, factory: Factory, scope: ExpressionScope, home: string | undefined, field: string, usedBy: string): Promise<LinkedService> {
  if (!ref?.referenceName) throw new DmgwError('LINKED_SERVICE_MISSING', `${usedBy} has no linkedServiceName`, { field }, 'add "linkedServiceName": { "referenceName": "...", "type": "LinkedServiceReference" }');
  const ls = factory.linkedServices.get(nameKey(ref.referenceName));
  if (!ls) throw new DmgwError('LINKED_SERVICE_NOT_FOUND', `linked service "${ref.referenceName}" of ${usedBy} is not in the factory`, { field }, 'add linkedService/<name>.json or fix the reference');
  const lsScope: ExpressionScope = { ...scope, linkedService: paramValues(ls.properties.parameters, ref.parameters as Record<string, unknown> | undefined, scope) };
  const typeProperties = plainValue(resolveExpressions(ls.properties.typeProperties ?? {}, lsScope)) as LinkedService['properties']['typeProperties'];
  const resolved: LinkedService = { ...ls, properties: { ...ls.properties, typeProperties } };
  const decrypted = await decryptLinkedService(resolved, { home });
  // what a connector stages is announced to the host with the job's form of its linked service (stagingJournal.ts)
  rememberSource(decrypted, resolved);
  return decrypted;
}

/** A dataset reference (Copy inputs/outputs, Lookup/GetMetadata/Delete `dataset`), resolved with its linked service. */
export async function resolveDataset(ref: Reference | undefined, factory: Factory, scope: ExpressionScope, home: string | undefined, field: string): Promise<ResolvedDataset> {
  if (!ref?.referenceName) throw new DmgwError('DATASET_MISSING', `no dataset is named at ${field}`, { field }, 'add { "referenceName": "...", "type": "DatasetReference" }');
  const ds: Dataset | undefined = factory.datasets.get(nameKey(ref.referenceName));
  if (!ds) throw new DmgwError('DATASET_NOT_FOUND', `dataset "${ref.referenceName}" is not in the factory`, { field: `${field}.referenceName` }, 'add dataset/<name>.json or fix the reference');
  const dsScope: ExpressionScope = { ...scope, dataset: paramValues(ds.properties.parameters, ref.parameters, scope) };
  const lsRef = ds.properties.linkedServiceName;
  const linkedService = await linkedServiceOf(lsRef, factory, dsScope, home, `${ds.file}: properties.linkedServiceName`, `dataset ${ds.name}`);
  return { name: ds.name, type: ds.properties.type, typeProperties: plainValue(resolveExpressions(ds.properties.typeProperties ?? {}, dsScope)) as Record<string, unknown>, linkedService, file: ds.file };
}
