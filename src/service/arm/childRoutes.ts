/**
 * Linked services, datasets and pipelines: createOrUpdate (PUT), get, delete, listByFactory. A linked service
 * that runs through a gateway is stored with its secrets encrypted for the gateway (encryptOnArrival.ts); every
 * answer shows secrets masked as ADF does (the store keeps them so: store/resources.ts).
 */
import { checkDatasetPut, checkLinkedServicePut, checkPipelinePut } from '../../common/model/armBodySchemas.js';
import { readBody } from '../http/body.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import type { StoredKind } from '../store/resources.js';
import { FACTORY_PATH } from './ids.js';
import { checkName, childOf, factoryOf, KIND_WORDS, refuseEchoedMask } from './lookup.js';
import { entity, entityForGet, preconditionFailed, writeConditionOf } from './etag.js';
import { encryptOnArrival } from './encryptOnArrival.js';
import { childJson } from './shapes.js';

/** Each kind with the schema of its PUT body (common/model/armBodySchemas.ts: what the service reads of it). */
const KINDS = [
  { kind: 'linkedservices', segment: 'linkedservices', check: checkLinkedServicePut },
  { kind: 'datasets', segment: 'datasets', check: checkDatasetPut },
  { kind: 'pipelines', segment: 'pipelines', check: checkPipelinePut },
] as const satisfies ReadonlyArray<{ kind: StoredKind; segment: string; check: unknown }>;

export function childRoutes(router: Router, ctx: ServiceContext): void {
  for (const { kind, segment, check } of KINDS) {
    const list = `${FACTORY_PATH}/${segment}`;
    const item = `${list}/{name}`;
    router.add('GET', list, async ({ params }) => {
      const f = await factoryOf(ctx, params);
      return { status: 200, body: { value: (await ctx.resources.list(f.id, kind)).map((r) => childJson(f, r)) } };
    });
    router.add('PUT', item, async ({ req, params }) => {
      const f = await factoryOf(ctx, params);
      checkName(kind, params.name!);
      const props = (await readBody(req, check)).properties;
      refuseEchoedMask(kind, props);
      const cond = writeConditionOf(req);
      const stored = kind === 'linkedservices' ? await encryptOnArrival(ctx, f, params.name!, props) : props;
      const row = await ctx.resources.upsert(f.id, kind, params.name!, stored, cond);
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
