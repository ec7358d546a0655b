/**
 * Status of nodes and gateways, computed from what the nodes last told us (ADF's vocabulary):
 * a node is Online while it keeps polling/heartbeating, Limited when it is late, Offline when it has been silent
 * for long, NeedRegistration when its credential was revoked (key regenerated). A gateway is NeedRegistration
 * with no live node, Online when all its nodes are, Limited when some are, Offline when none is.
 */
import type { ChannelSettings } from '../../common/gateway/protocol.js';
import type { NodeRow } from '../store/nodes.js';

export type NodeStatus = 'Online' | 'Limited' | 'Offline' | 'NeedRegistration';
export type GatewayState = 'Online' | 'Limited' | 'Offline' | 'NeedRegistration';

/** Missing this many heartbeats makes a node Limited, and this many Offline. */
const LIMITED_AFTER = 2.5;
const OFFLINE_AFTER = 6;

export function nodeStatus(n: Pick<NodeRow, 'seen_ago' | 'credential_valid'>, s: ChannelSettings): NodeStatus {
  if (!n.credential_valid) return 'NeedRegistration';
  if (n.seen_ago <= s.heartbeatSeconds * LIMITED_AFTER) return 'Online';
  if (n.seen_ago <= s.heartbeatSeconds * OFFLINE_AFTER) return 'Limited';
  return 'Offline';
}

export function gatewayState(nodes: Array<Pick<NodeRow, 'seen_ago' | 'credential_valid'>>, s: ChannelSettings): GatewayState {
  const live = nodes.filter((n) => n.credential_valid);
  if (!live.length) return 'NeedRegistration';
  const st = live.map((n) => nodeStatus(n, s));
  if (st.every((x) => x === 'Online')) return 'Online';
  if (st.some((x) => x === 'Online' || x === 'Limited')) return 'Limited';
  return 'Offline';
}
