/**
 * What a failed connection through a proxy means. undici reports a refused CONNECT only as "Proxy response (407)
 * !== 200 when HTTP Tunneling"; this turns that (and a proxy that cannot be reached) into words and a fix.
 */
const TUNNEL = /Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/;

/** Where a request through the proxy was going, in the words of a 403: what the proxy refused, what it must allow. */
export interface ProxyDestination {
  refused: string;
  allow: string;
}

/** The factory service, reached through a CONNECT tunnel (channel, registration). */
export const SERVICE_DESTINATION: ProxyDestination = {
  refused: 'to tunnel to the service',
  allow: "CONNECT to the service's host and port (tinyproxy: Allow, ConnectPort)",
};

/** A proxy's refusal (401/403/407) in words and a fix; undefined for any other status. */
export function proxyRefusal(status: number, to: ProxyDestination): { message: string; hint: string } | undefined {
  // tinyproxy answers a wrong password with 401, most proxies with 407
  if (status === 407 || status === 401) return { message: `the proxy refused the proxy credentials (HTTP ${status})`, hint: 'set the right user and password with `dmgw proxy set URL --user NAME --password-stdin`' };
  if (status === 403) return { message: `the proxy refused ${to.refused} (HTTP 403)`, hint: `the proxy must allow ${to.allow}` };
  return undefined;
}

export function explainConnectionError(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const message = err?.message ?? String(e);
  const m = TUNNEL.exec(message);
  if (m) {
    const status = Number(m[1]);
    const refusal = proxyRefusal(status, SERVICE_DESTINATION);
    return refusal ? `${refusal.message}: ${refusal.hint}` : `the proxy refused ${SERVICE_DESTINATION.refused} (HTTP ${status})`;
  }
  return message;
}
