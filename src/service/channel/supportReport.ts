/**
 * POST /gateway/v1/support-reports: a node uploads a support bundle (raw gzip body, its note in a header) over its
 * own channel; the service keeps it for its operator and answers a report id. Capped at SUPPORT_REPORT_MAX_BYTES: a
 * larger body is refused with 413 (before it is read when its length says so), like every body (http/body.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SupportReportResponse } from '../../common/gateway/protocol.js';
import { SUPPORT_NOTE_HEADER, SUPPORT_REPORT_MAX_BYTES } from '../../common/gateway/supportReport.js';
import { readBytes } from '../http/body.js';
import { badRequest, HttpError } from '../http/httpError.js';
import type { ServiceContext } from '../context.js';
import { authenticateNode } from './nodeAuth.js';

const GZIP = Buffer.from([0x1f, 0x8b]);

export async function uploadSupportReport(ctx: ServiceContext, req: IncomingMessage): Promise<SupportReportResponse> {
  const node = await authenticateNode(ctx, req);
  // the body deadline and size cap of every request (http/body.ts): a bundle sent a byte at a time is cut off too
  const bundle = await readBytes(req, SUPPORT_REPORT_MAX_BYTES).catch((e: unknown) => {
    if (e instanceof HttpError && e.status === 413) throw new HttpError(413, 'RequestEntityTooLarge', `a support report is at most ${SUPPORT_REPORT_MAX_BYTES} bytes: lower logs.maxFileMb or logs.maxFiles, or send the bundle another way`);
    throw e;
  });
  if (bundle.length < 2 || !bundle.subarray(0, 2).equals(GZIP)) throw badRequest('the body must be a support bundle (.tar.gz) as `dmgw logs send` makes it', 'BadRequest', 'body');
  const rawNote = req.headers[SUPPORT_NOTE_HEADER];
  const note = typeof rawNote === 'string' ? Buffer.from(rawNote, 'base64').toString('utf8').slice(0, 500) : undefined;
  const g = (await ctx.gateways.byId(node.gateway_id))!;
  const f = await ctx.factories.get(g.factory_id);
  const sha256 = createHash('sha256').update(bundle).digest('hex');
  const reportId = await ctx.supportReports.add({ gatewayId: g.id, factory: f?.name ?? '', gateway: g.name, node: node.name, agentVersion: node.machine.version, note, sha256, bundle });
  ctx.log('info', `support report ${reportId} from node ${node.name} of gateway ${f?.name}/${g.name} (${bundle.length} bytes)`);
  return { reportId, size: bundle.length, sha256 };
}
