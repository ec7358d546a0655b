/**
 * startService: the factory service in this process — store (PGlite or PostgreSQL), TLS identity, admin token,
 * ARM routes, the gateway channel and the lease sweeper. The CLI (`dmgw service start`), the tests and the demo
 * all start it through here.
 */
import { sign as cryptoSign } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { redact, redactError } from '../common/redact.js';
import { armRoutes } from './arm/armRoutes.js';
import { channelRoutes } from './channel/channelRoutes.js';
import type { ServiceContext } from './context.js';
import { createFront } from './http/server.js';
import { Router } from './http/router.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_SETTINGS, type ServiceOptions } from './options.js';
import { Wakeups } from './queue/wakeups.js';
import { loadOrCreateAdminToken } from './secrets/adminToken.js';
import { ReleaseStore } from './store/releases.js';
import { loadOrCreateSealer } from './secrets/sealing.js';
import { FactoryStore } from './store/factories.js';
import { GatewayStore } from './store/gateways.js';
import { JobStore } from './store/jobs.js';
import { NodeStore } from './store/nodes.js';
import { openPglite } from './store/pglite.js';
import { openPostgres } from './store/postgres.js';
import { ResourceStore } from './store/resources.js';
import { RunStore } from './store/runs.js';
import { migrate } from './store/schema.js';
import { loadOrCreateServiceCertificate } from './tls/serviceCertificate.js';

export interface RunningService {
  /** Base URL (also the ARM endpoint) */
  url: string;
  port: number;
  /** PEM file to trust (NODE_EXTRA_CA_CERTS, or tlsOptions.ca of an Azure SDK client) */
  caCertFile: string;
  caCertPem: string;
  /** File (0600) holding the bearer token ARM clients present */
  adminTokenFile: string;
  fingerprint: string;
  dataDir: string;
  store: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const SWEEP_MS = 1000;

export async function startService(o: ServiceOptions): Promise<RunningService> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const writeLog = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: string, message: string) => writeLog(redact(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`));
  const host = o.host ?? '127.0.0.1';
  const publicHost = o.publicUrl ? new URL(o.publicUrl).hostname : host === '0.0.0.0' || host === '::' ? hostname() : host;
  const tls = loadOrCreateServiceCertificate(o.dataDir, [publicHost]);
  const admin = loadOrCreateAdminToken(o.dataDir);
  const sealer = loadOrCreateSealer(o.dataDir);
  const sql = o.postgres ? await openPostgres(o.postgres, o.postgresSchema) : await openPglite(join(o.dataDir, 'store'));
  await migrate(sql);
  const settings = { ...DEFAULT_SETTINGS, ...o.settings };
  // A restarted service gives running jobs one lease period to report in before the sweeper requeues them:
  // their nodes could not renew while it was down.
  await sql.query(`update jobs set lease_expires_at = greatest(lease_expires_at, now() + make_interval(secs => $1)) where status = 'leased'`, [settings.leaseSeconds]);

  const stopping = new AbortController();
  const ctx: ServiceContext = {
    sql,
    factories: new FactoryStore(sql),
    resources: new ResourceStore(sql),
    gateways: new GatewayStore(sql, sealer),
    nodes: new NodeStore(sql),
    runs: new RunStore(sql),
    jobs: new JobStore(sql),
    releases: new ReleaseStore(sql),
    sign: (message) => cryptoSign('sha256', Buffer.from(message), tls.keyPem).toString('base64'),
    wakeups: new Wakeups(),
    settings,
    maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    publicUrl: '',
    fingerprint: tls.fingerprint,
    certPem: tls.certPem,
    stopping: stopping.signal,
    log,
  };
  const server = createFront({ certPem: tls.certPem, keyPem: tls.keyPem, admin, arm: armRoutes(new Router(), ctx), channel: channelRoutes(new Router(), ctx), log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8443, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = (o.publicUrl ?? `https://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`).replace(/\/$/, '');
  ctx.publicUrl = url;

  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    ctx.jobs
      .expireLeases()
      .then((n) => {
        if (n) {
          log('warn', `${n} lease(s) expired; job(s) queued again`);
          ctx.wakeups.notifyAll();
        }
      })
      .catch((e) => log('error', `lease sweep failed: ${redactError(e)}`))
      .finally(() => (sweeping = false));
  }, SWEEP_MS);
  sweeper.unref();

  log('info', `factory service listening on ${url} (store: ${sql.kind}, TLS fingerprint ${tls.fingerprint})`);
  return {
    url,
    port,
    caCertFile: tls.certFile,
    caCertPem: tls.certPem,
    adminTokenFile: admin.file,
    fingerprint: tls.fingerprint,
    dataDir: o.dataDir,
    store: sql.kind,
    async close() {
      stopping.abort();
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sql.close();
    },
  };
}
