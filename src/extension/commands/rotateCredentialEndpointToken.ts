/**
 * Rotate Credential Endpoint Token: `dmgw credential-endpoint token --rotate`; the old token stops working at once.
 * The new token goes to the clipboard (for the credential manager that needs it), never to the screen or the log.
 */
import * as vscode from 'vscode';
import { firstLine } from '../agent/agentClient';
import { registerSecret } from '../../common/redact';
import { ext } from '../extensionVariables';

export async function rotateCredentialEndpointToken(confirmed = false): Promise<boolean> {
  if (!confirmed) {
    const ok = await vscode.window.showWarningMessage('Rotate the credential endpoint token? Whatever uses the current one is refused from now on.', { modal: true }, 'Rotate Token');
    if (ok !== 'Rotate Token') return false;
  }
  const r = await ext.agent.exec(['credential-endpoint', 'token', '--rotate']);
  if (r.code !== 0) throw new Error(firstLine(r.stderr) || `dmgw credential-endpoint exited with ${r.code}`);
  const token = r.stdout.trim();
  registerSecret(token);
  await vscode.env.clipboard.writeText(token);
  ext.log.info('rotated the credential endpoint token (the new one was copied to the clipboard)');
  void vscode.window.showInformationMessage('Credential endpoint token rotated; the new token is on the clipboard.');
  return true;
}
