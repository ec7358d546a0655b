/** An Azure subscription; its children are its data factories (`factories.list()`), the same nodes a factory service shows. */
import * as vscode from 'vscode';
import { connectionKey, factoryServiceClient, resourceGroupOf, type FactoryServiceConnection } from '../service/factoryServiceClient';
import { DetailTreeItem } from './DetailTreeItem';
import { ServiceFactoryTreeItem } from './ServiceFactoryTreeItem';

export class SubscriptionTreeItem extends vscode.TreeItem {
  constructor(
    readonly conn: FactoryServiceConnection,
    readonly displayName: string,
    expanded: boolean,
  ) {
    super(displayName, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.subscription:${connectionKey(conn)}`;
    this.description = conn.subscription;
    this.tooltip = `Subscription ${conn.subscription} at ${conn.url}`;
    this.iconPath = new vscode.ThemeIcon('symbol-namespace');
    this.contextValue = 'azureSubscription';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const client = await factoryServiceClient(this.conn);
      const out: vscode.TreeItem[] = [];
      for await (const f of client.factories.list()) out.push(new ServiceFactoryTreeItem(this.conn, resourceGroupOf(f.id), f.name!));
      return out.length ? out : [new DetailTreeItem('No data factories', 'in this subscription', 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list data factories', (e as Error).message, 'error')];
    }
  }
}
