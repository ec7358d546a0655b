/**
 * The credential endpoint (ADF's "remote access" to a self-hosted IR node, port 8060): an HTTPS server that lets a
 * credential manager on another machine encrypt a linked service's credentials for this gateway without holding
 * the certificate files. TLS uses the endpoint's own key pair (tlsIdentity.ts), never the gateway certificate's key,
 * which only decrypts credentials; a client pins the TLS thumbprint (`dmgw credential-endpoint tls`, `dmgw status`).
 * Off unless asked for; bound to loopback unless a LAN address is given.
 *
 *   GET  /v1/health       {status, thumbprint, tlsThumbprint}        (no token: for monitors; thumbprint = gateway
 *                                                                     certificate, tlsThumbprint = what to pin)
 *   GET  /v1/certificate  {certificate (PEM), thumbprint, notAfter}  (token; the gateway certificate credentials are for)
 *   POST /v1/encrypt      {linkedService: text|object, secret?}  →  {linkedService: text, thumbprint, location, fields, encrypted, changed,
 *                                                                    target, boundTo}   (the server the credential is bound to)
 *
 * Bearer token from DMGW_HOME/credential-endpoint.token (read per request, so a rotation takes effect at once),
 * failed attempts rate-limited per address, bodies capped, and no request body is ever logged.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptLinkedServiceText } from '../../common/credential/encryptLinkedService.js';
import { isDmgwError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { redact, registerSecret } from '../../common/redact.js';
import { CertificateStore } from '../cert/store.js';
import type { GatewayHome } from '../config/home.js';
import { FailedAttempts } from './failedAttempts.js';
import { ensureEndpointTls, readEndpointTls } from './tlsIdentity.js';
import { readEndpointToken, tokenMatches } from './token.js';
import { listen } from '../../common/listen.js';

export const MAX_BODY_BYTES = 256 * 1024;
const CERT_CHECK_MS = 2000;

export interface CredentialEndpointStatus {
  enabled: boolean;
  host?: string;
  port?: number;
  listening: boolean;
  /** The gateway certificate credentials are encrypted for (what /v1/certificate gives). */
  thumbprint?: string;
  /** The endpoint's own TLS certificate: what clients pin. */
  tlsThumbprint?: string;
  message?: string;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class CredentialEndpoint {
  private server?: Server;
  private thumbprint?: string;
  private tlsThumbprint?: string;
  private timer?: NodeJS.Timeout;
  private readonly failures = new FailedAttempts();
  private readonly store: CertificateStore;
  status: CredentialEndpointStatus;

  constructor(
    private readonly home: GatewayHome,
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
    private readonly onChange: (s: CredentialEndpointStatus) => void = () => undefined,
  ) {
    this.store = new CertificateStore(home);
    this.status = { enabled: true, host, port, listening: false };
  }

  /** Starts listening; when the gateway has no certificate yet, keeps looking for one. Never throws. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.refresh(), CERT_CHECK_MS);
    this.timer.unref();
    await this.refresh();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()).closeAllConnections());
    this.set({ listening: false });
  }

  /**
   * Listens once a gateway certificate exists (there is nothing to encrypt for before), with the endpoint's own TLS
   * pair, made on first start; swaps that pair when `dmgw credential-endpoint tls --rotate` replaced it.
   */
  private async refresh(): Promise<void> {
    let cert;
    try {
      cert = this.store.current();
    } catch (e) {
      return this.set({ message: redact((e as Error).message) });
    }
    if (!cert) return this.set({ message: 'no gateway certificate yet: `dmgw cert new` or `dmgw register KEY` makes one' });
    if (cert.info.thumbprint !== this.thumbprint) {
      this.thumbprint = cert.info.thumbprint;
      if (this.server) this.log.info(`credential endpoint: now encrypting for certificate ${cert.info.thumbprint}`);
      this.set({ thumbprint: cert.info.thumbprint });
    }
    // A half-rotated pair (key renamed, certificate not yet) reads as undefined: the current one stays until the next look.
    let identity;
    try {
      identity = this.server ? readEndpointTls(this.home) : ensureEndpointTls(this.home);
    } catch (e) {
      return this.set({ message: `cannot make the endpoint's TLS certificate in ${this.home.credentialEndpointDir}: ${redact((e as Error).message)}` });
    }
    if (!identity || identity.thumbprint === this.tlsThumbprint) return;
    const tls = { cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1.2' as const };
    if (this.server) {
      this.server.setSecureContext(tls);
      this.tlsThumbprint = identity.thumbprint;
      this.log.info(`credential endpoint: now serving TLS certificate ${identity.thumbprint}`);
      return this.set({ tlsThumbprint: identity.thumbprint });
    }
    const server = createServer({ ...tls, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => void this.handle(req, res));
    server.on('tlsClientError', (e) => this.log.debug(`credential endpoint: TLS handshake failed: ${e.message}`));
    try {
      await listen(server, this.port, this.host);
    } catch (e) {
      const msg = `cannot listen on ${this.host}:${this.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      this.log.error(`credential endpoint: ${msg}; retrying`);
      return this.set({ message: msg });
    }
    this.server = server;
    this.tlsThumbprint = identity.thumbprint;
    const port = (server.address() as AddressInfo).port;
    this.log.info(`credential endpoint: listening on https://${this.host}:${port} with its TLS certificate ${identity.thumbprint}, encrypting for gateway certificate ${cert.info.thumbprint}`);
    this.set({ listening: true, port, thumbprint: cert.info.thumbprint, tlsThumbprint: identity.thumbprint, message: undefined });
  }

  private set(patch: Partial<CredentialEndpointStatus>): void {
    const before = JSON.stringify(this.status);
    this.status = { ...this.status, ...patch };
    if (JSON.stringify(this.status) !== before) this.onChange(this.status);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const remote = req.socket.remoteAddress ?? '?';
    const path = (req.url ?? '').split('?')[0];
    let status = 200;
    try {
      const body = await this.route(req, path, remote);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    } catch (e) {
      const f = e instanceof HttpFailure ? e : isDmgwError(e) ? new HttpFailure(400, e.code, e.message) : new HttpFailure(500, 'Internal', 'internal error');
      if (!(e instanceof HttpFailure) && !isDmgwError(e)) this.log.error(`credential endpoint: internal error: ${(e as Error).message}`);
      status = f.status;
      req.resume();
      res.writeHead(f.status, { 'content-type': 'application/json', connection: 'close', ...f.headers }).end(JSON.stringify({ error: { code: f.code, message: redact(f.message) } }));
    }
    // Method, path, address and status only: never the body, never the header values.
    this.log.info(`credential endpoint: ${req.method} ${path} from ${remote} → ${status}`);
  }

  private async route(req: IncomingMessage, path: string | undefined, remote: string): Promise<unknown> {
    if (path === '/v1/health') {
      if (req.method !== 'GET') throw new HttpFailure(405, 'MethodNotAllowed', 'use GET');
      return { status: 'ok', thumbprint: this.thumbprint, tlsThumbprint: this.tlsThumbprint };
    }
    if (path !== '/v1/certificate' && path !== '/v1/encrypt') throw new HttpFailure(404, 'NotFound', 'routes: GET /v1/health, GET /v1/certificate, POST /v1/encrypt');
    this.authenticate(req, remote);
    const cert = this.store.require();
    if (path === '/v1/certificate') {
      if (req.method !== 'GET') throw new HttpFailure(405, 'MethodNotAllowed', 'use GET');
      return { certificate: cert.certPem, thumbprint: cert.info.thumbprint, notAfter: cert.info.notAfter.toISOString() };
    }
    if (req.method !== 'POST') throw new HttpFailure(405, 'MethodNotAllowed', 'use POST');
    const input = await readBody(req);
    const text = typeof input.linkedService === 'string' ? input.linkedService : input.linkedService && typeof input.linkedService === 'object' ? JSON.stringify(input.linkedService, null, 2) : undefined;
    if (text === undefined) throw new HttpFailure(400, 'BadRequest', '"linkedService" is required: the linked service JSON, as text or as an object');
    if (input.secret !== undefined && typeof input.secret !== 'string') throw new HttpFailure(400, 'BadRequest', '"secret" must be a string');
    registerSecret(input.secret as string | undefined);
    const r = await encryptLinkedServiceText(text, cert.certPem, { file: 'linkedService', secret: input.secret as string | undefined, certSource: cert.certFile });
    this.log.info(`credential endpoint: encrypted ${r.summary.encrypted.length ? r.summary.encrypted.join(',') : 'nothing new'} for ${r.summary.thumbprint}${r.summary.boundTo ? `, bound to ${r.summary.boundTo}` : ''}`);
    return { linkedService: r.text, thumbprint: r.summary.thumbprint, location: r.summary.location, fields: r.summary.fields, encrypted: r.summary.encrypted, changed: r.summary.changed, target: r.summary.target, boundTo: r.summary.boundTo };
  }

  private authenticate(req: IncomingMessage, remote: string): void {
    const wait = this.failures.blockedFor(remote);
    if (wait) throw new HttpFailure(429, 'TooManyAttempts', `too many failed attempts from ${remote}; try again in ${wait} s`, { 'retry-after': String(wait) });
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (tokenMatches(m?.[1], readEndpointToken(this.home))) return;
    this.failures.fail(remote);
    this.log.warn(`credential endpoint: refused a request from ${remote}: ${m ? 'wrong token' : 'no bearer token'}`);
    throw new HttpFailure(401, 'Unauthorized', 'a valid bearer token is required (`dmgw credential-endpoint token` on the gateway prints it)', { 'www-authenticate': 'Bearer' });
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpFailure(415, 'UnsupportedMediaType', 'send the body as application/json');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new HttpFailure(413, 'TooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new HttpFailure(413, 'TooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    // the parser's message may quote the body
    throw new HttpFailure(400, 'BadRequest', 'the body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpFailure(400, 'BadRequest', 'the body must be a JSON object: {"linkedService": ..., "secret"?: ...}');
  return v as Record<string, unknown>;
}
