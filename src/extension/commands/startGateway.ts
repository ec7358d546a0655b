/** Start Local Gateway: `dmgw start` launches the gateway host in the background on this machine. */
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export function startGateway(): Promise<AgentResult> {
  return runGatewayCommand('Starting the local gateway', ['start']);
}
