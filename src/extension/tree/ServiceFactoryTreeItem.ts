/** A data factory of a factory service; its children are its self-hosted integration runtimes (gateways). */
import * as vscode from 'vscode';
import { connectionKey, factoryServiceClient, type FactoryServiceConnection } from '../service/factoryServiceClient';
import { DetailTreeItem } from './DetailTreeItem';
import { IntegrationRuntimeTreeItem } from './IntegrationRuntimeTreeItem';

export class ServiceFactoryTreeItem extends vscode.TreeItem {
  constructor(
    readonly conn: FactoryServiceConnection,
    readonly resourceGroup: string,
    readonly factory: string,
  ) {
    super(factory, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `dmgw.serviceFactory:${connectionKey(conn)}:${resourceGroup}:${factory}`;
    this.description = resourceGroup;
    this.iconPath = new vscode.ThemeIcon('database');
    this.contextValue = 'serviceFactory';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const client = await factoryServiceClient(this.conn);
      const out: vscode.TreeItem[] = [];
      for await (const ir of client.integrationRuntimes.listByFactory(this.resourceGroup, this.factory)) {
        if (ir.properties.type !== 'SelfHosted') continue;
        const status = await client.integrationRuntimes.getStatus(this.resourceGroup, this.factory, ir.name!).catch(() => undefined);
        out.push(new IntegrationRuntimeTreeItem(this, ir.name!, status?.properties.state ?? 'Unknown', (status?.properties as { nodes?: Array<Record<string, unknown>> } | undefined)?.nodes ?? []));
      }
      return out.length ? out : [new DetailTreeItem('No gateways', 'use Create Gateway', 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list gateways', (e as Error).message, 'error')];
    }
  }
}
