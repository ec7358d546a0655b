/**
 * Regenerate Key: after a warning, replaces the key; every node registered with the old one stops at its next poll
 * (the seed: "the gateway on the old machine stops functioning as soon as you recreate the key").
 */
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';
import { factoryServiceClient } from '../service/factoryServiceClient';
import type { GatewayKeyTreeItem } from '../tree/GatewayKeyTreeItem';

export async function regenerateGatewayKey(item: GatewayKeyTreeItem, confirmed = false): Promise<boolean> {
  const gw = item.gatewayItem;
  if (!confirmed) {
    const ok = await vscode.window.showWarningMessage(
      `Regenerate ${item.keyName} of gateway ${gw.gateway}? Every node registered with the current ${item.keyName} stops working at once and must be registered again with the new key.`,
      { modal: true },
      'Regenerate Key',
    );
    if (ok !== 'Regenerate Key') return false;
  }
  const f = gw.factoryItem;
  await (await factoryServiceClient(f.conn)).integrationRuntimes.regenerateAuthKey(f.resourceGroup, f.factory, gw.gateway, { keyName: item.keyName });
  ext.log.info(`regenerated ${item.keyName} of gateway ${gw.gateway} (factory ${f.factory})`);
  ext.tree.refresh();
  return true;
}
