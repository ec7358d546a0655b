/**
 * The admin token ARM clients present as `Authorization: Bearer <token>`: `<data>/admin-token` (tokenFile.ts: 0600,
 * re-read when replaced, compared in constant time). Whoever may read the file may manage the factory.
 * `dmgw service token rotate` replaces it; every replica sharing the data folder refuses the old one at once.
 */
import { join } from 'node:path';
import { loadOrCreateTokenFile, newToken, writeTokenFile, type BearerToken } from './tokenFile.js';

export type AdminToken = BearerToken;

export const adminTokenFile = (dataDir: string): string => join(dataDir, 'admin-token');

export function loadOrCreateAdminToken(dataDir: string): AdminToken {
  return loadOrCreateTokenFile(adminTokenFile(dataDir), 'dmgwa_');
}

/** Writes a new token into the data folder's token file (0600, renamed into place); returns it. */
export function rotateAdminToken(dataDir: string): string {
  const token = newToken('dmgwa_');
  writeTokenFile(adminTokenFile(dataDir), token);
  return token;
}
