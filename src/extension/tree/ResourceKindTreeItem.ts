/** One kind of resource in a factory (Linked services, Datasets, Pipelines, Integration runtimes). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RESOURCE_FOLDERS, type ResourceKind } from '../../common/model/types';
import { LinkedServiceTreeItem } from './LinkedServiceTreeItem';
import { ResourceTreeItem } from './ResourceTreeItem';

const LABELS: Record<ResourceKind, [string, string]> = {
  linkedService: ['Linked services', 'plug'],
  dataset: ['Datasets', 'table'],
  pipeline: ['Pipelines', 'symbol-event'],
  integrationRuntime: ['Integration runtimes', 'server-environment'],
};

export class ResourceKindTreeItem extends vscode.TreeItem {
  private readonly files: string[];

  constructor(
    readonly factoryDir: string,
    readonly kind: ResourceKind,
  ) {
    super(LABELS[kind][0], vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `dmgw.kind:${factoryDir}:${kind}`;
    this.iconPath = new vscode.ThemeIcon(LABELS[kind][1]);
    this.contextValue = `resourceKind ${kind}`;
    let names: string[] = [];
    try {
      names = readdirSync(join(factoryDir, RESOURCE_FOLDERS[kind])).filter((n) => n.toLowerCase().endsWith('.json')).sort();
    } catch {
      // no such folder: an empty group
    }
    this.files = names.map((n) => join(factoryDir, RESOURCE_FOLDERS[kind], n));
    this.description = String(this.files.length);
  }

  getChildren(): vscode.TreeItem[] {
    // a linked service expands into what its store holds (schemas and tables, containers and folders)
    return this.files.map((f) => (this.kind === 'linkedService' ? new LinkedServiceTreeItem(f, this.factoryDir) : new ResourceTreeItem(f, this.kind)));
  }
}
