/** Stop Local Gateway: `dmgw stop` ends the host; running jobs are handed back to the service for another node. */
import type { AgentResult } from '../agent/agentClient';
import { runGatewayCommand } from './gatewayCommand';

export function stopGateway(): Promise<AgentResult> {
  return runGatewayCommand('Stopping the local gateway', ['stop']);
}
