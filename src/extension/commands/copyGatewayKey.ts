/** Copy Key: fetches the gateway key from the service (listAuthKeys) straight to the clipboard; it is never shown or logged. */
import * as vscode from 'vscode';
import { factoryServiceClient } from '../service/factoryServiceClient';
import type { GatewayKeyTreeItem } from '../tree/GatewayKeyTreeItem';

export async function gatewayKey(item: GatewayKeyTreeItem): Promise<string> {
  const f = item.gatewayItem.factoryItem;
  const keys = await (await factoryServiceClient(f.conn)).integrationRuntimes.listAuthKeys(f.resourceGroup, f.factory, item.gatewayItem.gateway);
  const key = keys[item.keyName];
  if (!key) throw new Error(`the service returned no ${item.keyName} for ${item.gatewayItem.gateway}`);
  return key;
}

export async function copyGatewayKey(item: GatewayKeyTreeItem): Promise<void> {
  await vscode.env.clipboard.writeText(await gatewayKey(item));
  void vscode.window.showInformationMessage(`Copied ${item.keyName} of gateway ${item.gatewayItem.gateway}: paste it into "Register Gateway" on the machine that should run it.`);
}
