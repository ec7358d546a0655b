/**
 * Set / Clear Proxy (Configuration Manager), through the agent's own proxy setting as `dmgw config list` reports it.
 * An agent that reports none cannot be configured from here: the extension does not invent a setting.
 */
import * as vscode from 'vscode';
import type { AgentSetting } from '../../common/configManagerMessages';
import type { AgentResult } from '../agent/agentClient';
import { ext } from '../extensionVariables';
import { runGatewayCommand } from './gatewayCommand';

export async function agentProxySetting(): Promise<AgentSetting | undefined> {
  const list = await ext.agent.json<AgentSetting[]>(['config', 'list', '--json']).catch(() => [] as AgentSetting[]);
  return list.find((s) => /^proxy(\.url)?$/i.test(s.key));
}

/** `value` = the proxy URL, `null` to clear it; omitted: asked for. */
export async function setProxy(value?: string | null): Promise<AgentResult | undefined> {
  const setting = await agentProxySetting();
  if (!setting) throw new Error('this agent reports no proxy setting (`dmgw config list` has no proxy key), so the proxy cannot be set from here');
  if (value === null) return runGatewayCommand('Clearing the proxy', ['config', 'unset', setting.key]);
  const v = value ?? (await vscode.window.showInputBox({ title: 'Proxy', prompt: 'Proxy URL for the gateway\'s connections to the service, e.g. http://proxy.example:3128', value: typeof setting.value === 'string' ? setting.value : '' }));
  if (v === undefined) return undefined;
  return runGatewayCommand('Setting the proxy', ['config', 'set', setting.key, v]);
}
