/**
 * What the node's operator asked for with `dmgw update`, left in DMGW_HOME/update-requested for the host: update at
 * the next offer whatever the schedule and, with `--to V`, install exactly V — the only way to a version older than
 * the running one (`--allow-downgrade`). Only someone who can write the home can ask; the service cannot.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVersion } from '../../common/gateway/agentRelease.js';
import type { GatewayHome } from '../config/home.js';

export interface UpdateRequest {
  at: string;
  /** install exactly this version (`dmgw update --to V`) */
  to?: string;
  /** and V may be older than the running version */
  allowDowngrade?: boolean;
}

export const updateRequestFile = (home: GatewayHome): string => join(home.root, 'update-requested');

export function readUpdateRequest(home: GatewayHome): UpdateRequest | undefined {
  let text: string;
  try {
    text = readFileSync(updateRequestFile(home), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Partial<UpdateRequest>;
    if (typeof r === 'object' && r !== null) return { at: String(r.at ?? ''), to: isVersion(r.to) ? r.to : undefined, allowDowngrade: r.allowDowngrade === true && isVersion(r.to) };
  } catch {
    // an older dmgw wrote a plain time: a request for the newest release
  }
  return { at: text.trim() };
}

export function writeUpdateRequest(home: GatewayHome, r: Omit<UpdateRequest, 'at'>): UpdateRequest {
  home.ensure();
  const request: UpdateRequest = { at: new Date().toISOString(), ...r };
  const file = updateRequestFile(home);
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(request)}\n`, { mode: 0o600 });
  renameSync(`${file}.${process.pid}.tmp`, file);
  return request;
}

export function clearUpdateRequest(home: GatewayHome): void {
  rmSync(updateRequestFile(home), { force: true });
}
