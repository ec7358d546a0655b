/**
 * The worker's check that a decrypted credential goes only to the server it was encrypted for. It runs on the linked
 * service as the connector will get it — parameters and expressions resolved, secrets restored — and reads the live
 * target with the store's own settings parser (common/stores/storeTarget.ts), the one the connector builds the
 * driver's config with. A credential made before binding has no target and is refused: it is exactly what a
 * redirected linked service would use. Messages name both targets, never a secret.
 */
import { DmgwError, type Place } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { storeTargetOf } from '../../common/stores/storeTarget.js';
import { describeTarget, targetDifferences, type StoreTarget } from '../../common/stores/target.js';

export function checkBinding(ls: LinkedService, bound: StoreTarget | undefined, place: Place): StoreTarget {
  if (!bound) {
    throw new DmgwError(
      'CREDENTIAL_UNBOUND',
      `the EncryptedCredential of linked service ${ls.name} was made before credentials were bound to their server, so nothing says where its secret may go; the gateway does not use it`,
      place,
      `re-encrypt it on the gateway with \`dmgw encrypt ${ls.file || 'FILE'}\` (it opens the old credential and binds it to the server the file names now — check that server first)`,
    );
  }
  const live = storeTargetOf(ls);
  const diff = targetDifferences(bound, live);
  if (diff.length) {
    throw new DmgwError(
      'CREDENTIAL_TARGET_MISMATCH',
      `linked service ${ls.name}: its EncryptedCredential is bound to ${describeTarget(bound)}, but the linked service now points at ${describeTarget(live)} (${diff.join(', ')} differ${diff.length === 1 ? 's' : ''}); the credential is not sent there`,
      place,
      `if the new server is right, encrypt again with \`dmgw encrypt ${ls.file || 'FILE'}\` for the new server (on the gateway; elsewhere write the password into the file and add --cert)`,
    );
  }
  return bound;
}
