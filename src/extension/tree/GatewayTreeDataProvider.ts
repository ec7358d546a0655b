/** The Gateway view: the local gateway first, then each factory folder of the workspace, a connected factory service, Azure. */
import * as vscode from 'vscode';
import type { GatewayStatusWatcher } from '../agent/gatewayStatus';
import { resourceManagerEndpoint, type AzureAccount } from '../azure/azureAccount';
import { findFactoryDirs } from '../factories';
import { serviceConnection } from '../service/factoryServiceClient';
import { AzureTreeItem } from './AzureTreeItem';
import { FactoryServiceTreeItem } from './FactoryServiceTreeItem';
import { FactoryTreeItem } from './FactoryTreeItem';
import { LocalGatewayTreeItem } from './LocalGatewayTreeItem';

interface ParentItem extends vscode.TreeItem {
  getChildren(): vscode.TreeItem[] | Promise<vscode.TreeItem[]>;
}

export class GatewayTreeDataProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly gateway: GatewayStatusWatcher,
    private readonly azure: AzureAccount,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{linkedService,dataset,pipeline,integrationRuntime}/*.json', false, true, false);
    this.subs = [watcher, watcher.onDidCreate(() => this.refresh()), watcher.onDidDelete(() => this.refresh()), gateway.onDidChange(() => this.refresh()), azure.onDidChange(() => this.refresh()), vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('dmgw.factoryService') || e.affectsConfiguration('dmgw.azure')) && this.refresh()), this.emitter];
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (item) return (item as ParentItem).getChildren?.() ?? [];
    const factories = (await findFactoryDirs()).map((d) => new FactoryTreeItem(d));
    const service = serviceConnection();
    return [new LocalGatewayTreeItem(this.gateway.current), ...factories, ...(service ? [new FactoryServiceTreeItem(service)] : []), new AzureTreeItem(this.azure, resourceManagerEndpoint())];
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
