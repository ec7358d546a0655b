/** One resource file; clicking opens it. Pipelines get Run Pipeline Locally, linked services Encrypt Credential. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ResourceKind } from '../../common/model/types';

export class ResourceTreeItem extends vscode.TreeItem {
  constructor(
    readonly file: string,
    readonly kind: ResourceKind,
  ) {
    super(basename(file).replace(/\.json$/i, ''), vscode.TreeItemCollapsibleState.None);
    this.id = `dmgw.resource:${file}`;
    this.resourceUri = vscode.Uri.file(file);
    this.contextValue = `resource ${kind}`;
    this.tooltip = file;
    this.command = { command: 'vscode.open', title: 'Open', arguments: [this.resourceUri] };
  }

  getChildren(): vscode.TreeItem[] | Promise<vscode.TreeItem[]> {
    return [];
  }
}
