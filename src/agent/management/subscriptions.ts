/**
 * The subscriptions a token can see (`GET {endpoint}/subscriptions?api-version=2022-12-01`, Microsoft.Resources),
 * sent through a Data Factory client's own pipeline so authentication, TLS trust and retries are the ones its
 * Data Factory calls use. `@azure/arm-resources-subscriptions` would do the same one GET for ~150 KB more bundle.
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { createPipelineRequest } from '@azure/core-rest-pipeline';

export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

export interface SubscriptionInfo {
  subscriptionId: string;
  displayName: string;
  state?: string;
  tenantId?: string;
}

export async function listSubscriptions(client: DataFactoryManagementClient, endpoint: string): Promise<SubscriptionInfo[]> {
  const out: SubscriptionInfo[] = [];
  let url: string | undefined = `${endpoint.replace(/\/+$/, '')}/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`;
  // ARM pages with nextLink; a guard against a server that hands back the same link forever.
  for (let page = 0; url && page < 100; page++) {
    const r = await client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
    const text = r.bodyAsText ?? '';
    if (r.status !== 200) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: the raw text says enough
      }
      throw new Error(`listing subscriptions at ${new URL(url).origin} failed with HTTP ${r.status}: ${message}`);
    }
    const body = JSON.parse(text) as { value?: Array<Partial<SubscriptionInfo>>; nextLink?: string };
    for (const s of body.value ?? []) if (s.subscriptionId) out.push({ subscriptionId: s.subscriptionId, displayName: s.displayName || s.subscriptionId, state: s.state, tenantId: s.tenantId });
    url = body.nextLink || undefined;
  }
  return out;
}
