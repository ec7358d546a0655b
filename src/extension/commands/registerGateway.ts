/**
 * Register Gateway: exchanges a gateway key (from the tree, the portal or `dmgw gateway create`) for this node's
 * credential. The key is a secret: it is typed into a password box and handed to the agent on stdin, never on a
 * command line or in settings.
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export async function registerGateway(key?: string): Promise<AgentResult | undefined> {
  const k =
    key ??
    (await vscode.window.showInputBox({
      title: 'Register Gateway',
      prompt: 'Paste the gateway key (authKey1 or authKey2) of the gateway this machine should join',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Paste the key'),
    }));
  if (!k) return undefined;
  return runGatewayCommand('Registering the local gateway', ['register', '--key-stdin'], `${k.trim()}\n`);
}
