/**
 * Certificate actions of the Configuration Manager's Settings page, all through the agent's `dmgw cert`: make a new
 * one, import a PFX (change the gateway's certificate, e.g. when moving it to this machine), export one as a PFX.
 * PFX passwords are typed into password boxes and passed on stdin, never on a command line.
 */
import * as vscode from 'vscode';
import { runGatewayCommand } from '../commands/gatewayCommand';

export async function certificateAction(kind: 'newCertificate' | 'importCertificate' | 'exportCertificate'): Promise<void> {
  if (kind === 'newCertificate') {
    const ok = await vscode.window.showWarningMessage(
      'Make a new gateway certificate? Credentials encrypted for the current one keep working on this gateway, but should be re-encrypted.',
      { modal: true },
      'Make New Certificate',
    );
    if (ok) await runGatewayCommand('Making a new gateway certificate', ['cert', 'new', '--replace']);
    return;
  }
  if (kind === 'importCertificate') {
    const files = await vscode.window.showOpenDialog({ title: 'Import gateway certificate (PFX)', filters: { 'PKCS#12': ['pfx', 'p12'] }, canSelectMany: false });
    if (!files?.[0]) return;
    const password = await askPassword('Password of the PFX file');
    if (password === undefined) return;
    await runGatewayCommand('Importing the gateway certificate', ['cert', 'import', files[0].fsPath, '--password-stdin'], `${password}\n`);
    return;
  }
  const target = await vscode.window.showSaveDialog({ title: 'Export gateway certificate (PFX)', filters: { 'PKCS#12': ['pfx'] } });
  if (!target) return;
  const password = await askPassword('A password to protect the exported PFX (you need it to import it again)');
  if (password === undefined) return;
  await runGatewayCommand('Exporting the gateway certificate', ['cert', 'export', '--out', target.fsPath, '--password-stdin', '--force'], `${password}\n`);
}

function askPassword(prompt: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({ prompt, password: true, ignoreFocusOut: true, validateInput: (v) => (v ? undefined : 'A password is required') });
}
