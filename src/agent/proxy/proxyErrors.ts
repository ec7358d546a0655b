/**
 * What a failed connection through a proxy means. undici reports a refused CONNECT only as "Proxy response (407)
 * !== 200 when HTTP Tunneling"; this turns that (and a proxy that cannot be reached) into words and a fix.
 */
const TUNNEL = /Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/;

export function explainConnectionError(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const message = err?.message ?? String(e);
  const m = TUNNEL.exec(message);
  if (m) {
    const status = Number(m[1]);
    // tinyproxy answers a wrong password with 401, most proxies with 407
    if (status === 407 || status === 401) return `the proxy refused the proxy credentials (HTTP ${status}): set the right user and password with \`dmgw proxy set URL --password-stdin\``;
    if (status === 403) return 'the proxy refused to tunnel to the service (HTTP 403): the proxy must allow CONNECT to the service\'s host and port (tinyproxy: Allow, ConnectPort)';
    return `the proxy refused to tunnel to the service (HTTP ${status})`;
  }
  return message;
}
