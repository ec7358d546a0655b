/**
 * Agent releases the factory service hosts: what it offers a node (in the heartbeat answer) and how the node checks
 * a download before running it. The service signs `releaseMessage(version, sha256)` with its TLS private key (RSA,
 * SHA-256); the node verifies with the service certificate it pinned at registration — so a bundle that did not
 * come from that service (a tampered file, another server) is refused even if its SHA-256 was swapped too.
 */
import { createHash, verify } from 'node:crypto';

export interface AgentUpdateOffer {
  version: string;
  /** Channel path to download it from (authenticated like every channel call). */
  path: string;
  sha256: string;
  /** base64 RSA-SHA256 signature of releaseMessage(version, sha256) by the service's TLS key. */
  signature: string;
  size: number;
  /** The gateway's autoUpdate (ARM): when Off, only a requested update is installed. */
  autoUpdate: boolean;
  /** ARM `upgrade` asked for it: install as soon as no job runs, whatever the schedule. */
  requested: boolean;
}

/** The service's route for agent releases (beside the ARM routes, under the admin token): PUT `${RELEASES_PATH}/{version}`, GET the list. */
export const RELEASES_PATH = '/providers/Dmgw/agentReleases';

/** A published release as the service answers for it (PUT, and each item of the GET's `value`). */
export interface AgentRelease {
  version: string;
  sha256: string;
  size: number;
  /** ISO 8601 */
  publishedAt: string;
}

export const releaseMessage = (version: string, sha256: string): string => `dmgw-agent-release:v1:${version}:${sha256.toLowerCase()}`;

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function verifyRelease(version: string, sha256: string, signature: string, serviceCertPem: string): boolean {
  try {
    return verify('sha256', Buffer.from(releaseMessage(version, sha256)), serviceCertPem, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A version the updater accepts: dotted numbers with an optional -suffix (also what becomes a folder name). */
export const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Numeric order of dotted versions; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [ma, pa] = a.split('-', 2);
  const [mb, pb] = b.split('-', 2);
  const na = ma!.split('.').map(Number);
  const nb = mb!.split('.').map(Number);
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  if (pa === pb) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return pa < pb ? -1 : 1;
}
