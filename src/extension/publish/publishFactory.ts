/**
 * Publish Factory: a workspace factory folder to a factory of the connected factory service or of an Azure
 * subscription the signed-in account sees, through the same ARM client and upload as `dmgw publish`
 * (agent/management/upload.ts). Validated first: with any error nothing is sent and the Problems panel opens.
 * From the palette or a local factory node it asks where (the factory service, each Azure subscription — or Sign in
 * to Azure), then which factory; from a service factory node (either tree), which local folder.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { uploadFactory, validateFolder, type UploadResult } from '../../agent/management/upload';
import { azureConnections } from '../azure/azureConnections';
import { ext } from '../extensionVariables';
import { findFactoryDirs } from '../factories';
import { factoryServiceClient, resourceGroupOf, serviceConnection, type FactoryServiceConnection } from '../service/factoryServiceClient';

/** What to publish where; any part left out is asked for. A Gateway view node (local factory or service factory) fits too. */
export interface PublishTarget {
  /** a local factory folder (a FactoryTreeItem's `dir`) */
  dir?: string;
  conn?: FactoryServiceConnection;
  resourceGroup?: string;
  factory?: string;
}

async function pickFolder(): Promise<string | undefined> {
  const dirs = await findFactoryDirs();
  if (!dirs.length) {
    void vscode.window.showWarningMessage('No factory folder in this workspace (ADF Git layout: linkedService/, dataset/, pipeline/).');
    return undefined;
  }
  if (dirs.length === 1) return dirs[0];
  return (await vscode.window.showQuickPick(dirs.map((d) => ({ label: basename(d), description: vscode.workspace.asRelativePath(d), d })), { placeHolder: 'Publish which factory folder?' }))?.d;
}

async function pickFactory(conn: FactoryServiceConnection): Promise<{ resourceGroup: string; factory: string } | undefined> {
  const client = await factoryServiceClient(conn);
  const items: Array<{ label: string; description: string; resourceGroup: string }> = [];
  for await (const f of client.factories.list()) items.push({ label: f.name!, description: resourceGroupOf(f.id), resourceGroup: resourceGroupOf(f.id) });
  if (!items.length) {
    void vscode.window.showWarningMessage(`${conn.url} has no factory yet: create one (Create Gateway on the service, or \`dmgw publish DIR --factory NAME --create-factory\`).`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: conn.credential ? `Publish to which data factory of Azure subscription ${conn.subscription}?` : `Publish to which factory of ${conn.url}?` });
  return picked && { resourceGroup: picked.resourceGroup, factory: picked.label };
}

const SIGN_IN = 'Sign in to Azure…';

/** Where to: the connected factory service and every Azure subscription of the signed-in account (or a Sign in). */
async function pickDestination(): Promise<FactoryServiceConnection | undefined> {
  const service = serviceConnection();
  const items: Array<vscode.QuickPickItem & { conn?: FactoryServiceConnection }> = service ? [{ label: `Factory service`, description: service.url, conn: service }] : [];
  let azure: Awaited<ReturnType<typeof azureConnections>> = [];
  try {
    azure = ext.azure.session ? await azureConnections() : [];
  } catch (e) {
    ext.log.warn(`Publish: cannot list Azure subscriptions: ${(e as Error).message}`);
  }
  items.push(...azure.map((a) => ({ label: `Azure: ${a.displayName}`, description: a.conn.subscription, conn: a.conn })));
  if (!ext.azure.session) items.push({ label: SIGN_IN, description: 'then pick a subscription' });
  if (items.length === 1 && items[0]!.conn) return items[0]!.conn;
  const picked = await vscode.window.showQuickPick(items, { title: 'Publish Factory', placeHolder: 'Publish to which factory service or Azure subscription?', ignoreFocusOut: true });
  if (picked?.label === SIGN_IN) {
    await vscode.commands.executeCommand('dmgw.signInToAzure');
    return ext.azure.session ? pickDestination() : undefined;
  }
  return picked?.conn;
}

export async function publishFactory(target: PublishTarget = {}): Promise<UploadResult | undefined> {
  const dir = target.dir ?? (await pickFolder());
  if (!dir) return undefined;
  // validated first: nothing is asked or sent for a folder with errors
  try {
    validateFolder(dir);
  } catch (e) {
    ext.log.error(`Publish ${dir}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`Publish: ${(e as Error).message.split('\n')[0]} — fix them first.`, 'Show Problems').then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return undefined;
  }
  // a factory named without a connection is the connected service's (as before Azure was offered here)
  const conn = target.conn ?? (target.factory ? serviceConnection() : undefined) ?? (await pickDestination());
  if (!conn) return undefined;
  const where = target.factory ? { resourceGroup: target.resourceGroup ?? 'default', factory: target.factory } : await pickFactory(conn);
  if (!where) return undefined;
  const client = await factoryServiceClient(conn);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Publishing ${basename(dir)} to ${where.factory}` }, () =>
    uploadFactory({ client, resourceGroup: where.resourceGroup, factory: where.factory, endpoint: conn.url, azure: !!conn.credential }, dir),
  );
  for (const w of result.warnings) ext.log.warn(`Publish ${basename(dir)}: ${w}`);
  const n = (l: string[], w: string) => `${l.length} ${w}${l.length === 1 ? '' : 's'}`;
  const text = `Published ${basename(dir)} to ${where.factory}: ${n(result.integrationRuntimes, 'gateway')}, ${n(result.linkedServices, 'linked service')}, ${n(result.datasets, 'dataset')}, ${n(result.pipelines, 'pipeline')}${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}, see the log)` : ''}`;
  ext.log.info(text);
  void vscode.window.showInformationMessage(text);
  void vscode.commands.executeCommand('dmgw.refresh');
  return result;
}

