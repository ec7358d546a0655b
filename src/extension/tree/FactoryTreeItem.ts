/** A factory folder of the workspace; its children are the four resource kinds. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { KINDS } from '../../common/model/factory';
import { ResourceKindTreeItem } from './ResourceKindTreeItem';

export class FactoryTreeItem extends vscode.TreeItem {
  constructor(readonly dir: string) {
    super(basename(dir), vscode.TreeItemCollapsibleState.Expanded);
    this.id = `dmgw.factory:${dir}`;
    // where it is, when that says more than its name (not "factory factory")
    const where = vscode.workspace.asRelativePath(dir);
    this.description = where !== basename(dir) && where !== dir ? where : undefined;
    this.tooltip = dir;
    this.iconPath = new vscode.ThemeIcon('database');
    this.contextValue = 'factory';
    this.resourceUri = vscode.Uri.file(dir);
  }

  getChildren(): vscode.TreeItem[] {
    return KINDS.map((k) => new ResourceKindTreeItem(this.dir, k));
  }
}
