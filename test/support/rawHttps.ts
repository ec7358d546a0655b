/**
 * HTTPS to the factory service below any client library: requests with whatever method, path, headers and body a
 * test wants (node:https sends the path as given, unnormalised), and raw TLS or TCP sockets for slow and greedy
 * clients. Every call has a deadline, so a server that hangs fails the test instead of stalling it.
 */
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Target {
  url: string;
  caCertPem: string;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** the parsed JSON body, when it is JSON */
  json?: { error?: { code: string; message: string; target?: string } } & Record<string, unknown>;
  ms: number;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the request fails with `timed out` after this long (default 10 s) */
  timeoutMs?: number;
}

/** One request on its own connection; resolves with the answer, rejects with `timed out after N ms` or the socket error. */
export function send(t: Target, r: RawRequest): Promise<RawAnswer> {
  const u = new URL(t.url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    const framed = Object.keys(headers).some((h) => ['content-length', 'transfer-encoding'].includes(h.toLowerCase()));
    if (r.body !== undefined && !framed) headers['content-length'] = Buffer.byteLength(r.body);
    const req = httpsRequest({ host: u.hostname, port: u.port, method: r.method ?? 'GET', path: r.path, headers, ca: t.caCertPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: RawAnswer['json'];
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: Date.now() - t0 });
      });
    });
    req.setTimeout(r.timeoutMs ?? 10_000, () => req.destroy(new Error(`timed out after ${r.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** JSON POST with a bearer token (the channel's and ARM's way). */
export function post(t: Target, path: string, body: unknown, token?: string, timeoutMs?: number): Promise<RawAnswer> {
  return send(t, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    timeoutMs,
  });
}

/** A TLS connection that has finished its handshake (trusting the service's certificate). */
export function openTls(t: Target): Promise<TLSSocket> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname, port: Number(u.port), ca: t.caCertPem, servername: u.hostname === '127.0.0.1' ? undefined : u.hostname }, () => resolve(s));
    s.once('error', reject);
  });
}

/** A plain TCP connection to the service's port (no TLS handshake follows unless the test starts one). */
export function openTcp(t: Target): Promise<Socket> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: u.hostname, port: Number(u.port) }, () => resolve(s));
    s.once('error', reject);
  });
}

export interface Closing {
  /** ms from the call until the socket closed */
  ms: number;
  /** everything the server wrote before closing */
  text: string;
}

/**
 * Resolves when the server closes `s` (with the time it took and what it wrote), or with undefined when it is still
 * open after `limitMs` (the socket is then destroyed by the test).
 */
export function closedWithin(s: Socket, limitMs: number): Promise<Closing | undefined> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('error', () => undefined);
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, limitMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - t0, text });
    });
  });
}
