/** ARM resource ids and types, spelled as Azure returns them. */

export interface FactoryPath {
  subscriptionId: string;
  resourceGroupName: string;
  factoryName: string;
}

export const FACTORY_PATH = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataFactory/factories/{factoryName}';

export function factoryId(p: { subscription: string; resource_group: string; name: string }): string {
  return `/subscriptions/${p.subscription}/resourceGroups/${p.resource_group}/providers/Microsoft.DataFactory/factories/${p.name}`;
}

/** ARM's type string per child collection. */
export const CHILD_TYPES = {
  linkedservices: 'Microsoft.DataFactory/factories/linkedservices',
  datasets: 'Microsoft.DataFactory/factories/datasets',
  pipelines: 'Microsoft.DataFactory/factories/pipelines',
  integrationRuntimes: 'Microsoft.DataFactory/factories/integrationruntimes',
} as const;
