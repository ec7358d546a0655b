/**
 * Microsoft.Resources `GET /subscriptions` (api-version 2022-12-01), so a client that starts from "which subscriptions
 * can I see" — the VS Code extension's Azure tree, Azure's own tools — works against this service as against Azure.
 * The service has no subscription registry (any id in a path is accepted), so it lists what it can honestly name:
 * the subscriptions that hold a factory, and the default one every dmgw tool uses.
 */
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';

export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';
export const SUBSCRIPTIONS_PATH = '/subscriptions';
/** The subscription dmgw's tools use when none is named (`src/agent/management/options.ts` has the same). */
const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';

export function subscriptionRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', SUBSCRIPTIONS_PATH, async () => {
    const ids = await ctx.factories.subscriptions();
    if (!ids.some((s) => s.toLowerCase() === DEFAULT_SUBSCRIPTION)) ids.unshift(DEFAULT_SUBSCRIPTION);
    return { status: 200, body: { value: ids.map(subscriptionJson) } };
  });
}

function subscriptionJson(id: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    displayName: id === DEFAULT_SUBSCRIPTION ? 'Default subscription (dmgw factory service)' : `Subscription ${id}`,
    state: 'Enabled',
    authorizationSource: 'RoleBased',
  };
}
