/**
 * Support reports for the service's operator (ours, beside the ARM routes, under the admin token):
 * `GET /providers/Dmgw/supportReports` lists them, newest first; `.../{id}` is one's details; `.../{id}/content` the
 * bundle itself (application/gzip).
 */
import { SUPPORT_REPORTS_PATH } from '../../common/gateway/supportReport.js';
import { notFound } from '../http/httpError.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';

export function supportReportRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', SUPPORT_REPORTS_PATH, async () => ({ status: 200, body: { value: await ctx.supportReports.list() } }));
  router.add('GET', `${SUPPORT_REPORTS_PATH}/{id}`, async ({ params }) => {
    const r = await ctx.supportReports.get(params.id!);
    if (!r) throw notFound(`support report ${params.id} does not exist (dmgw service reports list shows the ones kept)`, 'SupportReportNotFound');
    return { status: 200, body: r };
  });
  router.add('GET', `${SUPPORT_REPORTS_PATH}/{id}/content`, async ({ params, res }) => {
    const bytes = await ctx.supportReports.bundle(params.id!);
    if (!bytes) throw notFound(`support report ${params.id} does not exist (dmgw service reports list shows the ones kept)`, 'SupportReportNotFound');
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length, 'content-disposition': `attachment; filename="dmgw-report-${params.id}.tar.gz"` });
    res.end(bytes);
  });
}
