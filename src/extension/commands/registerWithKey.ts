/** Register This Machine: registers the local gateway with a key of a gateway in the tree (no copy and paste). */
import type { AgentResult } from '../agent/agentClient';
import type { GatewayKeyTreeItem } from '../tree/GatewayKeyTreeItem';
import { gatewayKey } from './copyGatewayKey';
import { registerGateway } from './registerGateway';

export async function registerWithKey(item: GatewayKeyTreeItem): Promise<AgentResult | undefined> {
  return registerGateway(await gatewayKey(item));
}
