/**
 * The HTTPS front: /gateway/v1/* goes to the channel (node credentials checked per route), everything else is
 * ARM and needs the admin token and api-version=2018-06-01. Errors leave as ARM's `{ error: { code, message } }`.
 * Slow and greedy clients are cut off here (limits.ts): handshake, headers, request and idle timeouts, and a cap on
 * connections per address; bodies are read with their own limit and deadline (body.ts).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import { redactError } from '../../common/redact.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { SUBSCRIPTIONS_API_VERSION, SUBSCRIPTIONS_PATH } from '../arm/subscriptionRoutes.js';
import type { AdminToken } from '../secrets/adminToken.js';
import type { BearerToken } from '../secrets/tokenFile.js';
import { bearerOf } from '../channel/nodeAuth.js';
import { markAuthenticated } from './body.js';
import { capConnectionsPerAddress } from './connectionCap.js';
import { HttpError } from './httpError.js';
import { sendJson } from './json.js';
import { HANDSHAKE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TIMEOUT_CHECK_MS } from './limits.js';
import { parseTarget } from './requestTarget.js';
import type { Router } from './router.js';

export interface FrontOptions {
  certPem: string;
  keyPem: string;
  arm: Router;
  channel: Router;
  admin: AdminToken;
  /** A connection with no traffic either way for this long is closed: above the longest long poll. */
  idleTimeoutMs: number;
  maxConnectionsPerAddress: number;
  /** `GET /metrics`: Prometheus text for a holder of the scrape token (never the admin token). */
  metrics: { token: BearerToken; render(): Promise<string>; contentType: string };
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

const CHANNEL_SEGMENTS = CHANNEL_PREFIX.split('/').filter(Boolean);

export const METRICS_PATH = '/metrics';

/** The scrape token only: an admin token presented here is refused like any other wrong one (and says so). */
async function metrics(o: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `use GET ${METRICS_PATH}`);
  const token = bearerOf(req);
  const where = 'the file the service printed as metricsTokenFile (<data>/metrics-token)';
  if (!token) throw new HttpError(401, 'AuthenticationFailed', `a bearer token is required: the scrape token, ${where}`);
  if (!o.metrics.token.check(token)) {
    const admin = o.admin.check(token) ? ' (this is the admin token, which the metrics endpoint does not take)' : '';
    throw new HttpError(401, 'AuthenticationFailed', `the bearer token is not this service's scrape token${admin}: use ${where}`);
  }
  const text = await o.metrics.render();
  res.writeHead(200, { 'content-type': o.metrics.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

export function createFront(o: FrontOptions): Server {
  const server = createServer({ cert: o.certPem, key: o.keyPem, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (req, res) => {
    handle(o, req, res).catch((e) => {
      if (e instanceof HttpError) return sendJson(res, e.status, e.body());
      o.log('error', `${req.method} ${req.url?.split('?')[0]}: ${redactError(e, true)}`);
      sendJson(res, 500, { error: { code: 'InternalServerError', message: 'the service failed to handle the request; see its log' } });
    });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.timeout = o.idleTimeoutMs;
  capConnectionsPerAddress(server, o.maxConnectionsPerAddress, (m) => o.log('warn', m));
  return server;
}

async function handle(o: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A GET reads no body (and writes its own answer when it streams a file): one sent along is not drained.
  if (req.method === 'GET' && (req.headers['transfer-encoding'] || Number(req.headers['content-length']) > 0)) res.shouldKeepAlive = false;
  const { path, segments, query } = parseTarget(req.url ?? '/');
  if (path === METRICS_PATH) return metrics(o, req, res);
  const channel = CHANNEL_SEGMENTS.every((s, i) => segments[i]?.toLowerCase() === s);
  if (!channel) {
    const token = bearerOf(req);
    if (!token) throw new HttpError(401, 'AuthenticationFailed', 'a bearer token is required: present the admin token (the file the service printed as adminTokenFile)');
    if (!o.admin.check(token)) throw new HttpError(401, 'AuthenticationFailed', 'the bearer token is not this service\'s admin token (the file the service printed as adminTokenFile)');
    markAuthenticated(req);
    // The subscription list belongs to Microsoft.Resources, which has its own api-version.
    const expected = `/${segments.join('/')}`.toLowerCase() === SUBSCRIPTIONS_PATH ? SUBSCRIPTIONS_API_VERSION : DATA_FACTORY_API_VERSION;
    const v = query.get('api-version');
    if (!v) throw new HttpError(400, 'MissingApiVersionParameter', `the api-version query parameter is required; use ${expected}`);
    if (v !== expected) throw new HttpError(400, 'InvalidApiVersionParameter', `api-version '${v}' is not supported; use ${expected}`);
  }
  const router = channel ? o.channel : o.arm;
  const m = router.match(req.method ?? 'GET', segments);
  if (m === 'method') throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${path}`);
  if (!m) throw new HttpError(404, channel ? 'NotFound' : 'InvalidResourceType', `no route for ${req.method} ${path}`);
  const out = await m.handler({ req, res, params: m.params, query });
  if (out) sendJson(res, out.status, out.body, out.headers);
}
