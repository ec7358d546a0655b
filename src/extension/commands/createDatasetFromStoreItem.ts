/**
 * Create Dataset (a table, view or file in the Gateway view, under a linked service): `dataset/<Name>.json` of the
 * type the catalogue gives that store and file name (PostgreSqlTable, MySqlTable, SqlServerTable…; DelimitedText,
 * Json, Parquet, Binary), referencing the linked service; a free name, then the file is opened.
 */
import * as vscode from 'vscode';
import { datasetFromStoreItem } from '../../common/authoring/resourceTemplates';
import type { StoreItemTreeItem } from '../tree/StoreItemTreeItem';
import { freeName, writeNewResource } from './writeNewResource';

export async function createDatasetFromStoreItem(node?: Pick<StoreItemTreeItem, 'store' | 'item'>): Promise<vscode.Uri | undefined> {
  if (!node?.item || !['Table', 'View', 'File'].includes(node.item.type)) {
    void vscode.window.showInformationMessage('Create Dataset works on a table, view or file in the Gateway view: expand a linked service of a factory to find one.');
    return undefined;
  }
  const { store, item } = node;
  const body = datasetFromStoreItem({ name: store.linkedService, type: store.linkedServiceType }, item.path, item.type as 'Table' | 'View' | 'File');
  const name = freeName(store.factoryDir, 'dataset', String(body.name));
  return writeNewResource(store.factoryDir, 'dataset', name, JSON.stringify({ ...body, name }, null, 4));
}
