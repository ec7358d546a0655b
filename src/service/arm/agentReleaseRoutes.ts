/**
 * Agent releases (ours, beside the ARM routes and under the same admin token): `PUT /providers/Dmgw/agentReleases/{version}`
 * with the bundle as the raw body and its signed manifest and detached signature in two headers (base64) stores all
 * three; `GET /providers/Dmgw/agentReleases` lists them. The newest is offered to every node in its heartbeat answer.
 * The service checks only that the manifest describes this bundle — a sanity check against publishing the wrong
 * file, not trust: it holds no release key, and each node verifies the signature with the keys its operator trusts.
 */
import type { IncomingMessage } from 'node:http';
import { isVersion, MANIFEST_HEADER, RELEASES_PATH, SIGNATURE_HEADER, VERSION_HINT, type AgentRelease } from '../../common/gateway/agentRelease.js';
import { parseManifest, sha256Hex } from '../../common/gateway/releaseManifest.js';
import { readBytes } from '../http/body.js';
import { badRequest } from '../http/httpError.js';
import type { Router } from '../http/router.js';
import type { ServiceContext } from '../context.js';
import type { ReleaseRow } from '../store/releases.js';

const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const SIGN_HINT = 'sign the bundle with `dmgw release sign BUNDLE --key release-private-key.pem` and publish it with `dmgw service publish-agent --bundle BUNDLE`';

export function agentReleaseRoutes(router: Router, ctx: ServiceContext): void {
  router.add('GET', RELEASES_PATH, async () => ({ status: 200, body: { value: (await ctx.releases.list()).map(releaseJson) } }));
  router.add('PUT', `${RELEASES_PATH}/{version}`, async ({ req, params }) => {
    const version = params.version!;
    if (!isVersion(version)) throw badRequest(`"${version}" is not a version: ${VERSION_HINT}`, 'BadRequest', 'version');
    // the whole body first: answering before it is read would break the upload instead of showing the message
    const bundle = await readBytes(req, MAX_BUNDLE_BYTES);
    const manifest = headerBytes(req, MANIFEST_HEADER);
    const signature = headerBytes(req, SIGNATURE_HEADER);
    if (signature.length !== 64) throw badRequest(`the ${SIGNATURE_HEADER} header must be a base64 Ed25519 signature (64 bytes), not ${signature.length} bytes`, 'BadRequest', SIGNATURE_HEADER);
    let m;
    try {
      m = parseManifest(manifest);
    } catch (e) {
      throw badRequest(`the ${MANIFEST_HEADER} header: ${(e as Error).message} — ${SIGN_HINT}`, 'BadRequest', MANIFEST_HEADER);
    }
    if (m.version !== version) throw badRequest(`the manifest is for agent ${m.version}, the URL names ${version}`, 'BadRequest', 'version');
    if (!bundle.length) throw badRequest('the body must be the agent bundle (dist/agent/cli.js)', 'BadRequest', 'body');
    const sha256 = sha256Hex(bundle);
    if (sha256 !== m.sha256 || bundle.length !== m.size) {
      throw badRequest(`the body (${bundle.length} bytes, sha256 ${sha256}) is not the bundle the manifest describes (${m.size} bytes, sha256 ${m.sha256}) — ${SIGN_HINT}`, 'BadRequest', 'body');
    }
    const row = await ctx.releases.publish({ version, sha256, manifest, signature: signature.toString('base64'), bundle });
    ctx.log('info', `agent ${version} published (${bundle.length} bytes, sha256 ${sha256}, manifest signed by release key ${m.keyId.slice(0, 16)})`);
    return { status: 200, body: releaseJson(row) };
  });
}

function headerBytes(req: IncomingMessage, name: string): Buffer {
  const v = req.headers[name];
  if (typeof v !== 'string' || !v.trim()) throw badRequest(`the ${name} header is missing: a release is published with its signed manifest and signature — ${SIGN_HINT}`, 'BadRequest', name);
  return Buffer.from(v.trim(), 'base64');
}

function releaseJson(r: ReleaseRow): AgentRelease {
  let keyId = '';
  try {
    keyId = parseManifest(r.manifest).keyId;
  } catch {
    // stored as checked at publish time; an unreadable one shows without a key
  }
  return { version: r.version, sha256: r.sha256, size: r.size, keyId, publishedAt: new Date(r.published_at).toISOString() };
}
