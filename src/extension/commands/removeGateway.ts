/** Remove Gateway: deletes a self-hosted integration runtime; its nodes stop working at their next poll. */
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';
import { factoryServiceClient } from '../service/factoryServiceClient';
import type { IntegrationRuntimeTreeItem } from '../tree/IntegrationRuntimeTreeItem';

export async function removeGateway(item: IntegrationRuntimeTreeItem, confirmed = false): Promise<boolean> {
  const f = item.factoryItem;
  if (!confirmed) {
    const ok = await vscode.window.showWarningMessage(
      `Remove gateway ${item.gateway} from ${f.factory}? Its ${item.nodes.length} node(s) stop working at once, and linked services that connect via it cannot run.`,
      { modal: true },
      'Remove Gateway',
    );
    if (ok !== 'Remove Gateway') return false;
  }
  const client = await factoryServiceClient(f.conn);
  await client.integrationRuntimes.delete(f.resourceGroup, f.factory, item.gateway);
  ext.log.info(`removed gateway ${item.gateway} from factory ${f.factory}`);
  ext.tree.refresh();
  return true;
}
