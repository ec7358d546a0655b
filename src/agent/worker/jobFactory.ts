/**
 * A job message (one pipeline run from the factory service) as the in-memory Factory the pipeline runner reads:
 * each resource becomes a document as if it were a file of the ADF Git layout, so error positions still name
 * `pipeline/NAME.json:line:col`.
 */
import type { JobMessage, NamedResource, ProbeMessage } from '../../common/gateway/protocol.js';
import { JsonDocument } from '../../common/jsonDocument.js';
import { addDocument, emptyFactory, type Factory } from '../../common/model/factory.js';
import { RESOURCE_FOLDERS, type ResourceKind } from '../../common/model/types.js';

export function factoryOfJob(job: JobMessage): Factory {
  const factory = emptyFactory(`${job.factoryName} (run ${job.runId})`);
  const add = (kind: ResourceKind, r: NamedResource) => addDocument(factory, kind, new JsonDocument(`${RESOURCE_FOLDERS[kind]}/${r.name}.json`, JSON.stringify(r, null, 2)), r.name);
  for (const ls of job.linkedServices) add('linkedService', ls);
  for (const ds of job.datasets) add('dataset', ds);
  add('pipeline', job.pipeline);
  return factory;
}

/** The linked services of a probe (interactive Test Connection) as a factory, so references between them resolve as in a job. */
export function factoryOfProbe(probe: Pick<ProbeMessage, 'factoryName' | 'linkedServices'>): Factory {
  const factory = emptyFactory(`${probe.factoryName} (test connection)`);
  for (const ls of probe.linkedServices) addDocument(factory, 'linkedService', new JsonDocument(`${RESOURCE_FOLDERS.linkedService}/${ls.name}.json`, JSON.stringify(ls, null, 2)), ls.name);
  return factory;
}
