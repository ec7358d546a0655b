/** integrationRuntimeNodes: get, update (concurrentJobsLimit), delete (revokes the node), ipAddress. */
import { checkNodePatch } from '../../common/model/armBodySchemas.js';
import { readBody } from '../http/body.js';
import { notFound } from '../http/httpError.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { FACTORY_PATH } from './ids.js';
import { factoryOf, gatewayOfIr } from './lookup.js';
import { nodeJson } from './shapes.js';

const ITEM = `${FACTORY_PATH}/integrationRuntimes/{name}/nodes/{nodeName}`;

export function nodeRoutes(router: Router, ctx: ServiceContext): void {
  const find = async (params: Record<string, string>) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const node = await ctx.nodes.get(gateway.id, params.nodeName!);
    if (!node) throw notFound(`Node '${params.nodeName}' was not found in integration runtime '${gateway.name}'.`);
    return { gateway, node };
  };
  router.add('GET', ITEM, async ({ params }) => {
    const { gateway, node } = await find(params);
    return { status: 200, body: nodeJson(node, ctx.settings, (await ctx.jobs.leasedByNode(gateway.id)).get(node.id) ?? 0) };
  });
  router.add('PATCH', ITEM, async ({ req, params }) => {
    const { gateway, node } = await find(params);
    const { concurrentJobsLimit } = await readBody(req, checkNodePatch);
    if (concurrentJobsLimit !== undefined) await ctx.nodes.setLimit(node.id, concurrentJobsLimit);
    const updated = (await ctx.nodes.get(gateway.id, node.name))!;
    return { status: 200, body: nodeJson(updated, ctx.settings, (await ctx.jobs.leasedByNode(gateway.id)).get(node.id) ?? 0) };
  });
  router.add('DELETE', ITEM, async ({ params }) => {
    const f = await factoryOf(ctx, params);
    const { gateway } = await gatewayOfIr(ctx, f, params.name!);
    const node = await ctx.nodes.get(gateway.id, params.nodeName!);
    if (!node) return { status: 204 };
    await ctx.nodes.delete(node.id);
    return { status: 200 };
  });
  router.add('POST', `${ITEM}/ipAddress`, async ({ params }) => {
    await find(params);
    return { status: 200, body: { ipAddress: '' } };
  });
}
