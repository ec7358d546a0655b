/** Linked services, datasets and pipelines: createOrUpdate (PUT), get, delete, listByFactory. */
import { readJson } from '../http/json.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import type { StoredKind } from '../store/resources.js';
import { FACTORY_PATH } from './ids.js';
import { checkName, childOf, factoryOf, KIND_WORDS, propertiesOf } from './lookup.js';
import { entity, entityForGet, preconditionFailed, writeConditionOf } from './etag.js';
import { childJson } from './shapes.js';
import { badRequest } from '../http/httpError.js';

const KINDS: Array<{ kind: StoredKind; segment: string }> = [
  { kind: 'linkedservices', segment: 'linkedservices' },
  { kind: 'datasets', segment: 'datasets' },
  { kind: 'pipelines', segment: 'pipelines' },
];

export function childRoutes(router: Router, ctx: ServiceContext): void {
  for (const { kind, segment } of KINDS) {
    const list = `${FACTORY_PATH}/${segment}`;
    const item = `${list}/{name}`;
    router.add('GET', list, async ({ params }) => {
      const f = await factoryOf(ctx, params);
      return { status: 200, body: { value: (await ctx.resources.list(f.id, kind)).map((r) => childJson(f, r)) } };
    });
    router.add('PUT', item, async ({ req, params }) => {
      const f = await factoryOf(ctx, params);
      checkName(kind, params.name!);
      const props = propertiesOf(await readJson(req));
      if (kind !== 'pipelines' && typeof props.type !== 'string') throw badRequest(`properties.type is required`, 'BadRequest', 'properties.type');
      if (kind === 'datasets' && !(props.linkedServiceName as { referenceName?: unknown } | undefined)?.referenceName) throw badRequest('properties.linkedServiceName.referenceName is required', 'BadRequest', 'properties.linkedServiceName');
      const cond = writeConditionOf(req);
      const row = await ctx.resources.upsert(f.id, kind, params.name!, props, cond);
      if (!row) throw preconditionFailed(`${KIND_WORDS[kind]} '${params.name}'`, cond, (await ctx.resources.get(f.id, kind, params.name!))?.etag);
      return entity(childJson(f, row), row.etag);
    });
    router.add('GET', item, async ({ req, params }) => {
      const f = await factoryOf(ctx, params);
      const row = await childOf(ctx, f, kind, params.name!);
      return entityForGet(req, row.etag, () => childJson(f, row));
    });
    router.add('DELETE', item, async ({ params }) => {
      const f = await factoryOf(ctx, params);
      return { status: (await ctx.resources.delete(f.id, kind, params.name!)) ? 200 : 204 };
    });
  }
}
