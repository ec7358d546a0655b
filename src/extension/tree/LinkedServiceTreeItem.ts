/**
 * A linked service file of a workspace factory: it opens the file, and (for a store the engine runs) expands into
 * what the store holds — schemas and tables, containers and folders — listed by the local gateway's agent.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { linkedServiceTypeInfo } from '../../common/model/linkedServiceTypes';
import { linkedServiceOfText } from '../../common/model/linkedServiceText';
import { ResourceTreeItem } from './ResourceTreeItem';
import { storeChildren, type StoreRef } from './StoreItemTreeItem';

export class LinkedServiceTreeItem extends ResourceTreeItem {
  readonly store: StoreRef | undefined;

  constructor(
    file: string,
    readonly factoryDir: string,
  ) {
    super(file, 'linkedService');
    let ls;
    try {
      ls = linkedServiceOfText(file, readFileSync(file, 'utf8'));
    } catch {
      // unreadable: a plain node; the Problems panel says what is wrong
    }
    const type = ls ? String(ls.properties.type) : undefined;
    this.store = ls && linkedServiceTypeInfo(type)?.connector ? { factoryDir, linkedService: ls.name || basename(file, '.json'), linkedServiceType: type! } : undefined;
    if (this.store) {
      this.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
      this.description = type;
      this.iconPath = new vscode.ThemeIcon('plug');
    }
  }

  override getChildren(): Promise<vscode.TreeItem[]> | vscode.TreeItem[] {
    return this.store ? storeChildren(this.store, []) : [];
  }
}
