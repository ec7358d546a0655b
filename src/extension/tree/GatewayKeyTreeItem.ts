/** One of a gateway's two keys (authKey1/authKey2). The key itself is fetched only when copied, never shown. */
import * as vscode from 'vscode';
import type { IntegrationRuntimeTreeItem } from './IntegrationRuntimeTreeItem';

export class GatewayKeyTreeItem extends vscode.TreeItem {
  constructor(
    readonly gatewayItem: IntegrationRuntimeTreeItem,
    readonly keyName: 'authKey1' | 'authKey2',
  ) {
    super(keyName, vscode.TreeItemCollapsibleState.None);
    this.id = `${gatewayItem.id}:${keyName}`;
    this.description = 'copy to register a node';
    this.iconPath = new vscode.ThemeIcon('key');
    this.contextValue = 'gatewayKey';
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }
}
