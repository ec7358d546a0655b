/** The credential endpoint, when the settings turn it on: is the running host serving it, with the TLS certificate it says. */
import { request } from 'node:https';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';
import { readHostState } from '../host/hostState.js';
import { runningHostPid } from '../host/lock.js';
import { fail, ok, skip, warn, type Check } from './check.js';

export async function credentialEndpointCheck(home: GatewayHome): Promise<Check> {
  const c = { id: 'credential-endpoint', group: 'credential endpoint' as const, title: 'Credential endpoint' };
  let port: number | undefined;
  let host: string;
  try {
    const s = readSettings(home);
    port = s['credentialEndpoint.port'];
    host = s['credentialEndpoint.host'];
  } catch {
    return skip({ ...c, detail: 'the settings do not read (see the settings check)' });
  }
  if (port === undefined) return skip({ ...c, detail: 'off (dmgw config set credentialEndpoint.port 8060 turns it on)' });
  const st = readHostState(home);
  const pid = runningHostPid(home);
  if (!pid || st?.pid !== pid) return warn({ ...c, detail: `set to ${host}:${port}, but the host is not running`, fix: 'dmgw start: the host serves it' });
  const ep = st.credentialEndpoint;
  if (!ep?.listening) return fail({ ...c, detail: `set to ${host}:${port}, not listening${ep?.message ? `: ${ep.message}` : ''}`, fix: 'another program may hold the port: pick another (dmgw config set credentialEndpoint.port N) and restart the host' });
  const target = ep.host === '0.0.0.0' ? '127.0.0.1' : (ep.host ?? host);
  try {
    const presented = await new Promise<string>((resolve, reject) => {
      const req = request({ host: target, port: ep.port, path: '/v1/health', rejectUnauthorized: false, timeout: 5000 }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerX509Certificate();
        res.resume();
        if (res.statusCode !== 200) return reject(new Error(`/v1/health answered ${res.statusCode}`));
        resolve(cert ? createHash('sha256').update(cert.raw).digest('hex').toUpperCase() : '');
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
      req.on('error', reject);
      req.end();
    });
    if (ep.tlsThumbprint && presented !== ep.tlsThumbprint) return fail({ ...c, detail: `https://${target}:${ep.port} presents TLS certificate ${presented.slice(0, 16)}…, the host says it serves ${ep.tlsThumbprint.slice(0, 16)}…`, fix: 'another program answers on that port: stop it, or move the endpoint (dmgw config set credentialEndpoint.port N)' });
    return ok({ ...c, detail: `listening on https://${ep.host}:${ep.port}, TLS certificate ${presented.slice(0, 16)}… (what clients pin), encrypting for ${ep.thumbprint?.slice(0, 16) ?? '?'}…` });
  } catch (e) {
    return fail({ ...c, detail: `https://${target}:${ep.port}/v1/health: ${(e as Error).message}`, fix: 'see the host\'s log (dmgw logs) for the credential endpoint' });
  }
}
