/** Create Gateway: a new self-hosted integration runtime in a factory of the factory service. */
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';
import { factoryServiceClient } from '../service/factoryServiceClient';
import type { ServiceFactoryTreeItem } from '../tree/ServiceFactoryTreeItem';

export async function createGateway(item: ServiceFactoryTreeItem, name?: string): Promise<string | undefined> {
  const gw =
    name ??
    (await vscode.window.showInputBox({
      title: `Create Gateway in ${item.factory}`,
      prompt: 'Name of the gateway (self-hosted integration runtime)',
      validateInput: (v) => (/^[A-Za-z0-9](?:[A-Za-z0-9-]{1,61}[A-Za-z0-9])?$/.test(v) ? undefined : '3–63 letters, digits or hyphens; starts and ends with a letter or digit'),
    }));
  if (!gw) return undefined;
  const client = await factoryServiceClient(item.conn);
  await client.integrationRuntimes.createOrUpdate(item.resourceGroup, item.factory, gw, { properties: { type: 'SelfHosted', description: 'created from VS Code' } });
  ext.log.info(`created gateway ${gw} in factory ${item.factory}`);
  ext.tree.refresh();
  return gw;
}
