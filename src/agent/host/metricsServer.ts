/**
 * The host's Prometheus endpoint: `GET /metrics` in the text exposition format (`?format=json`: the same as JSON), plain HTTP, off unless the
 * `metrics.port` setting asks for it, bound to `metrics.host` (127.0.0.1 unless opened on purpose). It serves only
 * counts and the node's own names (metrics.ts), so it has no token: what a scraper on the allowed address may see is
 * how busy the node is. A port that is taken is logged and tried again; the host works on without it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../common/log.js';
import type { HostMetrics } from './metrics.js';
import { listen } from '../../common/listen.js';

const RETRY_MS = 10_000;

export interface MetricsEndpointStatus {
  enabled: boolean;
  host?: string;
  port?: number;
  listening: boolean;
  message?: string;
}

export class MetricsEndpoint {
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private closed = false;
  status: MetricsEndpointStatus;

  constructor(
    private readonly metrics: HostMetrics,
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
    private readonly onChange: (s: MetricsEndpointStatus) => void = () => undefined,
  ) {
    this.status = { enabled: true, host, port, listening: false };
  }

  /** Starts listening (retrying in the background when it cannot); never throws. */
  async start(): Promise<void> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
      const [path, query] = (req.url ?? '').split('?');
      if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('the only route is GET /metrics\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('use GET\n');
      // `?format=json`: the same values as prom-client's JSON (what `dmgw metrics` and the Configuration Manager show)
      const json = new URLSearchParams(query ?? '').get('format') === 'json';
      (json ? this.metrics.registry.getMetricsAsJSON().then((v) => JSON.stringify(v)) : this.metrics.registry.metrics()).then(
        (text) => res.writeHead(200, { 'content-type': json ? 'application/json' : this.metrics.registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
        (e: unknown) => {
          this.log.error(`metrics: cannot collect: ${(e as Error).message}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting the metrics failed; see the gateway log\n');
        },
      );
    });
    try {
      await listen(server, this.port, this.host);
    } catch (e) {
      const msg = `cannot listen on ${this.host}:${this.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      this.log.error(`metrics: ${msg}; retrying in ${RETRY_MS / 1000} s`);
      this.set({ message: msg });
      if (!this.closed) {
        this.timer = setTimeout(() => void this.start(), RETRY_MS);
        this.timer.unref();
      }
      return;
    }
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.log.info(`metrics: serving Prometheus metrics on http://${this.host}:${port}/metrics`);
    this.set({ listening: true, port, message: undefined });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()).closeAllConnections());
    this.set({ listening: false });
  }

  private set(patch: Partial<MetricsEndpointStatus>): void {
    const before = JSON.stringify(this.status);
    this.status = { ...this.status, ...patch };
    if (JSON.stringify(this.status) !== before) this.onChange(this.status);
  }
}
