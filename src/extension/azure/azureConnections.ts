/** The Azure subscriptions the signed-in account sees at the Resource Manager endpoint, each as a Data Factory connection. */
import { listSubscriptions } from '../../agent/management/subscriptions';
import { ext } from '../extensionVariables';
import { factoryServiceClient, type FactoryServiceConnection } from '../service/factoryServiceClient';
import { resourceManagerEndpoint } from './azureAccount';

/** A Data Factory client needs some subscription to be built; listing subscriptions uses none. */
const ANY_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

export async function azureConnections(): Promise<Array<{ displayName: string; conn: FactoryServiceConnection }>> {
  const endpoint = resourceManagerEndpoint();
  const credential = ext.azure.credential();
  const client = await factoryServiceClient({ url: endpoint, subscription: ANY_SUBSCRIPTION, credential });
  return (await listSubscriptions(client, endpoint)).map((s) => ({ displayName: s.displayName, conn: { url: endpoint, subscription: s.subscriptionId, credential } }));
}
