/**
 * Agent releases on our factory service (`PUT|GET /providers/Dmgw/agentReleases[/{version}]`, under the admin
 * token; Azure has no such thing): publish a signed bundle (manifest and signature in headers), list what is published. Sent through a Data Factory client's
 * own pipeline, as `gatewayCertificates` is, so the token, the trusted CA and the retries are those of every other
 * management call, and failures read the same (armErrors.ts).
 */
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { DmgwError } from '../../common/errors.js';
import { MANIFEST_HEADER, RELEASES_PATH, SIGNATURE_HEADER, type AgentRelease } from '../../common/gateway/agentRelease.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { explainManagementError, jsonBody, restErrorOf } from './armErrors.js';
import { createManagementClient, type ManagementConnection } from './client.js';

/** A signed release to publish: the bundle, its manifest's exact bytes and the base64 signature over them. */
export interface AgentReleaseUpload {
  file: string;
  version: string;
  bundle: Buffer;
  manifest: Buffer;
  signature: string;
}

export async function publishAgentRelease(c: ManagementConnection, r: AgentReleaseUpload): Promise<AgentRelease> {
  const headers = { 'content-type': 'application/octet-stream', [MANIFEST_HEADER]: r.manifest.toString('base64'), [SIGNATURE_HEADER]: r.signature };
  const body = await send(c, 'PUT', `${RELEASES_PATH}/${encodeURIComponent(r.version)}`, { body: r.bundle, headers });
  return body as unknown as AgentRelease;
}

export async function listAgentReleases(c: ManagementConnection): Promise<AgentRelease[]> {
  return ((await send(c, 'GET', RELEASES_PATH)).value as AgentRelease[] | undefined) ?? [];
}

async function send(c: ManagementConnection, method: 'GET' | 'PUT', path: string, upload?: { body: Buffer; headers: Record<string, string> }): Promise<Record<string, unknown>> {
  const endpoint = c.endpoint.replace(/\/+$/, '');
  const client = createManagementClient(c);
  try {
    const headers = createHttpHeaders(upload?.headers ?? {});
    const r = await client.sendRequest(createPipelineRequest({ url: `${endpoint}${path}?api-version=${DATA_FACTORY_API_VERSION}`, method, headers, body: upload?.body, timeout: 300_000 }));
    const details = jsonBody(r);
    if (r.status === 200 && details) return details;
    if (r.status === 404 || r.status === 405) {
      throw new DmgwError('NO_RELEASES', `${endpoint} does not take agent releases (HTTP ${r.status})`, {}, 'agent releases live on our factory service: pass the url `dmgw service start` printed as --endpoint or DMGW_ENDPOINT');
    }
    throw restErrorOf(r, details);
  } catch (e) {
    throw explainManagementError(e, { endpoint, resourceGroup: '', factory: '', azure: false });
  }
}
