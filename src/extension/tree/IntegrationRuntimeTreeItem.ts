/** A self-hosted integration runtime (a gateway) of a service factory: its nodes and its two keys. */
import * as vscode from 'vscode';
import { DetailTreeItem } from './DetailTreeItem';
import { GatewayKeyTreeItem } from './GatewayKeyTreeItem';
import type { ServiceFactoryTreeItem } from './ServiceFactoryTreeItem';

export class IntegrationRuntimeTreeItem extends vscode.TreeItem {
  constructor(
    readonly factoryItem: ServiceFactoryTreeItem,
    readonly gateway: string,
    readonly state: string,
    readonly nodes: Array<Record<string, unknown>>,
  ) {
    super(gateway, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `${factoryItem.id}:ir:${gateway}`;
    this.description = `${state} · ${nodes.length} node${nodes.length === 1 ? '' : 's'}`;
    this.iconPath = new vscode.ThemeIcon('server-environment');
    this.contextValue = 'serviceGateway';
  }

  getChildren(): vscode.TreeItem[] {
    const nodes = this.nodes.map((n) => new DetailTreeItem(`Node ${String(n.nodeName)}`, `${String(n.status ?? 'Unknown')}${n.version ? ` · ${String(n.version)}` : ''}${n.machineName ? ` · ${String(n.machineName)}` : ''}`, 'server'));
    return [...nodes, new GatewayKeyTreeItem(this, 'authKey1'), new GatewayKeyTreeItem(this, 'authKey2')];
  }
}
