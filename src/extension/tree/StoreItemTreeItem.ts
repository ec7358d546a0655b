/**
 * Something a linked service's store holds (a schema, table or view; a container, folder or file), listed one level
 * at a time by the bundled agent (`dmgw browse`). Tables and files offer "Create Dataset"; a store that cannot be
 * listed shows one item with the agent's message.
 */
import * as vscode from 'vscode';
import { browseStore, type BrowseItem } from '../agent/browseStore';
import { DetailTreeItem } from './DetailTreeItem';

export interface StoreRef {
  factoryDir: string;
  linkedService: string;
  linkedServiceType: string;
}

const ICONS: Record<BrowseItem['type'], string> = { Schema: 'symbol-namespace', Table: 'table', View: 'eye', Container: 'archive', Folder: 'folder', File: 'file' };

export class StoreItemTreeItem extends vscode.TreeItem {
  constructor(
    readonly store: StoreRef,
    readonly item: BrowseItem,
  ) {
    super(item.name, item.expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `dmgw.store:${store.factoryDir}:${store.linkedService}:${JSON.stringify(item.path)}`;
    this.iconPath = new vscode.ThemeIcon(ICONS[item.type]);
    this.description = item.type === 'View' ? 'view' : undefined;
    this.tooltip = `${item.type} ${item.path.join('/')} of ${store.linkedService}`;
    this.contextValue = `storeItem ${item.type}`;
  }

  getChildren(): Promise<vscode.TreeItem[]> {
    return storeChildren(this.store, this.item.path);
  }
}

/** The children of `path` in the store; an error becomes one item with the agent's message (never a thrown tree). */
export async function storeChildren(store: StoreRef, path: string[]): Promise<vscode.TreeItem[]> {
  try {
    const r = await browseStore(store.factoryDir, store.linkedService, path);
    const items: vscode.TreeItem[] = r.items.map((i) => new StoreItemTreeItem(store, i));
    if (r.truncated) items.push(new DetailTreeItem('More…', `only the first ${r.items.length} are listed`, 'ellipsis'));
    return items.length ? items : [new DetailTreeItem('Empty', path.length ? `nothing in ${path.join('/')}` : `nothing in ${store.linkedService}`, 'info')];
  } catch (e) {
    const item = new DetailTreeItem('Cannot list', (e as Error).message, 'error', 'storeError');
    item.tooltip = (e as Error).message;
    return [item];
  }
}
