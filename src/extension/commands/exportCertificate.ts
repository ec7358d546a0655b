/** Export Certificate (Configuration Manager): the current certificate and key as a password-protected PFX (`dmgw cert export`). */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { askPassword } from './askPassword';
import { runGatewayCommand } from './gatewayCommand';

export async function exportCertificate(file?: string, password?: string): Promise<AgentResult | undefined> {
  const target = file ?? (await vscode.window.showSaveDialog({ title: 'Export gateway certificate (PFX)', filters: { 'PKCS#12': ['pfx'] } }))?.fsPath;
  if (!target) return undefined;
  const pw = password ?? (await askPassword('A password to protect the exported PFX (you need it to import it again)'));
  if (pw === undefined) return undefined;
  return runGatewayCommand('Exporting the gateway certificate', ['cert', 'export', '--out', target, '--password-stdin', '--force'], `${pw}\n`);
}
