/**
 * Agent releases as they travel: what the service offers a node in its heartbeat answer, the admin route releases are
 * published on, and the one version order everybody uses (SemVer 2.0 precedence, from the `semver` package). Who may
 * make a release, and how a node checks one, is in releaseManifest.ts: the service only stores and forwards.
 */
import semverCompare from 'semver/functions/compare';
import semverValid from 'semver/functions/valid';

export interface AgentUpdateOffer {
  version: string;
  /** Channel path to download the bundle from (authenticated like every channel call). */
  path: string;
  sha256: string;
  size: number;
  /** base64 of the release manifest's exact bytes, as the release authority signed them. */
  manifest: string;
  /** base64 Ed25519 signature of those bytes by a release key (never a key of the service). */
  signature: string;
  /** The gateway's autoUpdate (ARM): when Off, only a requested update is installed. */
  autoUpdate: boolean;
  /** ARM `upgrade` asked for it: install as soon as no job runs, whatever the schedule (if the node's checks pass). */
  requested: boolean;
}

/** The service's route for agent releases (beside the ARM routes, under the admin token): PUT `${RELEASES_PATH}/{version}`, GET the list. */
export const RELEASES_PATH = '/providers/Dmgw/agentReleases';

/** The PUT's body is the bundle; manifest and detached signature ride in these headers, base64. */
export const MANIFEST_HEADER = 'x-dmgw-release-manifest';
export const SIGNATURE_HEADER = 'x-dmgw-release-signature';

/** A published release as the service answers for it (PUT, and each item of the GET's `value`). */
export interface AgentRelease {
  version: string;
  sha256: string;
  size: number;
  /** The release key that signed its manifest, as the manifest says (the service cannot check it: nodes do). */
  keyId: string;
  /** ISO 8601 */
  publishedAt: string;
}

/**
 * A version the updater accepts: SemVer 2.0 without build metadata (`+...` would let two folder names share one
 * precedence), at most 64 characters. It is also a folder name in DMGW_HOME/versions: no `/`, no `..`.
 */
export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && semverValid(v) === v;
}

export const VERSION_HINT = 'use a SemVer 2.0 version: MAJOR.MINOR.PATCH[-PRERELEASE], e.g. 1.4.0 or 1.4.0-rc.10';

/** SemVer 2.0 precedence (`1.0.0-rc.9` < `1.0.0-rc.10` < `1.0.0`); something that is not a version sorts first. */
export function compareVersions(a: string, b: string): number {
  const va = isVersion(a);
  const vb = isVersion(b);
  if (va && vb) return semverCompare(a, b);
  return va === vb ? 0 : va ? 1 : -1;
}
