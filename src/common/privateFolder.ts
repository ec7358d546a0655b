/**
 * Folders only their owner may open: the gateway home (certificates and private keys, the node credential, settings)
 * and the service's data folder (TLS key, admin token, master key, the embedded store). They are made 0700; one found
 * looser — made by hand, unpacked from an archive, a umask of 022 on an older version — is tightened when it is opened,
 * and the caller logs what changed.
 */
import { chmodSync, statSync } from 'node:fs';

/** Makes `dir` 0700 when group or others have any access; says what it changed (or could not), else undefined. */
export function tightenFolder(dir: string, what: string): string | undefined {
  // Windows has no mode bits: access is the folder's ACL, inherited from the user's profile.
  if (process.platform === 'win32') return undefined;
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const was = `0${mode.toString(8).padStart(3, '0')}`;
  try {
    chmodSync(dir, 0o700);
  } catch (e) {
    return `the ${what} ${dir} is mode ${was}, open to other accounts, and could not be made 0700 (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): chmod 700 it`;
  }
  return `the ${what} ${dir} was mode ${was}, open to other accounts; made it 0700`;
}
