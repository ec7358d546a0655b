/**
 * Start Local Gateway: `dmgw start` launches the gateway host in the background on this machine. A node that is not
 * registered has nothing to start (the Configuration Manager disables Start then; the tree and the palette do not
 * offer it): it is told so, with Register Gateway to hand, and nothing is started.
 */
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentClient';
import { ext } from '../extensionVariables';
import { runGatewayCommand } from './gatewayCommand';

export async function startGateway(): Promise<AgentResult | undefined> {
  const state = ext.gateway.current.status ? ext.gateway.current : await ext.gateway.refresh();
  if (state.status && (state.status.registered === false || state.status.status === 'NeedRegistration')) {
    void vscode.window.showWarningMessage('The local gateway is not registered yet, so there is nothing to start. Register it with a key of its factory first.', 'Register Gateway').then((c) => c && vscode.commands.executeCommand('dmgw.registerGateway'));
    return undefined;
  }
  return runGatewayCommand('Starting the local gateway', ['start']);
}
