/**
 * The worker's side of credentials: a linked service with an EncryptedCredential becomes a usable one, in memory
 * only — the plaintext goes back where it came from (connection string, typeProperties) in a copy of the resource,
 * never to disk. Every secret, decrypted or found in plaintext, is registered for redaction before it is returned.
 * Nothing decrypted leaves here unless the linked service still points at the server the credential is bound to
 * (binding.ts): every path that connects with a credential (copy, stored procedure, writer procedure, test-connection)
 * gets it through this function, after parameters and expressions are resolved.
 * Errors point at the linked service's file and the field that holds the credential.
 */
import { openCredential, type CredentialKey } from '../../common/credential/envelope.js';
import { asCredentialPayload, payloadFieldNames, payloadSecretValues, restoreSecrets, splitSecrets } from '../../common/credential/payload.js';
import type { Place } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { LinkedService } from '../../common/model/types.js';
import { registerSecret } from '../../common/redact.js';
import { encryptedCredentialOf } from '../../common/secrets.js';
import type { StoreTarget } from '../../common/stores/target.js';
import { CertificateStore } from '../cert/store.js';
import { GatewayHome } from '../config/home.js';
import { checkBinding } from './binding.js';

export interface DecryptOptions {
  /** Gateway home (DMGW_HOME, default ~/.dmgw) holding the certificate and key. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Keys to use instead of the home's (the host passes the keys it already loaded). */
  keys?: CredentialKey[];
  log?: Logger;
}

export async function decryptLinkedService(ls: LinkedService, opts: DecryptOptions = {}): Promise<LinkedService> {
  return (await openLinkedService(ls, opts)).linkedService;
}

export interface OpenedLinkedService {
  linkedService: LinkedService;
  /** The server its credential is bound to (and the linked service points at); undefined without a credential. */
  target?: StoreTarget;
  /** The certificate the credential was made for. */
  thumbprint?: string;
}

/** `decryptLinkedService`, also telling what the credential was bound to (`dmgw cert check`). */
export async function openLinkedService(ls: LinkedService, opts: DecryptOptions = {}): Promise<OpenedLinkedService> {
  const tp = (ls.properties.typeProperties ?? {}) as Record<string, unknown>;
  const ec = encryptedCredentialOf(ls);
  const place = (path: Array<string | number>): Place => (ls.doc ? ls.doc.placeOf(path) : { file: ls.file || undefined, field: path.join('.') });
  // Plaintext secrets (a file not encrypted yet) are as secret as decrypted ones.
  let plain;
  try {
    plain = splitSecrets(tp).payload;
  } catch {
    plain = {};
  }
  for (const v of payloadSecretValues(plain)) registerSecret(v);
  if (!ec) return { linkedService: ls };

  const keys = opts.keys ?? new CertificateStore(GatewayHome.resolve({ home: opts.home, env: opts.env })).credentialKeys();
  const where = place(ec.path);
  const { payload: raw, thumbprint } = await openCredential(ec.value, keys, where);
  const payload = asCredentialPayload(raw, where);
  for (const v of payloadSecretValues(payload)) registerSecret(v);
  const typeProperties = restoreSecrets(tp, payload, where);
  const usable: LinkedService = { ...ls, properties: { ...ls.properties, typeProperties: typeProperties as LinkedService['properties']['typeProperties'] } };
  const target = checkBinding(usable, payload.target, where);
  opts.log?.debug(`decrypted the credential of linked service ${ls.name}`, { certificate: thumbprint, fields: payloadFieldNames(payload).join(','), connectionString: typeProperties.connectionString });
  return { linkedService: usable, target, thumbprint };
}
