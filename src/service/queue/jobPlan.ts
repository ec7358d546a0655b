/**
 * Turns a pipeline into a job for one gateway: collects every dataset and linked service the pipeline reaches
 * (references anywhere in its JSON, datasets' linked services, linked services' own references), and finds the
 * one self-hosted gateway they name. Anything missing is a clear message; the run is then recorded as Failed.
 */
import { gatewayOf } from '../../common/model/gateway.js';
import type { LinkedService } from '../../common/model/types.js';
import type { NamedResource } from '../../common/gateway/protocol.js';
import type { ResourceStore } from '../store/resources.js';

export type JobPlan = { ok: true; gateway: string; linkedServices: NamedResource[]; datasets: NamedResource[] } | { ok: false; message: string };

export async function planJob(resources: ResourceStore, factoryId: string, pipelineName: string, pipelineProps: Record<string, unknown>): Promise<JobPlan> {
  const datasets = new Map<string, NamedResource>();
  const linked = new Map<string, NamedResource>();
  const missing: string[] = [];

  const addLinked = async (name: string): Promise<void> => {
    if (linked.has(name.toLowerCase())) return;
    const row = await resources.get(factoryId, 'linkedservices', name);
    if (!row) return void missing.push(`linked service "${name}"`);
    linked.set(name.toLowerCase(), { name: row.name, properties: row.properties });
    for (const r of referencesIn(row.properties, 'LinkedServiceReference')) await addLinked(r);
  };
  for (const d of referencesIn(pipelineProps, 'DatasetReference')) {
    if (datasets.has(d.toLowerCase())) continue;
    const row = await resources.get(factoryId, 'datasets', d);
    if (!row) {
      missing.push(`dataset "${d}"`);
      continue;
    }
    datasets.set(d.toLowerCase(), { name: row.name, properties: row.properties });
    for (const r of referencesIn(row.properties, 'LinkedServiceReference')) await addLinked(r);
  }
  for (const r of referencesIn(pipelineProps, 'LinkedServiceReference')) await addLinked(r);
  if (missing.length) return { ok: false, message: `pipeline "${pipelineName}" refers to ${missing.join(', ')}, which the factory does not have; create it, or fix the reference` };

  const gateways = new Set<string>();
  for (const ls of linked.values()) {
    const g = gatewayOf({ kind: 'linkedService', name: ls.name, file: '', properties: ls.properties } as unknown as LinkedService);
    if (g) gateways.add(g.name);
  }
  if (gateways.size === 0) return { ok: false, message: `no linked service of pipeline "${pipelineName}" runs through a self-hosted integration runtime; set connectVia on the on-premises linked service (this service runs copies only on gateways)` };
  if (gateways.size > 1) return { ok: false, message: `pipeline "${pipelineName}" names several gateways (${[...gateways].join(', ')}); one run goes to one gateway` };
  const gateway = [...gateways][0]!;
  if (!(await resources.get(factoryId, 'integrationRuntimes', gateway))) return { ok: false, message: `integration runtime "${gateway}" (named by connectVia) does not exist in this factory; create it first` };
  return { ok: true, gateway, linkedServices: [...linked.values()], datasets: [...datasets.values()] };
}

/** Names of every `{ referenceName, type }` object of the given type anywhere in a JSON value. */
export function referencesIn(value: unknown, type: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.type === type && typeof o.referenceName === 'string') out.push(o.referenceName);
    for (const x of Object.values(o)) walk(x);
  };
  walk(value);
  return out;
}
