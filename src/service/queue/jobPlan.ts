/**
 * What a pipeline (at createRun) or one data activity (when the orchestrator reaches it) needs from the factory:
 * every dataset and linked service it reaches (references anywhere in its JSON, datasets' linked services, linked
 * services' own references) and the self-hosted gateways those name. Anything missing is a clear message.
 * Resources go into a job as they were written (secrets the store keeps sealed opened): the job is sealed too.
 */
import { gatewayOf } from '../../common/model/gateway.js';
import type { LinkedService } from '../../common/model/types.js';
import type { NamedResource } from '../../common/gateway/protocol.js';
import type { ResourceStore } from '../store/resources.js';

export type ResourcePlan = { ok: true; gateways: string[]; linkedServices: NamedResource[]; datasets: NamedResource[] } | { ok: false; message: string };

/**
 * Collects the resources `value` reaches. `what` names it in messages ("pipeline \"P\"", "activity \"A\"").
 * A reference whose name is an expression (`@item().ds`) is resolved only when its activity runs: skipped here.
 */
export async function collectResources(resources: ResourceStore, factoryId: string, what: string, value: unknown): Promise<ResourcePlan> {
  const datasets = new Map<string, NamedResource>();
  const linked = new Map<string, NamedResource>();
  const missing: string[] = [];
  const literal = (name: string) => !name.startsWith('@');

  const addLinked = async (name: string): Promise<void> => {
    if (!literal(name) || linked.has(name.toLowerCase())) return;
    const row = await resources.get(factoryId, 'linkedservices', name);
    if (!row) return void missing.push(`linked service "${name}"`);
    linked.set(name.toLowerCase(), { name: row.name, properties: resources.opened(row) });
    for (const r of referencesIn(row.properties, 'LinkedServiceReference')) await addLinked(r);
  };
  for (const d of referencesIn(value, 'DatasetReference')) {
    if (!literal(d) || datasets.has(d.toLowerCase())) continue;
    const row = await resources.get(factoryId, 'datasets', d);
    if (!row) {
      missing.push(`dataset "${d}"`);
      continue;
    }
    datasets.set(d.toLowerCase(), { name: row.name, properties: resources.opened(row) });
    for (const r of referencesIn(row.properties, 'LinkedServiceReference')) await addLinked(r);
  }
  for (const r of referencesIn(value, 'LinkedServiceReference')) await addLinked(r);
  if (missing.length) return { ok: false, message: `${what} refers to ${missing.join(', ')}, which the factory does not have; create it, or fix the reference` };

  const gateways = new Map<string, string>();
  for (const ls of linked.values()) {
    const g = gatewayOf({ kind: 'linkedService', name: ls.name, file: '', properties: ls.properties } as unknown as LinkedService);
    if (g && !gateways.has(g.name.toLowerCase())) gateways.set(g.name.toLowerCase(), g.name);
  }
  return { ok: true, gateways: [...gateways.values()], linkedServices: [...linked.values()], datasets: [...datasets.values()] };
}

export type GatewayChoice = { ok: true; gateway: string } | { ok: false; message: string };

/**
 * The gateway one data activity runs on: the one its linked services name. An activity that reaches only cloud
 * stores (no connectVia) runs on the pipeline's gateway when the run's pipeline names exactly one (this service
 * has no Azure integration runtime; a gateway reaches the cloud too).
 */
export async function gatewayFor(resources: ResourceStore, factoryId: string, activity: string, gateways: string[], runGateways: string[]): Promise<GatewayChoice> {
  let gateway: string;
  if (gateways.length > 1) return { ok: false, message: `activity "${activity}" reaches linked services on several gateways (${gateways.join(', ')}); one activity runs on one gateway — copy through a store both reach, in two activities, or (a Copy from one gateway's store into the other's) with enableStaging through a blob store without connectVia` };
  if (gateways.length === 1) gateway = gateways[0]!;
  else if (runGateways.length === 1) gateway = runGateways[0]!;
  else {
    const why = runGateways.length ? `the pipeline names several (${runGateways.join(', ')}), so which one is not clear` : 'neither does the pipeline';
    return { ok: false, message: `no linked service of activity "${activity}" runs through a self-hosted integration runtime and ${why}; set connectVia on its linked service (this service runs data activities only on gateways)` };
  }
  if (!(await resources.get(factoryId, 'integrationRuntimes', gateway))) return { ok: false, message: `integration runtime "${gateway}" (named by connectVia) does not exist in this factory; create it first` };
  return { ok: true, gateway };
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
