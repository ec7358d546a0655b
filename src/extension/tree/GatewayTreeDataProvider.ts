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
  /** The local gateway's node as last handed out, refreshed alone when the agent's status changes. */
  private local: LocalGatewayTreeItem | undefined;
  private localShown = '';

  constructor(
    private readonly gateway: GatewayStatusWatcher,
    private readonly azure: AzureAccount,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{linkedService,dataset,pipeline,integrationRuntime}/*.json', false, true, false);
    this.subs = [watcher, watcher.onDidCreate(() => this.refresh()), watcher.onDidDelete(() => this.refresh()), gateway.onDidChange(() => this.localChanged()), azure.onDidChange(() => this.refresh()), vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('dmgw.factoryService') || e.affectsConfiguration('dmgw.azure')) && this.refresh()), this.emitter];
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  /**
   * The status poll answers every few seconds: redraw the local gateway's node when what it shows changed, and
   * nothing else — a whole-tree refresh would list every factory of the service and of Azure again on each poll,
   * collapsing what the user is reading into spinners.
   */
  private localChanged(): void {
    const shown = JSON.stringify({ ...this.gateway.current, checkedAt: undefined });
    if (shown === this.localShown) return;
    this.localShown = shown;
    if (!this.local) return this.refresh();
    this.local.show(this.gateway.current);
    this.emitter.fire(this.local);
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (item) return (item as ParentItem).getChildren?.() ?? [];
    const factories = (await findFactoryDirs()).map((d) => new FactoryTreeItem(d));
    const service = serviceConnection();
    this.local = new LocalGatewayTreeItem(this.gateway.current);
    this.localShown = JSON.stringify({ ...this.gateway.current, checkedAt: undefined });
    return [this.local, ...factories, ...(service ? [new FactoryServiceTreeItem(service)] : []), new AzureTreeItem(this.azure, resourceManagerEndpoint())];
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
