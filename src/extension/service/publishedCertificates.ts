/**
 * The certificates a factory service publishes for a gateway (`listCertificates`: the certificates of its nodes with
 * a valid registration), so a credential can be encrypted for a gateway on another machine. The route is ours (not
 * in Azure's API), so it is called directly, with the same URL, CA and token as the ARM client.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types';
import { ext } from '../extensionVariables';
import type { GatewayCertificate } from '../agent/gatewayCertificate';
import { factoryServiceClient, resourceGroupOf, type FactoryServiceConnection } from './factoryServiceClient';

export async function publishedCertificates(conn: FactoryServiceConnection, gateway: string): Promise<GatewayCertificate[]> {
  const client = await factoryServiceClient(conn);
  const token = await ext.secrets.get('factoryServiceToken', conn.url);
  const ca = conn.caCertFile ? readFileSync(conn.caCertFile, 'utf8') : undefined;
  const out: GatewayCertificate[] = [];
  for await (const f of client.factories.list()) {
    const rg = resourceGroupOf(f.id);
    const path = `/subscriptions/${encodeURIComponent(conn.subscription)}/resourceGroups/${encodeURIComponent(rg)}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(f.name!)}/integrationRuntimes/${encodeURIComponent(gateway)}/listCertificates`;
    const r = await post(new URL(`${path}?api-version=${DATA_FACTORY_API_VERSION}`, conn.url), token ?? '', ca);
    if (r.status !== 200) continue; // this factory has no gateway of that name
    const body = JSON.parse(r.body) as { value?: Array<{ nodeName: string; thumbprint: string; certificate: string }> };
    for (const c of body.value ?? []) {
      if (c.certificate && !out.some((o) => o.thumbprint === c.thumbprint)) out.push({ pem: c.certificate, thumbprint: c.thumbprint, source: `node ${c.nodeName} of gateway ${gateway} in factory ${f.name} (${conn.url})` });
    }
  }
  return out;
}

/** node:https rather than a fetch library: one small POST does not warrant bundling an HTTP client. */
function post(url: URL, token: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-length': 0 }, ...(ca ? { ca } : {}), timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url.origin} did not answer within 30 s`)));
    req.on('error', reject);
    req.end();
  });
}
