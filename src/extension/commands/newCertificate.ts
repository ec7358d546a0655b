/** New Certificate (Configuration Manager): `dmgw cert new --replace` after a warning; the old one is kept for its credentials. */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export async function newCertificate(confirmed = false): Promise<AgentResult | undefined> {
  if (!confirmed) {
    const ok = await vscode.window.showWarningMessage(
      'Make a new gateway certificate? Credentials encrypted for the current one keep working on this gateway, but should be re-encrypted.',
      { modal: true },
      'Make New Certificate',
    );
    if (!ok) return undefined;
  }
  return runGatewayCommand('Making a new gateway certificate', ['cert', 'new', '--replace']);
}
