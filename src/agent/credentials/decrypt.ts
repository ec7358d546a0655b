/**
 * PLACEHOLDER until the credentials work lands (issue 3): returns the linked service unchanged.
 * The real one decrypts the EncryptedCredential with the gateway certificate, in memory only.
 */
import type { LinkedService } from '../../common/model/types.js';

export interface DecryptOptions {
  /** Gateway home (DMGW_HOME, default ~/.dmgw) holding the certificate and key. */
  home?: string;
}

export async function decryptLinkedService(ls: LinkedService, _opts: DecryptOptions = {}): Promise<LinkedService> {
  return ls;
}
