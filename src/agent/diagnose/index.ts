/**
 * `dmgw diagnose`: every check of the node, in order — the machine and home, the registration, the way to the service
 * step by step, the credential the service holds, the credential endpoint, the factory's linked services (with
 * `--factory`), the latest errors in the log. The report is kept as `logs/health-report.json` (0600) for support
 * bundles. Every text in it passes through the redaction layer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactDeep } from '../../common/redact.js';
import { VERSION } from '../../common/version.js';
import { readRegistration, type Registration } from '../channel/registration.js';
import type { GatewayHome } from '../config/home.js';
import { initDataProxy } from '../proxy/dataProxy.js';
import { proxyFor, resolveProxy, type ProxySettings } from '../proxy/proxySettings.js';
import { fail, skip, type Check, type CheckStatus, type HealthReport } from './check.js';
import { credentialEndpointCheck } from './endpointCheck.js';
import { linkedServiceChecks } from './linkedServices.js';
import { freeDisk, gatewayCertificate, homePermissions, hostCheck, nodeVersion, settingsCheck, updatesCheck } from './local.js';
import { logErrorsCheck } from './logErrors.js';
import { credentialCheck, registrationCheck } from './registration.js';
import { checkRoute } from './route.js';

export interface DiagnoseOptions {
  home: GatewayHome;
  env: NodeJS.ProcessEnv;
  /** a factory folder whose linked services are tested */
  factory?: string;
  /** seconds per linked-service test */
  timeoutSeconds?: number;
}

export const healthReportFile = (home: GatewayHome): string => join(home.logsDir, 'health-report.json');

export async function runDiagnose(o: DiagnoseOptions): Promise<HealthReport> {
  const { home, env } = o;
  const checks: Check[] = [nodeVersion(), homePermissions(home), freeDisk(home), gatewayCertificate(home), settingsCheck(home), updatesCheck(home)];
  let reg: Registration | undefined;
  try {
    reg = readRegistration(home);
    checks.push(registrationCheck(reg));
  } catch (e) {
    checks.push(fail({ id: 'registration', group: 'registration', title: 'Registration', detail: (e as Error).message, fix: 'register the node again: dmgw register KEY' }));
  }
  checks.push(hostCheck(home, !!reg));
  let proxy: ProxySettings | undefined;
  let reached = false;
  if (reg) {
    let proxyOk = true;
    try {
      proxy = proxyFor(await resolveProxy(home, env), reg.serviceUrl);
    } catch (e) {
      proxyOk = false;
      checks.push(fail({ id: 'proxy-settings', group: 'connection', title: 'Proxy settings', detail: (e as Error).message, fix: 'set the proxy again: dmgw proxy set URL [--user NAME --password-stdin], or dmgw proxy clear' }));
    }
    if (proxyOk) {
      const route = await checkRoute(reg.serviceUrl, { fingerprint: reg.serviceFingerprint }, proxy);
      checks.push(...route.checks);
      reached = route.reached;
    }
  } else checks.push(skip({ id: 'route', group: 'connection', title: 'The way to the service', detail: 'not registered: no service to reach' }));
  checks.splice(checks.findIndex((c) => c.id === 'host') + 1, 0, await credentialCheck(home, reg, proxy, reached));
  checks.push(await credentialEndpointCheck(home));
  if (o.factory) {
    // blob stores are reached through the node's proxy, as a worker reaches them
    await initDataProxy({ home: home.root, env });
    checks.push(...(await linkedServiceChecks(o.factory, { home: home.root, env, seconds: o.timeoutSeconds ?? 20 })));
  }
  checks.push(logErrorsCheck(home));
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  const report = redactDeep({ format: 'dmgw-health-report/1', createdAt: new Date().toISOString(), agentVersion: VERSION, home: home.root, node: reg?.nodeName, gateway: reg?.gateway, summary, checks }) as HealthReport;
  if (home.exists()) {
    try {
      // diagnose reports and changes nothing: a loose home is its finding (home-permissions), not something it fixes quietly
      mkdirSync(home.logsDir, { recursive: true, mode: 0o700 });
      writeFileSync(healthReportFile(home), `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
    } catch {
      // a read-only home still gets its report printed
    }
  }
  return report;
}
