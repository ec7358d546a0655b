/**
 * Set / Clear Proxy (Configuration Manager): `dmgw proxy set URL [--user NAME --password-stdin]` and
 * `dmgw proxy clear`. The agent keeps the proxy in the gateway home (the password only as an EncryptedCredential);
 * the password reaches it on stdin. Inputs come from boxes, or from the arguments (tests, other code).
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export interface ProxyInput {
  url: string;
  user?: string;
  password?: string;
}

/** `input` = the proxy, `null` to clear it; omitted: asked for. */
export async function setProxy(input?: ProxyInput | null): Promise<AgentResult | undefined> {
  if (input === null) return runGatewayCommand('Clearing the proxy', ['proxy', 'clear']);
  const p = input ?? (await askProxy());
  if (!p) return undefined;
  const args = ['proxy', 'set', p.url, ...(p.user ? ['--user', p.user] : []), ...(p.password !== undefined ? ['--password-stdin'] : [])];
  return runGatewayCommand('Setting the proxy', args, p.password !== undefined ? `${p.password}\n` : undefined);
}

async function askProxy(): Promise<ProxyInput | undefined> {
  const url = await vscode.window.showInputBox({ title: 'Proxy', prompt: 'HTTP proxy the gateway reaches its factory service through', placeHolder: 'http://proxy.example:3128', ignoreFocusOut: true });
  if (!url) return undefined;
  const user = await vscode.window.showInputBox({ title: 'Proxy', prompt: 'User name for the proxy (empty: none)', ignoreFocusOut: true });
  if (user === undefined) return undefined;
  if (!user) return { url };
  const password = await vscode.window.showInputBox({ title: 'Proxy', prompt: `Password of ${user} (kept encrypted for the gateway certificate)`, password: true, ignoreFocusOut: true });
  return password === undefined ? undefined : { url, user, password };
}
