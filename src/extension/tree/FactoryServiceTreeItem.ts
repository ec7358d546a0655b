/** A factory service the user connected to; its children are its data factories. */
import * as vscode from 'vscode';
import { factoryServiceClient, resourceGroupOf, type FactoryServiceConnection } from '../service/factoryServiceClient';
import { DetailTreeItem } from './DetailTreeItem';
import { ServiceFactoryTreeItem } from './ServiceFactoryTreeItem';

export class FactoryServiceTreeItem extends vscode.TreeItem {
  constructor(readonly conn: FactoryServiceConnection) {
    super('Factory service', vscode.TreeItemCollapsibleState.Expanded);
    this.id = `dmgw.service:${conn.url}`;
    this.description = conn.url;
    this.tooltip = `${conn.url} (subscription ${conn.subscription})`;
    this.iconPath = new vscode.ThemeIcon('cloud');
    this.contextValue = 'factoryService';
  }

  async getChildren(): Promise<vscode.TreeItem[]> {
    try {
      const client = await factoryServiceClient(this.conn);
      const out: vscode.TreeItem[] = [];
      for await (const f of client.factories.list()) out.push(new ServiceFactoryTreeItem(this.conn, resourceGroupOf(f.id), f.name!));
      return out.length ? out : [new DetailTreeItem('No factories', 'create one with any Azure Resource Manager client', 'info')];
    } catch (e) {
      return [new DetailTreeItem('Cannot list factories', (e as Error).message, 'error')];
    }
  }
}
