/**
 * The way from this node to its factory service, one step at a time, each its own check so the report says where it
 * breaks: the name (DNS), the TCP connection (to the proxy when there is one), the proxy's CONNECT, the TLS handshake,
 * the pinned certificate, then one HTTP request whose `Date` header tells the clock skew. Built on node:net/tls
 * directly (the channel's undici client would fold all of these into one error). A step that fails leaves the later
 * ones "not tried".
 */
import { createHash, X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { redact } from '../../common/redact.js';
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import { describeProxy, type ProxySettings } from '../proxy/proxySettings.js';
import { fail, ok, skip, warn, type Check } from './check.js';

const STEP_MS = 8000;
const DAY = 86_400_000;

export interface RouteResult {
  checks: Check[];
  /** true when the service answered over the pinned TLS connection */
  reached: boolean;
}

type Step = Omit<Check, 'status' | 'fix' | 'detail'>;
const step = (id: string, title: string): Step => ({ id: `route-${id}`, group: 'connection', title });

export async function checkRoute(serviceUrl: string, pin: { fingerprint?: string } , proxy: ProxySettings | undefined, now: () => number = Date.now): Promise<RouteResult> {
  const url = new URL(serviceUrl);
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const via = proxy ? new URL(proxy.url) : undefined;
  const first = via ? { host: via.hostname.replace(/^\[|\]$/g, ''), port: Number(via.port || (via.protocol === 'https:' ? 443 : 80)), what: `the proxy ${describeProxy(proxy!)}` } : { host, port, what: `the factory service ${url.host}` };
  const checks: Check[] = [];
  const notTried = (s: Step, why: string) => checks.push(skip({ ...s, detail: `not tried: ${why}` }));
  const rest = (from: number, why: string) => {
    const all: Array<[string, string]> = [['dns', 'Name lookup'], ['tcp', 'TCP connection'], ['proxy', 'Proxy CONNECT'], ['tls', 'TLS handshake'], ['pin', 'Pinned service certificate'], ['service-certificate', 'Service certificate validity'], ['clock', 'Clock skew against the service']];
    for (const [id, title] of all.slice(from)) if (id !== 'proxy' || via) notTried(step(id, title), why);
    return { checks, reached: false };
  };

  // 1. DNS
  const dns = step('dns', 'Name lookup');
  if (isIP(first.host)) checks.push(ok({ ...dns, detail: `${first.host} is an address: nothing to look up${via ? ` (the proxy looks up ${host})` : ''}` }));
  else {
    try {
      const found = await withTimeout(lookup(first.host, { all: true }), STEP_MS, `no answer within ${STEP_MS / 1000} s`);
      checks.push(ok({ ...dns, detail: `${first.host} → ${found.map((a) => a.address).join(', ')}${via ? ` (the proxy looks up ${host})` : ''}` }));
    } catch (e) {
      checks.push(fail({ ...dns, detail: `cannot resolve ${first.host} (${code(e)})`, fix: via ? 'check the proxy URL (dmgw proxy show) and this machine\'s DNS' : 'check this machine\'s DNS (/etc/resolv.conf, the hosts file); the service name comes from the gateway key' }));
      return rest(1, 'the name did not resolve');
    }
  }

  // 2. TCP
  const tcp = step('tcp', 'TCP connection');
  let socket: Socket;
  const t0 = now();
  try {
    socket = await connectTcp(first.host, first.port);
    checks.push(ok({ ...tcp, detail: `connected to ${first.what} at ${first.host}:${first.port} in ${now() - t0} ms` }));
  } catch (e) {
    const c = code(e);
    const fix =
      c === 'ECONNREFUSED'
        ? via
          ? 'nothing listens there: is the proxy running? (dmgw proxy show; dmgw proxy set URL to change it)'
          : 'nothing listens there: is the factory service running (dmgw service start), and is this its address?'
        : 'a firewall may drop the connection: allow outbound TCP from this machine to that address and port';
    checks.push(fail({ ...tcp, detail: `cannot connect to ${first.what} at ${first.host}:${first.port} (${c})`, fix }));
    return rest(2, 'no TCP connection');
  }

  try {
    // 3. proxy CONNECT
    if (via) {
      const px = step('proxy', 'Proxy CONNECT');
      const status = await proxyConnect(socket, `${host.includes(':') ? `[${host}]` : host}:${port}`, proxy!);
      if (status === 200) checks.push(ok({ ...px, detail: `${describeProxy(proxy!)} opened a tunnel to ${url.host}` }));
      else {
        const refusedCredentials = status === 407 || status === 401;
        checks.push(
          fail({
            ...px,
            detail: `${describeProxy(proxy!)} answered ${status} to CONNECT ${url.host}${refusedCredentials ? ': it refused the proxy credentials' : status === 403 ? ': it does not allow CONNECT to that port' : ''}`,
            fix: refusedCredentials
              ? 'set the right user and password: dmgw proxy set URL --user NAME --password-stdin'
              : status === 403
                ? `ask the proxy's administrator to allow CONNECT to ${url.host} (tinyproxy: ConnectPort ${port}; squid: an SSL_ports acl)`
                : 'check the proxy\'s log for why it refused the tunnel',
          }),
        );
        socket.destroy();
        return rest(3, 'the proxy did not open a tunnel');
      }
    }

    // 4. TLS
    const tls = step('tls', 'TLS handshake');
    let secure: TLSSocket;
    try {
      secure = await handshake(socket, host);
      checks.push(ok({ ...tls, detail: `${secure.getProtocol()} with ${url.host}, ${secure.getCipher().name}` }));
    } catch (e) {
      checks.push(fail({ ...tls, detail: `TLS with ${url.host} failed: ${redact((e as Error).message)}`, fix: `is ${url.host} the factory service's HTTPS port? A proxy or firewall that inspects TLS breaks the pinned connection: exempt the service from inspection` }));
      socket.destroy();
      return rest(4, 'no TLS session');
    }
    try {
      // 5. pin
      const peer = secure.getPeerX509Certificate();
      const pinStep = step('pin', 'Pinned service certificate');
      const presented = peer ? createHash('sha256').update(peer.raw).digest('hex').toUpperCase() : '';
      const pinned = pin.fingerprint?.replace(/:/g, '').toUpperCase();
      if (pinned) {
        if (presented !== pinned) {
          checks.push(
            fail({
              ...pinStep,
              detail: `the service presents certificate ${presented.slice(0, 16)}…, this node pinned ${pinned.slice(0, 16)}… when it registered`,
              fix: 'if the service\'s certificate was replaced on purpose, get a current key (dmgw gateway keys NAME) and register again (dmgw register --key-stdin); otherwise something between this node and the service (a TLS-inspecting proxy, a wrong address) answers instead of it',
            }),
          );
          return rest(5, 'the certificate is not the pinned one');
        }
        checks.push(ok({ ...pinStep, detail: `the service presents the pinned certificate ${pinned.slice(0, 16)}…` }));
      } else if (secure.authorized) checks.push(ok({ ...pinStep, detail: 'publicly trusted certificate (the key pins none), verified by the system\'s CAs' }));
      else {
        checks.push(fail({ ...pinStep, detail: `the certificate is not trusted: ${String(secure.authorizationError)}`, fix: 'the gateway key has no fingerprint, so the service needs a publicly trusted certificate; or register with a key from a service that pins its own' }));
        return rest(5, 'the certificate is not trusted');
      }
      // 6. the service certificate's validity
      checks.push(serviceCertificate(peer, now()));
      // 7. one HTTP request: the service's Date header
      checks.push(await clockSkew(secure, url.host, now));
      return { checks, reached: true };
    } finally {
      secure.destroy();
    }
  } finally {
    socket.destroy();
  }
}

function serviceCertificate(peer: X509Certificate | undefined, now: number): Check {
  const s = step('service-certificate', 'Service certificate validity');
  if (!peer) return skip({ ...s, detail: 'no certificate presented' });
  const until = new Date(peer.validTo);
  const days = Math.floor((until.getTime() - now) / DAY);
  const detail = `${peer.subject.replace(/\n/g, ', ')}, valid until ${until.toISOString()} (${days} days)`;
  const fix = "the service's operator renews its certificate; a new one means new gateway keys (its fingerprint is in them) and every node registering again";
  if (days < 0) return fail({ ...s, detail: `${detail}: expired`, fix });
  if (days < 30) return warn({ ...s, detail: `${detail}: expires soon`, fix });
  return ok({ ...s, detail });
}

/** Clock skew from the service's Date header (one-second resolution), corrected by half the round trip. */
async function clockSkew(secure: TLSSocket, hostHeader: string, now: () => number): Promise<Check> {
  const s = step('clock', 'Clock skew against the service');
  const sent = now();
  let head: string;
  try {
    head = await httpHead(secure, `GET ${CHANNEL_PREFIX}/certificate HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
  } catch (e) {
    return fail({ ...s, detail: `the service did not answer an HTTP request: ${redact((e as Error).message)}`, fix: 'check the service\'s log; is this address the factory service?' });
  }
  const back = now();
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  const date = /\r\ndate:\s*([^\r\n]+)/i.exec(head)?.[1];
  if (status !== 200) return fail({ ...s, detail: `GET ${CHANNEL_PREFIX}/certificate answered ${status || 'something that is not HTTP'}`, fix: 'this address is not a dmgw factory service, or a proxy in between rewrites answers' });
  if (!date || Number.isNaN(Date.parse(date))) return warn({ ...s, detail: 'the service sent no Date header', fix: 'compare the clocks by hand (date -u on both machines)' });
  const skew = Math.round(((sent + back) / 2 - Date.parse(date)) / 1000);
  const detail = `this machine's clock is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the service's (±1 s; round trip ${back - sent} ms)`;
  const fix = 'synchronise the clock (timedatectl set-ntp true, chrony or ntpd): update windows, log times and certificate validity depend on it';
  if (Math.abs(skew) > 300) return fail({ ...s, detail, fix });
  if (Math.abs(skew) > 30) return warn({ ...s, detail, fix });
  return ok({ ...s, detail });
}

function connectTcp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, STEP_MS);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** CONNECT through the proxy on `socket`; resolves with the proxy's status code. Credentials go as Basic, never logged. */
function proxyConnect(socket: Socket, authority: string, proxy: ProxySettings): Promise<number> {
  const auth = proxy.username !== undefined ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n` : '';
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      let buf = '';
      const onData = (c: Buffer) => {
        buf += c.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        // what came after the proxy's answer belongs to the tunnel: nothing, before we send the TLS hello
        resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf)?.[1] ?? 0));
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('the proxy closed the connection')));
    }),
    STEP_MS,
    'the proxy did not answer the CONNECT',
  );
}

function handshake(socket: Socket, host: string): Promise<TLSSocket> {
  return withTimeout(
    new Promise<TLSSocket>((resolve, reject) => {
      // identity is checked by the pin (or by `authorized` for a public certificate), not here
      const secure = tlsConnect({ socket, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
      secure.once('secureConnect', () => resolve(secure));
      secure.once('error', reject);
    }),
    STEP_MS,
    'no TLS answer',
  );
}

function httpHead(secure: TLSSocket, request: string): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      let buf = '';
      secure.on('data', (c: Buffer) => {
        buf += c.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end >= 0) resolve(buf.slice(0, end + 2));
      });
      secure.once('error', reject);
      secure.once('end', () => reject(new Error('the connection closed before an answer')));
      secure.write(request);
    }),
    STEP_MS,
    'no HTTP answer',
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'ETIMEDOUT' })), ms)))]).finally(() => clearTimeout(timer));
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
