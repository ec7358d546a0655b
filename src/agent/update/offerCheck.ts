/**
 * The node's decision about one offer from the service, before anything is downloaded: install it, ignore it, or
 * refuse it saying why. Nothing the service says is taken on trust — the manifest must verify with a release key
 * this node's operator trusts, and it (not the offer) names the version, SHA-256 and size. A version that is not
 * newer than the running one (SemVer precedence) is refused unless the operator asked for exactly it with
 * `--allow-downgrade`; a bundle that failed to start here is refused by its SHA-256, so a republished one may be tried.
 */
import { compareVersions } from '../../common/gateway/agentRelease.js';
import type { AgentUpdateOffer } from '../../common/gateway/agentRelease.js';
import { ReleaseRefused, shortKeyId, verifyManifest, type ReleaseKey, type ReleaseManifest } from '../../common/gateway/releaseManifest.js';
import type { UpdateRequest } from './request.js';
import type { SignedManifest } from './versions.js';

export type OfferDecision =
  | { kind: 'install'; manifest: ReleaseManifest; signed: SignedManifest; downgrade: boolean }
  /** nothing to do now; `why` when the operator should hear about it */
  | { kind: 'skip'; why?: string };

export interface OfferContext {
  trusted: readonly ReleaseKey[];
  running: string;
  request?: UpdateRequest;
  /** why this version + SHA-256 may not be installed again (it failed to start, or its download was altered) */
  failedBefore(version: string, sha256: string): string | undefined;
}

/** Throws ReleaseRefused with the reason when the offer must not be installed. */
export function checkOffer(offer: AgentUpdateOffer, c: OfferContext): OfferDecision {
  if (typeof offer.manifest !== 'string' || typeof offer.signature !== 'string') throw new ReleaseRefused(`the service offers agent ${offer.version} without a signed manifest`);
  const signed: SignedManifest = { bytes: Buffer.from(offer.manifest, 'base64'), signature: offer.signature };
  const m = verifyManifest(signed.bytes, signed.signature, c.trusted);
  if (m.version !== offer.version) throw new ReleaseRefused(`the service offers agent ${offer.version} with the signed manifest of agent ${m.version}`);
  if (offer.sha256 !== m.sha256 || offer.size !== m.size) throw new ReleaseRefused(`the service announces agent ${m.version} as ${offer.size} bytes, sha256 ${offer.sha256}; its signed manifest says ${m.size} bytes, sha256 ${m.sha256} (altered)`);
  const failed = c.failedBefore(m.version, m.sha256);
  if (failed) throw new ReleaseRefused(`agent ${m.version} (sha256 ${m.sha256.slice(0, 12)}…) is not installed again: ${failed}`, 'a release republished with another SHA-256 is tried again');
  const order = compareVersions(m.version, c.running);
  const wanted = c.request?.to;
  if (order === 0) return { kind: 'skip' };
  if (wanted && wanted !== m.version) return { kind: 'skip', why: `waiting for agent ${wanted} (asked with dmgw update --to); the service offers ${m.version}` };
  const downgrade = order < 0;
  if (downgrade && !(wanted === m.version && c.request?.allowDowngrade)) {
    throw new ReleaseRefused(`agent ${m.version} is older than the running ${c.running}: not installing it`, `only this node's operator can downgrade: dmgw update --to ${m.version} --allow-downgrade`);
  }
  return { kind: 'install', manifest: m, signed, downgrade };
}

/** For log lines: which key signed it. */
export const signedBy = (m: ReleaseManifest): string => `release key ${shortKeyId(m.keyId)}`;
