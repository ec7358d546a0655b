/**
 * The certificates a factory service publishes for a gateway (`listCertificates`: the certificates of its nodes with
 * a valid registration), so a credential can be encrypted for a gateway on another machine. The route is ours (not
 * in Azure's API), so it is called directly, with the same URL, CA and token as the ARM client.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { ext } from '../extensionVariables';
import type { GatewayCertificate } from '../agent/gatewayCertificate';
import { factoryServiceClient, resourceGroupOf, type FactoryServiceConnection } from './factoryServiceClient';

const API_VERSION = '2018-06-01';

export async function publishedCertificates(conn: FactoryServiceConnection, gateway: string): Promise<GatewayCertificate[]> {
  const client = await factoryServiceClient(conn);
  const token = await ext.secrets.get('factoryServiceToken', conn.url);
  const dispatcher = new Agent({ connect: conn.caCertFile ? { ca: readFileSync(conn.caCertFile, 'utf8') } : {} });
  const out: GatewayCertificate[] = [];
  try {
    for await (const f of client.factories.list()) {
      const rg = resourceGroupOf(f.id);
      const path = `/subscriptions/${encodeURIComponent(conn.subscription)}/resourceGroups/${encodeURIComponent(rg)}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(f.name!)}/integrationRuntimes/${encodeURIComponent(gateway)}/listCertificates`;
      const r = await request(new URL(`${path}?api-version=${API_VERSION}`, conn.url), { method: 'POST', headers: { authorization: `Bearer ${token}` }, dispatcher });
      const body = (await r.body.json().catch(() => undefined)) as { value?: Array<{ nodeName: string; thumbprint: string; certificate: string }> } | undefined;
      if (r.statusCode !== 200) continue; // this factory has no gateway of that name
      for (const c of body?.value ?? []) {
        if (c.certificate && !out.some((o) => o.thumbprint === c.thumbprint)) out.push({ pem: c.certificate, thumbprint: c.thumbprint, source: `node ${c.nodeName} of gateway ${gateway} in factory ${f.name} (${conn.url})` });
      }
    }
  } finally {
    await dispatcher.close();
  }
  return out;
}
