/** Finding the resources a route is about, or answering with ARM's 404. */
import { echoedMask, MASK } from '../../common/maskSecrets.js';
import { notFound, badRequest } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import type { FactoryRow } from '../store/factories.js';
import { factoryKey } from '../store/factories.js';
import type { GatewayRow } from '../store/gateways.js';
import type { ResourceRow, StoredKind } from '../store/resources.js';

export async function factoryOf(ctx: ServiceContext, p: Record<string, string>): Promise<FactoryRow> {
  const f = await ctx.factories.get(factoryKey(p.subscriptionId!, p.resourceGroupName!, p.factoryName!));
  if (!f) throw notFound(`The Resource 'Microsoft.DataFactory/factories/${p.factoryName}' under resource group '${p.resourceGroupName}' was not found.`);
  return f;
}

export const KIND_WORDS: Record<StoredKind, string> = { linkedservices: 'linked service', datasets: 'dataset', pipelines: 'pipeline', integrationRuntimes: 'integration runtime' };

export async function childOf(ctx: ServiceContext, f: FactoryRow, kind: StoredKind, name: string): Promise<ResourceRow> {
  const r = await ctx.resources.get(f.id, kind, name);
  if (!r) throw notFound(`The ${KIND_WORDS[kind]} '${name}' was not found in factory '${f.name}'.`);
  return r;
}

export async function gatewayOfIr(ctx: ServiceContext, f: FactoryRow, name: string): Promise<{ ir: ResourceRow; gateway: GatewayRow }> {
  const ir = await childOf(ctx, f, 'integrationRuntimes', name);
  const gateway = await ctx.gateways.ensure(f.id, ir.name);
  // deleted since the lookup above
  if (!gateway) throw notFound(`The ${KIND_WORDS.integrationRuntimes} '${name}' was not found in factory '${f.name}'.`);
  return { ir, gateway };
}

// ADF's naming rules (Data Factory naming rules page): entity names start with a letter, digit or underscore
// and avoid . + ? / < > * % & : \ #
const ENTITY_NAME = /^[A-Za-z0-9_][^<>*#.%&:\\+?/]{0,259}$/;
const FACTORY_NAME = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

export function checkName(kind: StoredKind | 'factory', name: string): void {
  const ok = kind === 'factory' ? FACTORY_NAME.test(name) && name.length >= 3 && name.length <= 63 : ENTITY_NAME.test(name);
  if (!ok) throw badRequest(`'${name}' is not a valid ${kind === 'factory' ? 'factory' : KIND_WORDS[kind]} name: see the Data Factory naming rules`, 'InvalidResourceName');
}

export function propertiesOf(body: unknown): Record<string, unknown> {
  const p = (body as { properties?: unknown } | undefined)?.properties;
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw badRequest('the request body must be an object with "properties"', 'BadRequest', 'properties');
  return p as Record<string, unknown>;
}

/** A PUT that sends back the mask an answer showed would store ten asterisks in place of the secret: refused. */
export function refuseEchoedMask(kind: StoredKind, properties: Record<string, unknown>): void {
  const at = echoedMask(properties, kind === 'linkedservices');
  if (at) throw badRequest(`${at} is ${MASK}, what answers show in place of a secret, not the secret: send the secret itself (or an EncryptedCredential) when you write the ${KIND_WORDS[kind]}`, 'MaskedSecret', at);
}
