/**
 * Support reports on our factory service (`GET /providers/Dmgw/supportReports[/{id}[/content]]`, admin token; Azure
 * has no such thing): what `dmgw service reports list|get` reads. Sent through a Data Factory client's pipeline, as
 * releases.ts does, so the token, the CA and the failures read like every other management call.
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { DmgwError } from '../../common/errors.js';
import { SUPPORT_REPORTS_PATH, type SupportReportInfo } from '../../common/gateway/supportReport.js';
import { DATA_FACTORY_API_VERSION } from '../../common/model/types.js';
import { explainManagementError, jsonBody, restErrorOf } from './armErrors.js';
import { createManagementClient, type ManagementConnection } from './client.js';

export async function listSupportReports(c: ManagementConnection): Promise<SupportReportInfo[]> {
  return ((JSON.parse((await get(c, SUPPORT_REPORTS_PATH)).toString('utf8')) as { value?: SupportReportInfo[] }).value ?? []);
}

export async function supportReport(c: ManagementConnection, id: string): Promise<{ info: SupportReportInfo; bundle: Buffer }> {
  const path = `${SUPPORT_REPORTS_PATH}/${encodeURIComponent(id)}`;
  const info = JSON.parse((await get(c, path)).toString('utf8')) as SupportReportInfo;
  return { info, bundle: await get(c, `${path}/content`) };
}

async function get(c: ManagementConnection, path: string): Promise<Buffer> {
  const endpoint = c.endpoint.replace(/\/+$/, '');
  const client = createManagementClient(c);
  try {
    const r = await client.sendRequest(createPipelineRequest({ url: `${endpoint}${path}?api-version=${DATA_FACTORY_API_VERSION}`, method: 'GET', streamResponseStatusCodes: new Set([200]), timeout: 300_000 }));
    if (r.status === 200 && r.readableStreamBody) {
      const chunks: Buffer[] = [];
      for await (const chunk of r.readableStreamBody) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks);
    }
    if (r.status === 405 || (r.status === 404 && (jsonBody(r)?.error as { code?: string } | undefined)?.code === 'InvalidResourceType')) {
      throw new DmgwError('NO_REPORTS', `${endpoint} keeps no support reports (HTTP ${r.status})`, {}, 'support reports live on our factory service: pass the url `dmgw service start` printed as --endpoint or DMGW_ENDPOINT');
    }
    throw restErrorOf(r);
  } catch (e) {
    if (e instanceof DmgwError) throw e;
    const err = e as { statusCode?: number; message: string };
    if (err.statusCode === 404) throw new DmgwError('REPORT_NOT_FOUND', err.message, {}, '`dmgw service reports list` shows the reports the service keeps');
    throw explainManagementError(e, { endpoint, resourceGroup: '', factory: '', azure: false });
  }
}
