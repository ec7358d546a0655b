/**
 * Seals values the service must be able to read back but never keeps in plaintext: gateway key secrets
 * (listAuthKeys returns them), the original of every stored resource that holds a secret (a cloud linked service's
 * account key, a SecureString, a secure parameter default: see ../store/resources.ts) and every job payload (see
 * ../store/jobs.ts). AES-256-GCM under a master key kept in a 0600 file in the data folder. Sealed form:
 * `v1.<iv>.<tag>.<ciphertext>` (base64url).
 *
 * `context` names what the value belongs to (a job id, a resource); it is authenticated with the value (GCM's
 * additional data), so a sealed value copied into another row does not open there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Sealer {
  seal(plain: string, context?: string): string;
  open(sealed: string, context?: string): string;
}

export function loadOrCreateSealer(dataDir: string): Sealer {
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    try {
      // 'wx': of replicas starting together on one data folder, one writes the key and the others read it
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
  return {
    seal(plain, context = '') {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      if (context) c.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, context = '') {
      const [v, iv, tag, ct] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      if (context) d.setAAD(Buffer.from(context, 'utf8'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    },
  };
}
