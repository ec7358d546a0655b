/**
 * The health report's shape: checks in groups, each ok / warn / fail (or skip, when it could not be tried or does not
 * apply), with what was found and — for anything not ok — the fix. `dmgw diagnose` prints it, writes it as JSON or
 * HTML, and keeps the last one in the home's logs folder for support bundles.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** stable id: `node-version`, `route-dns`, `linked-service:OnPremPostgreSql`, ... */
  id: string;
  group: 'agent' | 'registration' | 'connection' | 'credential endpoint' | 'linked services' | 'logs';
  title: string;
  status: CheckStatus;
  /** what was found (redacted) */
  detail: string;
  /** what to do about it (every warn and fail has one) */
  fix?: string;
}

export interface HealthReport {
  format: 'dmgw-health-report/1';
  createdAt: string;
  agentVersion: string;
  home: string;
  node?: string;
  gateway?: string;
  summary: Record<CheckStatus, number>;
  checks: Check[];
}

export const ok = (c: Omit<Check, 'status' | 'fix'>): Check => ({ ...c, status: 'ok' });
export const warn = (c: Omit<Check, 'status'> & { fix: string }): Check => ({ ...c, status: 'warn' });
export const fail = (c: Omit<Check, 'status'> & { fix: string }): Check => ({ ...c, status: 'fail' });
export const skip = (c: Omit<Check, 'status' | 'fix'>): Check => ({ ...c, status: 'skip' });
