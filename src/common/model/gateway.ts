/** Which gateway (self-hosted integration runtime) a linked service runs through: v2 `connectVia` or v1 `gatewayName`. */
import type { LinkedService } from './types.js';

export interface GatewayRef {
  name: string;
  /** JSON path of the field that names it, for error positions. */
  path: Array<string | number>;
  style: 'connectVia' | 'gatewayName';
}

export function gatewayOf(ls: LinkedService): GatewayRef | undefined {
  const cv = ls.properties.connectVia;
  if (cv && typeof cv.referenceName === 'string') return { name: cv.referenceName, path: ['properties', 'connectVia', 'referenceName'], style: 'connectVia' };
  const gw = ls.properties.typeProperties?.gatewayName;
  if (typeof gw === 'string' && gw) return { name: gw, path: ['properties', 'typeProperties', 'gatewayName'], style: 'gatewayName' };
  return undefined;
}
