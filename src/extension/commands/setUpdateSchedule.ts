/** Update Schedule (Configuration Manager): the node's `update.schedule` through `dmgw config set` (the agent checks it). */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export async function setUpdateSchedule(schedule?: string, current?: string): Promise<AgentResult | undefined> {
  const s = schedule ?? (await vscode.window.showInputBox({ title: 'Update schedule', prompt: 'When the host may install a new agent version: "Sun 03:00" (weekly), "daily 02:30" or "off" (local time)', value: current ?? 'Sun 03:00' }));
  if (s === undefined) return undefined;
  return runGatewayCommand('Setting the update schedule', ['config', 'set', 'update.schedule', s]);
}
