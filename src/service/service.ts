/**
 * startService: the factory service in this process — store (PGlite or PostgreSQL), TLS identity, admin token,
 * ARM routes, the gateway channel and the lease sweeper. The CLI (`dmgw service start`), the tests and the demo
 * all start it through here.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DmgwError } from '../common/errors.js';
import { MAX_WAIT_SECONDS } from '../common/gateway/protocolSchemas.js';
import { tightenFolder } from '../common/privateFolder.js';
import { markProtected } from '../common/protectedFolder.js';
import { redact, redactError } from '../common/redact.js';
import { armRoutes } from './arm/armRoutes.js';
import { channelRoutes } from './channel/channelRoutes.js';
import type { ServiceContext } from './context.js';
import { createFront } from './http/server.js';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, IDLE_MARGIN_MS } from './http/limits.js';
import { Router } from './http/router.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_ROLLOUT_NODE_TIMEOUT_SECONDS, DEFAULT_NODE_CREDENTIAL_OVERLAP_SECONDS, DEFAULT_NODE_CREDENTIAL_SECONDS, DEFAULT_SETTINGS, type ServiceOptions } from './options.js';
import { Orchestrations } from './orchestration/orchestrations.js';
import { Wakeups } from './queue/wakeups.js';
import { loadOrCreateAdminToken } from './secrets/adminToken.js';
import { loadOrCreateMetricsToken } from './secrets/metricsToken.js';
import { ServiceMetrics } from './metrics/serviceMetrics.js';
import { ReleaseStore } from './store/releases.js';
import { loadOrCreateSealer } from './secrets/sealing.js';
import { FactoryStore } from './store/factories.js';
import { GatewayStore } from './store/gateways.js';
import { JobStore } from './store/jobs.js';
import { ProbeStore } from './store/probes.js';
import { NodeStore } from './store/nodes.js';
import { openPglite } from './store/pglite.js';
import { openPostgres } from './store/postgres.js';
import { ResourceStore } from './store/resources.js';
import { RunStore } from './store/runs.js';
import { SupportReportStore } from './store/supportReports.js';
import { migrate } from './store/schema.js';
import { loadOrCreateServiceCertificate } from './tls/serviceCertificate.js';
import { listen } from '../common/listen.js';

export interface RunningService {
  /** Base URL (also the ARM endpoint) */
  url: string;
  port: number;
  /** PEM file to trust (NODE_EXTRA_CA_CERTS, or tlsOptions.ca of an Azure SDK client) */
  caCertFile: string;
  caCertPem: string;
  /** File (0600) holding the bearer token ARM clients present */
  adminTokenFile: string;
  /** File (0600) holding the scrape token of GET /metrics */
  metricsTokenFile: string;
  fingerprint: string;
  dataDir: string;
  store: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const SWEEP_MS = 1000;
const PRUNE_MS = 10 * 60_000;
/** how long a stopping service lets requests in flight finish */
const DRAIN_MS = 10_000;

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const settings = { ...DEFAULT_SETTINGS, ...o.settings };
  // a node asks for at most MAX_WAIT_SECONDS; a longer setting would have every poll refused
  if (!(settings.pollWaitSeconds >= 0 && settings.pollWaitSeconds <= MAX_WAIT_SECONDS)) throw new DmgwError('USAGE', `the poll wait must be 0 to ${MAX_WAIT_SECONDS} seconds, not ${settings.pollWaitSeconds}`, { field: 'pollWaitSeconds' }, '--poll-seconds 25 is the default');
  const maxConnections = o.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new DmgwError('USAGE', `the connections per address must be a whole number of at least 1, not ${maxConnections}`, { field: 'maxConnectionsPerAddress' }, `${DEFAULT_MAX_CONNECTIONS_PER_ADDRESS} is the default`);
  const writeLog = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: string, message: string) => writeLog(redact(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`));
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const loose = tightenFolder(o.dataDir, 'service data folder');
  if (loose) log('warn', loose);
  // its keys and store: never readable by a pipeline of a gateway on the same machine
  markProtected(o.dataDir, 'factory service data folder');
  const host = o.host ?? '127.0.0.1';
  const publicHost = o.publicUrl ? new URL(o.publicUrl).hostname : host === '0.0.0.0' || host === '::' ? hostname() : host;
  const tls = loadOrCreateServiceCertificate(o.dataDir, [publicHost]);
  const admin = loadOrCreateAdminToken(o.dataDir);
  const scrape = loadOrCreateMetricsToken(o.dataDir);
  const sealer = loadOrCreateSealer(o.dataDir);
  const sql = o.postgres ? await openPostgres(o.postgres, o.postgresSchema, o.postgresPassword) : await openPglite(join(o.dataDir, 'store'));
  await migrate(sql, sealer);
  const lifetimeSeconds = o.nodeCredentialSeconds ?? DEFAULT_NODE_CREDENTIAL_SECONDS;
  const credentials = { lifetimeSeconds, overlapSeconds: Math.min(o.nodeCredentialOverlapSeconds ?? DEFAULT_NODE_CREDENTIAL_OVERLAP_SECONDS, lifetimeSeconds / 2) };
  // credentials issued before they expired get their lifetime from now: their hosts renew them once updated
  await sql.query('update nodes set token_expires_at = now() + make_interval(secs => $1) where token_expires_at is null', [lifetimeSeconds]);
  // A restarted service gives running jobs one lease period to report in before the sweeper requeues them:
  // their nodes could not renew while it was down.
  await sql.query(`update jobs set lease_expires_at = greatest(lease_expires_at, now() + make_interval(secs => $1)) where status = 'leased'`, [settings.leaseSeconds]);

  const stopping = new AbortController();
  const ctx: ServiceContext = {
    sql,
    factories: new FactoryStore(sql),
    resources: new ResourceStore(sql, sealer),
    gateways: new GatewayStore(sql, sealer),
    nodes: new NodeStore(sql),
    runs: new RunStore(sql, sealer),
    jobs: new JobStore(sql, sealer),
    probes: new ProbeStore(sql, sealer),
    releases: new ReleaseStore(sql),
    supportReports: new SupportReportStore(sql),
    wakeups: new Wakeups(),
    settings,
    maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    rolloutNodeTimeoutSeconds: o.rolloutNodeTimeoutSeconds ?? DEFAULT_ROLLOUT_NODE_TIMEOUT_SECONDS,
    credentials,
    publicUrl: '',
    fingerprint: tls.fingerprint,
    certPem: tls.certPem,
    stopping: stopping.signal,
    log,
  };
  const serviceMetrics = new ServiceMetrics(ctx);
  const metrics = { token: scrape, render: () => serviceMetrics.render(), contentType: serviceMetrics.contentType };
  const server = createFront({
    certPem: tls.certPem,
    keyPem: tls.keyPem,
    admin,
    metrics,
    arm: armRoutes(new Router(), ctx),
    channel: channelRoutes(new Router(), ctx),
    idleTimeoutMs: settings.pollWaitSeconds * 1000 + IDLE_MARGIN_MS,
    maxConnectionsPerAddress: maxConnections,
    log,
  });
  await listen(server, o.port ?? 8443, host);
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
  // answered probes (Test Connection) are of no use after a day
  const pruner = setInterval(() => void ctx.probes.prune().catch((e) => log('error', `probe prune failed: ${redactError(e)}`)), PRUNE_MS);
  pruner.unref();
  const orchestrations = new Orchestrations(ctx);
  ctx.orchestration = orchestrations;
  orchestrations.start();

  log('info', `factory service listening on ${url} (store: ${sql.kind}, TLS fingerprint ${tls.fingerprint})`);
  return {
    url,
    port,
    caCertFile: tls.certFile,
    caCertPem: tls.certPem,
    adminTokenFile: admin.file,
    metricsTokenFile: scrape.file,
    fingerprint: tls.fingerprint,
    dataDir: o.dataDir,
    store: sql.kind,
    /**
     * Stops gracefully, as a rolling restart needs: no new connections; long polls answer at once (no jobs); requests
     * in flight — a createRun, a node's events or result — finish and are answered, so nothing a client was told is
     * lost and nothing it was not told happened; idle connections close; after DRAIN_MS the rest are cut.
     */
    async close() {
      stopping.abort();
      clearInterval(sweeper);
      clearInterval(pruner);
      await orchestrations.close();
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      await sql.close();
    },
  };
}
