/**
 * The scrape token Prometheus presents on the service's `GET /metrics`: `<data>/metrics-token` (tokenFile.ts: 0600,
 * re-read when replaced, compared in constant time). A token of its own, never the admin token: a scraper's config
 * sits in monitoring systems, and what it unlocks is only counts and names (queues, nodes, runs), not the factory.
 * `dmgw service token rotate --metrics` replaces it.
 */
import { join } from 'node:path';
import { loadOrCreateTokenFile, newToken, writeTokenFile, type BearerToken } from './tokenFile.js';

export const metricsTokenFile = (dataDir: string): string => join(dataDir, 'metrics-token');

export function loadOrCreateMetricsToken(dataDir: string): BearerToken {
  return loadOrCreateTokenFile(metricsTokenFile(dataDir), 'dmgwm_');
}

export function rotateMetricsToken(dataDir: string): string {
  const token = newToken('dmgwm_');
  writeTokenFile(metricsTokenFile(dataDir), token);
  return token;
}
