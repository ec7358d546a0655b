/**
 * Test Connection through a factory's gateway, by way of the factory: `POST …/factories/{f}/testConnectivity`
 * (the route ADF's own UI calls; not in the generated client, so sent through its pipeline). The service hands the
 * test to an Online node of the gateway the linked service's connectVia names and answers with the connector's
 * own message (docs/GATEWAY-PROTOCOL.md, "Probes").
 */
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { DmgwError } from '../../common/errors.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { jsonBody, restErrorOf } from './armErrors.js';
import { call, type FactoryScope } from './scope.js';

export interface RemoteTestResult {
  succeeded: boolean;
  message: string;
  errors: Array<{ code: string; message: string }>;
  linkedService: string;
  integrationRuntime?: string;
  nodeName?: string;
  durationMs?: number;
}

/** `what`: a published linked service by name, or a definition (an unpublished edit; a plaintext secret in it is encrypted by the service for the gateway before it goes anywhere). */
export async function testConnectionRemote(scope: FactoryScope, what: { linkedServiceName: string } | { linkedService: { name: string; properties: Record<string, unknown> } }, timeoutSeconds?: number): Promise<RemoteTestResult> {
  const name = 'linkedServiceName' in what ? what.linkedServiceName : what.linkedService.name;
  const path = `/subscriptions/${encodeURIComponent(scope.client.subscriptionId ?? '')}/resourceGroups/${encodeURIComponent(scope.resourceGroup)}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(scope.factory)}/testConnectivity`;
  const url = `${scope.endpoint.replace(/\/+$/, '')}${path}?api-version=${DATA_FACTORY_API_VERSION}`;
  const body = JSON.stringify({ ...what, ...(timeoutSeconds ? { timeoutSeconds } : {}) });
  const r = await call(scope, { kind: 'linked service', name }, async () => {
    const res = await scope.client.sendRequest(createPipelineRequest({ url, method: 'POST', headers: createHttpHeaders({ 'content-type': 'application/json' }), body, timeout: 180_000 }));
    if (res.status === 200) return res;
    const error = (jsonBody(res)?.error ?? {}) as { code?: string; message?: string };
    // said at once by the service: the gateway has no Online node, or no such gateway
    if (error.code === 'IntegrationRuntimeOffline') throw new DmgwError('GATEWAY_OFFLINE', error.message ?? 'the gateway has no Online node', {});
    if (res.status === 404 && /integration runtime/i.test(error.message ?? '')) throw new DmgwError('GATEWAY_NOT_FOUND', error.message!, {}, 'the linked service\'s connectVia names it: create it (dmgw gateway create NAME) or fix connectVia');
    throw restErrorOf(res);
  });
  const answer = JSON.parse(r.bodyAsText ?? '{}') as Partial<RemoteTestResult>;
  // Azure's own answer may carry only `succeeded` and `errors`
  const errors = Array.isArray(answer.errors) ? answer.errors : [];
  return { ...answer, succeeded: answer.succeeded === true, errors, linkedService: answer.linkedService ?? name, message: answer.message ?? errors[0]?.message ?? (answer.succeeded ? `connected to ${name}` : `the test of ${name} failed without a message`) };
}
