/** Microsoft.DataFactory/factories: createOrUpdate, update, get, delete, listByResourceGroup, list. */
import { checkFactoryPatch, checkFactoryPut } from '../../common/model/armBodySchemas.js';
import { readBody } from '../http/body.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { factoryKey } from '../store/factories.js';
import { FACTORY_PATH } from './ids.js';
import { checkName, factoryOf } from './lookup.js';
import { entity, entityForGet, preconditionFailed, writeConditionOf } from './etag.js';
import { factoryJson } from './shapes.js';

export function factoryRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', '/subscriptions/{subscriptionId}/providers/Microsoft.DataFactory/factories', async ({ params }) => ({
    status: 200,
    body: { value: (await ctx.factories.list(params.subscriptionId!)).map(factoryJson) },
  }));
  router.add('GET', '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataFactory/factories', async ({ params }) => ({
    status: 200,
    body: { value: (await ctx.factories.list(params.subscriptionId!, params.resourceGroupName!)).map(factoryJson) },
  }));
  router.add('PUT', FACTORY_PATH, async ({ req, params }) => {
    checkName('factory', params.factoryName!);
    const body = await readBody(req, checkFactoryPut);
    const { provisioningState: _p, createTime: _c, version: _v, ...properties } = body.properties ?? {};
    const cond = writeConditionOf(req);
    const row = await ctx.factories.upsert({ subscription: params.subscriptionId!, resourceGroup: params.resourceGroupName!, name: params.factoryName!, location: body.location, tags: body.tags, identity: body.identity, properties }, cond);
    if (!row) throw preconditionFailed(`factory '${params.factoryName}'`, cond, (await ctx.factories.get(factoryKey(params.subscriptionId!, params.resourceGroupName!, params.factoryName!)))?.etag);
    return entity(factoryJson(row), row.etag);
  });
  router.add('PATCH', FACTORY_PATH, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    const body = await readBody(req, checkFactoryPatch);
    const cond = writeConditionOf(req);
    const row = await ctx.factories.patch(f.id, body.tags, body.identity, cond);
    if (!row) throw preconditionFailed(`factory '${f.name}'`, cond, (await ctx.factories.get(f.id))?.etag);
    return entity(factoryJson(row), row.etag);
  });
  router.add('GET', FACTORY_PATH, async ({ req, params }) => {
    const f = await factoryOf(ctx, params);
    return entityForGet(req, f.etag, () => factoryJson(f));
  });
  router.add('DELETE', FACTORY_PATH, async ({ params }) => {
    const deleted = await ctx.factories.delete(factoryKey(params.subscriptionId!, params.resourceGroupName!, params.factoryName!));
    return { status: deleted ? 200 : 204 };
  });
}
