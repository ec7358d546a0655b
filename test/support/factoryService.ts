/**
 * Test support for the factory service: a real service (in this process, or as a `dmgw service start` child)
 * with its own data folder, and the real @azure/arm-datafactory client pointed at it. The client trusts the
 * service's self-signed certificate through `tlsOptions.ca` (core-rest-pipeline's TLS settings), so nothing
 * process-wide (NODE_EXTRA_CA_CERTS, NODE_TLS_REJECT_UNAUTHORIZED) is touched.
 */
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import type { TokenCredential } from '@azure/core-auth';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startService, type RunningService } from '../../src/service/service.js';
import type { ServiceOptions } from '../../src/service/options.js';

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const RESOURCE_GROUP = 'rg-test';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export async function startTestService(opts: Partial<ServiceOptions> = {}): Promise<RunningService & { logs: string[] }> {
  const logs: string[] = [];
  const svc = await startService({ dataDir: tempDir('dmgw-svc'), port: 0, log: (l) => logs.push(l), ...opts });
  return Object.assign(svc, { logs });
}

export interface ServiceEndpoint {
  url: string;
  caCertFile: string;
  adminTokenFile: string;
}

/**
 * The environment the built CLI's management verbs (`dmgw gateway|pipeline|service ...`) reach `svc` with, as an
 * operator sets it: DMGW_ENDPOINT, DMGW_TOKEN_FILE, DMGW_CA_FILE — without the test run's NODE_EXTRA_CA_CERTS and DMGW_DEBUG.
 */
export function managementEnv(svc: ServiceEndpoint, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DMGW_ENDPOINT: svc.url, DMGW_TOKEN_FILE: svc.adminTokenFile, DMGW_CA_FILE: svc.caCertFile, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.DMGW_DEBUG;
  return env;
}

export function adminCredential(tokenFile: string): TokenCredential {
  return { getToken: async () => ({ token: readFileSync(tokenFile, 'utf8').trim(), expiresOnTimestamp: Date.now() + 3600_000 }) };
}

export function armClient(svc: ServiceEndpoint, credential: TokenCredential = adminCredential(svc.adminTokenFile)): DataFactoryManagementClient {
  return new DataFactoryManagementClient(credential, SUBSCRIPTION, {
    endpoint: svc.url,
    tlsOptions: { ca: readFileSync(svc.caCertFile, 'utf8') },
    // Tests assert on single answers; the SDK's default retries would hide a 5xx behind a long wait.
    retryOptions: { maxRetries: 0 },
  });
}

export const CLI = resolve(__dirname, '../../dist/agent/cli.js');

export interface ServiceProcess extends ServiceEndpoint {
  child: ChildProcess;
  fingerprint: string;
  dataDir: string;
  stderr: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `dmgw service start` as a child process (needs `node scripts/build.mjs` first). Resolves on its ready line. */
export async function spawnService(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServiceProcess> {
  // `dmgw service start` refuses a password inside --postgres (DMGW_TEST_PG_URL may carry one): it goes in PGPASSWORD
  const at = args.indexOf('--postgres');
  if (at >= 0 && args[at + 1] && new URL(args[at + 1]!).password) {
    const u = new URL(args[at + 1]!);
    env = { ...env, PGPASSWORD: decodeURIComponent(u.password) };
    u.password = '';
    args = args.with(at + 1, u.toString());
  }
  const child = spawn(process.execPath, [CLI, 'service', 'start', '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const ready = await new Promise<Record<string, string>>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => res(JSON.parse(l) as Record<string, string>));
    child.once('exit', (code) => rej(new Error(`service exited with ${code} before it was ready:\n${stderr.join('\n')}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return {
    child,
    url: ready.url!,
    caCertFile: ready.caCertFile!,
    adminTokenFile: ready.adminTokenFile!,
    fingerprint: ready.fingerprint!,
    dataDir: ready.dataDir!,
    stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The RestError an ARM call throws (statusCode, code, message); fails the test when the call succeeds. */
export async function restError(p: Promise<unknown>): Promise<{ statusCode: number; code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode: number; code: string; message: string };
  }
  throw new Error('expected the call to fail');
}
