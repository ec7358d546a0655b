/** A leaf that shows one fact (label: value), optionally copyable. */
import * as vscode from 'vscode';

export class DetailTreeItem extends vscode.TreeItem {
  constructor(
    label: string,
    readonly value: string,
    icon?: string,
    contextValue = 'detail',
  ) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.description = value;
    this.tooltip = `${label}: ${value}`;
    this.contextValue = contextValue;
    if (icon) this.iconPath = new vscode.ThemeIcon(icon);
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }
}
