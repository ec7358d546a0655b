/**
 * Enable / Disable Credential Endpoint (Configuration Manager): the node's `credentialEndpoint.port` setting through
 * `dmgw config set|unset`. A running host reads it when it starts, so the user is offered a restart.
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

/** `port` = a number to enable it there, `null` to disable it; omitted: asked for (8060, ADF's default). */
export async function setCredentialEndpoint(port?: number | null): Promise<AgentResult | undefined> {
  let p = port;
  if (p === undefined) {
    const typed = await vscode.window.showInputBox({ title: 'Enable Credential Endpoint', prompt: 'TCP port for the credential endpoint on this machine (ADF uses 8060)', value: '8060', validateInput: (v) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? undefined : 'a port from 0 to 65535') });
    if (typed === undefined) return undefined;
    p = Number(typed);
  }
  const r = p === null
    ? await runGatewayCommand('Disabling the credential endpoint', ['config', 'unset', 'credentialEndpoint.port'])
    : await runGatewayCommand('Enabling the credential endpoint', ['config', 'set', 'credentialEndpoint.port', String(p)]);
  if (r.code === 0 && port === undefined && vscode.window.state.focused) void offerRestart();
  return r;
}

async function offerRestart(): Promise<void> {
  const c = await vscode.window.showInformationMessage('The host reads this setting when it starts.', 'Restart Local Gateway');
  if (c) {
    await vscode.commands.executeCommand('dmgw.stopGateway');
    await vscode.commands.executeCommand('dmgw.startGateway');
  }
}
