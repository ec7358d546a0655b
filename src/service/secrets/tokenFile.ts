/**
 * A bearer token kept in a 0600 file of the data folder (the file is the credential). Made on first start; replaced
 * whole (a new file renamed over it); every replica sharing the folder checks the file's identity (inode, size, times)
 * on each request and reads it again when it changed, so a rotated token is refused from the next request on, without
 * a restart. Comparison is constant-time over SHA-256 digests. A missing or empty file refuses every token.
 * The admin token (adminToken.ts) and the metrics scrape token (metricsToken.ts) are two such files.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

export interface BearerToken {
  file: string;
  /** Constant-time comparison against the token in the file now. */
  check(presented: string): boolean;
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token).digest();
export const newToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export function loadOrCreateTokenFile(file: string, prefix: string): BearerToken {
  if (!existsSync(file)) writeTokenFile(file, newToken(prefix));
  chmodSync(file, 0o600);
  let seen = '';
  let digest: Buffer | undefined;
  const current = (): Buffer | undefined => {
    try {
      const s = statSync(file, { bigint: true });
      const stamp = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      if (stamp !== seen) {
        const token = readFileSync(file, 'utf8').trim();
        digest = token ? digestOf(token) : undefined;
        seen = stamp;
      }
      return digest;
    } catch {
      seen = '';
      return undefined;
    }
  };
  current();
  return {
    file,
    check: (presented) => {
      const d = current();
      return d !== undefined && timingSafeEqual(digestOf(presented), d);
    },
  };
}

/** Whole or not at all: a reader sees the old file or the new one, never a half-written token. */
export function writeTokenFile(file: string, token: string): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${token}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}
