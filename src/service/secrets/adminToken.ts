/**
 * The admin token ARM clients present as `Authorization: Bearer <token>`. Made on first start, kept in a 0600
 * file in the data folder (the file is the credential: whoever may read it may manage the factory).
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AdminToken {
  file: string;
  /** Constant-time comparison against the token. */
  check(presented: string): boolean;
}

export function loadOrCreateAdminToken(dataDir: string): AdminToken {
  const file = join(dataDir, 'admin-token');
  if (!existsSync(file)) writeFileSync(file, `dmgwa_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  const digest = createHash('sha256').update(readFileSync(file, 'utf8').trim()).digest();
  return {
    file,
    check: (presented) => timingSafeEqual(createHash('sha256').update(presented).digest(), digest),
  };
}
