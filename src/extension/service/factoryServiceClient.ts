/**
 * A Data Factory management client (`@azure/arm-datafactory`) for the factory service the user connected to: its URL
 * and CA certificate file live in settings, its admin token in SecretStorage. Our service speaks the same Azure
 * Resource Manager REST shapes as Azure, so the same client serves both.
 */
import { readFileSync } from 'node:fs';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';

export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const DEFAULT_RESOURCE_GROUP = 'default';

export interface FactoryServiceConnection {
  url: string;
  caCertFile?: string;
  subscription: string;
}

export function serviceConnection(): FactoryServiceConnection | undefined {
  const c = vscode.workspace.getConfiguration('dmgw.factoryService');
  const url = c.get<string>('url')?.trim();
  if (!url) return undefined;
  return { url, caCertFile: c.get<string>('caCertificateFile')?.trim() || undefined, subscription: c.get<string>('subscription')?.trim() || DEFAULT_SUBSCRIPTION };
}

export async function factoryServiceClient(conn: FactoryServiceConnection): Promise<DataFactoryManagementClient> {
  const token = await ext.secrets.get('factoryServiceToken', conn.url);
  if (!token) throw new Error(`no token for ${conn.url}: run "Data Management Gateway: Connect to Factory Service"`);
  return new DataFactoryManagementClient({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }, conn.subscription, {
    endpoint: conn.url,
    ...(conn.caCertFile ? { tlsOptions: { ca: readFileSync(conn.caCertFile, 'utf8') } } : {}),
    retryOptions: { maxRetries: 1 },
  });
}

/** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.DataFactory/factories/F` → RG */
export function resourceGroupOf(id: string | undefined): string {
  return /\/resourceGroups\/([^/]+)\//i.exec(id ?? '')?.[1] ?? DEFAULT_RESOURCE_GROUP;
}
