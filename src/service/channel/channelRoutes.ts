/** The gateway channel under /gateway/v1 (docs/GATEWAY-PROTOCOL.md). */
import { CHANNEL_PREFIX } from '../../common/gateway/protocol.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import { sendAgentBundle } from './agentUpdate.js';
import { renewCredential } from './credential.js';
import { heartbeat } from './heartbeat.js';
import { renewLease, reportEvents, reportResult } from './jobReports.js';
import { poll } from './poll.js';
import { pollProbes, reportProbe } from './probes.js';
import { registerRoute } from './register.js';
import { uploadSupportReport } from './supportReport.js';
import { whoami } from './whoami.js';

export function channelRoutes(router: Router, ctx: ServiceContext): Router {
  const p = CHANNEL_PREFIX;
  // Unauthenticated on purpose: a fresh agent fetches the certificate and checks it against the fingerprint in its key.
  router.add('GET', `${p}/certificate`, async ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/x-pem-file' });
    res.end(ctx.certPem);
  });
  router.add('POST', `${p}/register`, async ({ req }) => ({ status: 200, body: await registerRoute(ctx, req) }));
  router.add('POST', `${p}/poll`, async ({ req, res }) => ({ status: 200, body: await poll(ctx, req, res) }));
  router.add('POST', `${p}/heartbeat`, async ({ req }) => ({ status: 200, body: await heartbeat(ctx, req) }));
  router.add('POST', `${p}/credential`, async ({ req }) => ({ status: 200, body: await renewCredential(ctx, req) }));
  router.add('POST', `${p}/jobs/{jobId}/lease`, async ({ req, params }) => ({ status: 200, body: await renewLease(ctx, req, params.jobId!) }));
  router.add('POST', `${p}/jobs/{jobId}/events`, async ({ req, params }) => ({ status: 200, body: await reportEvents(ctx, req, params.jobId!) }));
  router.add('POST', `${p}/jobs/{jobId}/result`, async ({ req, params }) => ({ status: 200, body: await reportResult(ctx, req, params.jobId!) }));
  router.add('POST', `${p}/probes/poll`, async ({ req, res }) => ({ status: 200, body: await pollProbes(ctx, req, res) }));
  router.add('POST', `${p}/probes/{probeId}/result`, async ({ req, params }) => ({ status: 200, body: await reportProbe(ctx, req, params.probeId!) }));
  router.add('POST', `${p}/support-reports`, async ({ req }) => ({ status: 200, body: await uploadSupportReport(ctx, req) }));
  router.add('POST', `${p}/whoami`, async ({ req }) => ({ status: 200, body: await whoami(ctx, req) }));
  router.add('GET', `${p}/agent/{version}`, async ({ req, res, params }) => sendAgentBundle(ctx, req, res, params.version!));
  return router;
}
