/**
 * The Runs view: local runs first (runs/localRuns.ts), then the connected factory service's factories and, when
 * signed in, Azure's, with their runs. While a run it shows is in progress it refreshes itself every
 * REFRESH_MS; a local run's events refresh it at once.
 */
import * as vscode from 'vscode';
import { resourceManagerEndpoint, type AzureAccount } from '../azure/azureAccount';
import { serviceConnection } from '../service/factoryServiceClient';
import type { LocalRuns } from './localRuns';
import { AzureRunsTreeItem, LocalRunsTreeItem, ServiceRunsTreeItem, type Parent, type RunsWatch } from './runTreeItems';

export const REFRESH_MS = 3000;

export class RunsTreeDataProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable, RunsWatch {
  private readonly emitter = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[];
  private inProgress = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly local: LocalRuns,
    private readonly azure: AzureAccount,
  ) {
    this.subs = [this.emitter, local.onDidChange(() => this.refresh()), azure.onDidChange(() => this.refresh()), vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('dmgw.factoryService') || e.affectsConfiguration('dmgw.azure')) && this.refresh())];
    this.timer = setInterval(() => {
      if (!this.inProgress) return;
      this.inProgress = false;
      this.refresh();
    }, REFRESH_MS);
  }

  sawInProgress(): void {
    this.inProgress = true;
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (item) return (item as Parent).getChildren?.() ?? [];
    const service = serviceConnection();
    return [new LocalRunsTreeItem(this.local, this), ...(service ? [new ServiceRunsTreeItem(service, 'Factory service', this)] : []), ...(this.azure.session ? [new AzureRunsTreeItem(this.azure, resourceManagerEndpoint(), this)] : [])];
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subs) s.dispose();
  }
}
