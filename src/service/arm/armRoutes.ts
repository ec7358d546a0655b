/** Every Azure Resource Manager route of the service (Microsoft.DataFactory, api-version 2018-06-01; the subscription list, 2022-12-01). */
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { agentReleaseRoutes } from './agentReleaseRoutes.js';
import { childRoutes } from './childRoutes.js';
import { factoryRoutes } from './factoryRoutes.js';
import { integrationRuntimeRoutes } from './integrationRuntimeRoutes.js';
import { nodeRoutes } from './nodeRoutes.js';
import { runRoutes } from './runRoutes.js';
import { subscriptionRoutes } from './subscriptionRoutes.js';
import { supportReportRoutes } from './supportReportRoutes.js';
import { testConnectivityRoutes } from './testConnectivityRoute.js';

export function armRoutes(router: Router, ctx: ServiceContext): Router {
  subscriptionRoutes(router, ctx);
  factoryRoutes(router, ctx);
  childRoutes(router, ctx);
  integrationRuntimeRoutes(router, ctx);
  nodeRoutes(router, ctx);
  runRoutes(router, ctx);
  agentReleaseRoutes(router, ctx);
  supportReportRoutes(router, ctx);
  testConnectivityRoutes(router, ctx);
  return router;
}
