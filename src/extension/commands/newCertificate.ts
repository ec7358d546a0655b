/**
 * New Certificate (Configuration Manager, Encrypt Credential without one): `dmgw cert new` after a confirmation that
 * says what happens. With a certificate already there it is `--replace`: the old one is kept for its credentials.
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { localGatewayCertificate } from '../agent/gatewayCertificate';
import { ext } from '../extensionVariables';
import { runGatewayCommand } from './gatewayCommand';

export const CREATE_CERTIFICATE = 'Create Certificate';
export const MAKE_NEW_CERTIFICATE = 'Make New Certificate';

export async function newCertificate(confirmed = false): Promise<AgentResult | undefined> {
  const existing = await localGatewayCertificate(ext.agent).catch(() => undefined);
  if (!confirmed) {
    const [question, button] = existing
      ? [`Make a new gateway certificate? Credentials encrypted for the current one (${existing.thumbprint.slice(0, 12)}…) keep working on this gateway, but should be re-encrypted.`, MAKE_NEW_CERTIFICATE]
      : ["Create the gateway's certificate? Credentials are encrypted for it, and only this gateway can decrypt them; export it (PFX) to back it up.", CREATE_CERTIFICATE];
    const ok = await vscode.window.showWarningMessage(question, { modal: true }, button);
    if (!ok) return undefined;
  }
  return runGatewayCommand(existing ? 'Making a new gateway certificate' : "Creating the gateway's certificate", ['cert', 'new', ...(existing ? ['--replace'] : [])]);
}
