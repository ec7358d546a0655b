/** Runs one gateway lifecycle command of the agent (`dmgw start|stop|register`) with progress, then refreshes the state. */
import * as vscode from 'vscode';
import { firstLine, type AgentResult } from '../agent/agentClient';
import { ext } from '../extensionVariables';

export async function runGatewayCommand(title: string, args: string[], input?: string): Promise<AgentResult> {
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => ext.agent.exec(args, { input, timeoutMs: 120_000 }));
  const out = [r.stdout.trim(), r.stderr.trim()].filter(Boolean).join('\n');
  if (out) ext.log.info(`dmgw ${args[0]}: ${out}`);
  if (r.code === 0) void vscode.window.showInformationMessage(firstLine(r.stdout) || `${title}: done`);
  else void vscode.window.showErrorMessage(`${title} failed: ${firstLine(r.stderr) || `dmgw ${args[0]} exited with ${r.code}`}`, 'Show Log').then((c) => c && ext.log.show());
  await ext.gateway.refresh();
  return r;
}
