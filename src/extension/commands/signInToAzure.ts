/** Sign in to Azure: a Microsoft session for Resource Manager; the Gateway view then lists its subscriptions. */
import * as vscode from 'vscode';
import { resourceManagerEndpoint } from '../azure/azureAccount';
import { ext } from '../extensionVariables';

export async function signInToAzure(): Promise<string> {
  const s = await ext.azure.signIn();
  ext.log.info(`signed in to Azure as ${s.account.label} (Resource Manager ${resourceManagerEndpoint()})`);
  ext.tree.refresh();
  void vscode.window.showInformationMessage(`Signed in to Azure as ${s.account.label}.`);
  return s.account.label;
}
