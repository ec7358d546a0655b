/**
 * A factory to manage: the client and where the factory is. Every management call goes through `call`, which
 * turns the SDK's errors into ones that say what to do (armErrors.ts).
 */
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { explainManagementError, type CallContext } from './armErrors.js';
import { createManagementClient } from './client.js';
import type { ManagementTarget } from './target.js';

export interface FactoryScope {
  client: DataFactoryManagementClient;
  resourceGroup: string;
  factory: string;
  endpoint: string;
  /** Azure Resource Manager itself (not our service): changes some hints. */
  azure: boolean;
}

export function scopeOf(target: ManagementTarget): FactoryScope {
  return { client: createManagementClient(target.connection), resourceGroup: target.resourceGroup, factory: target.factory, endpoint: target.connection.endpoint, azure: target.azure };
}

export async function call<T>(scope: FactoryScope, resource: CallContext['resource'], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainManagementError(e, { endpoint: scope.endpoint, resourceGroup: scope.resourceGroup, factory: scope.factory, azure: scope.azure, resource });
  }
}
