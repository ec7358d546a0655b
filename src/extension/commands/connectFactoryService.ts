/**
 * Connect to Factory Service: the URL and the service's CA certificate file go to settings, the admin token to
 * SecretStorage (never to settings). Arguments let other code and tests skip the prompts.
 */
import * as vscode from 'vscode';
import { ext } from '../extensionVariables';

export interface FactoryServiceLogin {
  url: string;
  token: string;
  caCertificateFile?: string;
  subscription?: string;
}

export async function connectFactoryService(login?: FactoryServiceLogin): Promise<boolean> {
  const url = login?.url ?? (await vscode.window.showInputBox({ title: 'Connect to Factory Service', prompt: 'URL of the factory service (Azure Resource Manager API for Data Factory)', placeHolder: 'https://gateway-service.example:8443', ignoreFocusOut: true }));
  if (!url) return false;
  const token = login?.token ?? (await vscode.window.showInputBox({ title: 'Connect to Factory Service', prompt: 'Bearer token (the service\'s admin token, kept in the OS keychain)', password: true, ignoreFocusOut: true }));
  if (!token) return false;
  let ca = login?.caCertificateFile;
  if (!login) {
    const picked = await vscode.window.showOpenDialog({ title: 'The service\'s CA certificate (PEM), for a self-signed service; Cancel to trust the system CAs', filters: { PEM: ['pem', 'crt'] } });
    ca = picked?.[0]?.fsPath;
  }
  const config = vscode.workspace.getConfiguration('dmgw.factoryService');
  await ext.secrets.set('factoryServiceToken', url.trim(), token.trim());
  await config.update('url', url.trim(), vscode.ConfigurationTarget.Global);
  await config.update('caCertificateFile', ca ?? '', vscode.ConfigurationTarget.Global);
  if (login?.subscription) await config.update('subscription', login.subscription, vscode.ConfigurationTarget.Global);
  ext.tree.refresh();
  return true;
}
