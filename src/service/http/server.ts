/**
 * The HTTPS front: /gateway/v1/* goes to the channel (node credentials checked per route), everything else is
 * ARM and needs the admin token and api-version=2018-06-01. Errors leave as ARM's `{ error: { code, message } }`.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import { redactError } from '../../common/redact.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { SUBSCRIPTIONS_API_VERSION, SUBSCRIPTIONS_PATH } from '../arm/subscriptionRoutes.js';
import type { AdminToken } from '../secrets/adminToken.js';
import { bearerOf } from '../channel/nodeAuth.js';
import { HttpError } from './httpError.js';
import { sendJson } from './json.js';
import type { Router } from './router.js';

export interface FrontOptions {
  certPem: string;
  keyPem: string;
  arm: Router;
  channel: Router;
  admin: AdminToken;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export function createFront(o: FrontOptions): Server {
  const server = createServer({ cert: o.certPem, key: o.keyPem }, (req, res) => {
    handle(o, req, res).catch((e) => {
      if (e instanceof HttpError) return sendJson(res, e.status, e.body());
      o.log('error', `${req.method} ${req.url?.split('?')[0]}: ${redactError(e, true)}`);
      sendJson(res, 500, { error: { code: 'InternalServerError', message: 'the service failed to handle the request; see its log' } });
    });
  });
  // Long polls hold requests ~25 s; keep the defaults from cutting them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(o: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://service');
  const channel = url.pathname.startsWith(`${CHANNEL_PREFIX}/`);
  if (!channel) {
    const token = bearerOf(req);
    if (!token) throw new HttpError(401, 'AuthenticationFailed', 'a bearer token is required: present the admin token (the file the service printed as adminTokenFile)');
    if (!o.admin.check(token)) throw new HttpError(401, 'AuthenticationFailed', 'the bearer token is not this service\'s admin token (the file the service printed as adminTokenFile)');
    // The subscription list belongs to Microsoft.Resources, which has its own api-version.
    const expected = url.pathname.replace(/\/+$/, '').toLowerCase() === SUBSCRIPTIONS_PATH ? SUBSCRIPTIONS_API_VERSION : DATA_FACTORY_API_VERSION;
    const v = url.searchParams.get('api-version');
    if (!v) throw new HttpError(400, 'MissingApiVersionParameter', `the api-version query parameter is required; use ${expected}`);
    if (v !== expected) throw new HttpError(400, 'InvalidApiVersionParameter', `api-version '${v}' is not supported; use ${expected}`);
  }
  const router = channel ? o.channel : o.arm;
  const m = router.match(req.method ?? 'GET', url.pathname);
  if (m === 'method') throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}`);
  if (!m) throw new HttpError(404, channel ? 'NotFound' : 'InvalidResourceType', `no route for ${req.method} ${url.pathname}`);
  const out = await m.handler({ req, res, params: m.params, query: url.searchParams });
  if (out) sendJson(res, out.status, out.body, out.headers);
}
