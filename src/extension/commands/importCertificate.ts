/**
 * Import Certificate (Configuration Manager): a PFX becomes the gateway's current certificate (`dmgw cert import`),
 * e.g. when a gateway moves to this machine. File and password come from a dialog and a password box, or from the
 * arguments (tests, other code); the password reaches the agent on stdin only.
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { askPassword } from './askPassword';
import { runGatewayCommand } from './gatewayCommand';

export async function importCertificate(file?: string, password?: string): Promise<AgentResult | undefined> {
  const pfx = file ?? (await vscode.window.showOpenDialog({ title: 'Import gateway certificate (PFX)', filters: { 'PKCS#12': ['pfx', 'p12'] }, canSelectMany: false }))?.[0]?.fsPath;
  if (!pfx) return undefined;
  const pw = password ?? (await askPassword('Password of the PFX file'));
  if (pw === undefined) return undefined;
  return runGatewayCommand('Importing the gateway certificate', ['cert', 'import', pfx, '--password-stdin'], `${pw}\n`);
}
