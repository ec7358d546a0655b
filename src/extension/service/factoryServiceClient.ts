/**
 * A Data Factory management client (`@azure/arm-datafactory`, built by the management library's
 * `createManagementClient`) for a factory service the user connected to — its URL and CA certificate file in
 * settings, its admin token in SecretStorage — or for an Azure subscription, with the signed-in Microsoft session as
 * the credential. Our service speaks the same Azure Resource Manager REST shapes as Azure, so one client serves both.
 */
import { readFileSync } from 'node:fs';
import type { DataFactoryManagementClient } from '@azure/arm-datafactory';
import type { TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { createManagementClient } from '../../agent/management/client';
import { ext } from '../extensionVariables';

export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const DEFAULT_RESOURCE_GROUP = 'default';

export interface FactoryServiceConnection {
  url: string;
  caCertFile?: string;
  subscription: string;
  /** An Azure subscription reached with the Microsoft session; absent: the factory service's admin token. */
  credential?: TokenCredential;
}

/** Tells tree nodes of the same factory apart when it is reached both as a factory service and as an Azure subscription. */
export function connectionKey(conn: FactoryServiceConnection): string {
  return `${conn.credential ? 'azure' : 'service'}:${conn.url}:${conn.subscription}`;
}

export function serviceConnection(): FactoryServiceConnection | undefined {
  const c = vscode.workspace.getConfiguration('dmgw.factoryService');
  const url = c.get<string>('url')?.trim();
  if (!url) return undefined;
  return { url, caCertFile: c.get<string>('caCertificateFile')?.trim() || undefined, subscription: c.get<string>('subscription')?.trim() || DEFAULT_SUBSCRIPTION };
}

export async function factoryServiceClient(conn: FactoryServiceConnection): Promise<DataFactoryManagementClient> {
  let credential = conn.credential;
  if (!credential) {
    const token = await ext.secrets.get('factoryServiceToken', conn.url);
    if (!token) throw new Error(`no token for ${conn.url}: run "Data Management Gateway: Connect to Factory Service"`);
    credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
  }
  return createManagementClient({ endpoint: conn.url, subscription: conn.subscription, credential, caPem: conn.caCertFile ? readFileSync(conn.caCertFile, 'utf8') : undefined, maxRetries: 1 });
}

/** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.DataFactory/factories/F` → RG */
export function resourceGroupOf(id: string | undefined): string {
  return /\/resourceGroups\/([^/]+)\//i.exec(id ?? '')?.[1] ?? DEFAULT_RESOURCE_GROUP;
}
