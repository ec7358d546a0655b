/**
 * Agent releases (ours, beside the ARM routes and under the same admin token): `PUT /providers/Dmgw/agentReleases/{version}`
 * with the bundle (dist/agent/cli.js) as the raw body stores it with its SHA-256 and the service's signature;
 * `GET /providers/Dmgw/agentReleases` lists them. The newest is offered to every node in its heartbeat answer.
 */
import type { IncomingMessage } from 'node:http';
import { RELEASES_PATH, releaseMessage, sha256Hex, VERSION_PATTERN, type AgentRelease } from '../../common/gateway/agentRelease.js';
import { badRequest, HttpError } from '../http/httpError.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import type { ReleaseRow } from '../store/releases.js';

const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export function agentReleaseRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', RELEASES_PATH, async () => ({ status: 200, body: { value: (await ctx.releases.list()).map(releaseJson) } }));
  router.add('PUT', `${RELEASES_PATH}/{version}`, async ({ req, params }) => {
    const version = params.version!;
    if (!VERSION_PATTERN.test(version)) throw badRequest(`"${version}" is not a version: use MAJOR.MINOR.PATCH[-suffix]`, 'BadRequest', 'version');
    const bundle = await readBytes(req);
    if (!bundle.length) throw badRequest('the body must be the agent bundle (dist/agent/cli.js)', 'BadRequest', 'body');
    const sha256 = sha256Hex(bundle);
    const row = await ctx.releases.publish({ version, sha256, signature: ctx.sign(releaseMessage(version, sha256)), bundle });
    ctx.log('info', `agent ${version} published (${bundle.length} bytes, sha256 ${sha256})`);
    return { status: 200, body: releaseJson(row) };
  });
}

function releaseJson(r: ReleaseRow): AgentRelease {
  return { version: r.version, sha256: r.sha256, size: r.size, publishedAt: new Date(r.published_at).toISOString() };
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BUNDLE_BYTES) throw new HttpError(413, 'RequestEntityTooLarge', `an agent bundle is at most ${MAX_BUNDLE_BYTES} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
