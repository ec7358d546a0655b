/**
 * What `dmgw register` leaves in the gateway home (`registration.json`): which service, gateway and node this
 * machine is, the pinned service certificate, and the node credential — sealed with the gateway's own certificate
 * (the EncryptedCredential envelope), so the file holds no plaintext secret — and when it expires. The host rewrites
 * it when it renews the credential.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCredential, sealCredential } from '../../common/credential/envelope.js';
import { DmgwError } from '../../common/errors.js';
import { registerSecret } from '../../common/redact.js';
import { CertificateStore } from '../cert/store.js';
import type { GatewayHome } from '../config/home.js';

export interface Registration {
  serviceUrl: string;
  /** Pinned service certificate (absent for a publicly trusted service) */
  serviceCertificatePem?: string;
  serviceFingerprint?: string;
  factory: string;
  gateway: string;
  gatewayId: string;
  nodeName: string;
  nodeId: string;
  keyName: string;
  registeredAt: string;
  /** the node credential as a JWE for the gateway certificate */
  sealedToken: string;
  certificateThumbprint: string;
  /** when the node credential expires; the host renews it before (host/credentialRenewal.ts) */
  credentialExpiresAt?: string;
  /** when the host last renewed it */
  credentialRenewedAt?: string;
}

export const registrationFile = (home: GatewayHome): string => join(home.root, 'registration.json');

export function readRegistration(home: GatewayHome): Registration | undefined {
  const file = registrationFile(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Registration;
  } catch {
    throw new DmgwError('HOME_DAMAGED', `${file} is not readable JSON`, { file }, 'register the node again: dmgw register KEY');
  }
}

/** Changes when the node registers again: the host watches it to resume after NeedRegistration. */
export function registrationStamp(home: GatewayHome): number {
  try {
    return statSync(registrationFile(home)).mtimeMs;
  } catch {
    return 0;
  }
}

export async function writeRegistration(home: GatewayHome, r: Omit<Registration, 'sealedToken'>, token: string, certPem: string): Promise<void> {
  const { jwe } = await sealCredential({ nodeCredential: token }, certPem, 'the gateway certificate');
  const file = registrationFile(home);
  home.ensure();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...r, sealedToken: jwe }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export async function nodeToken(home: GatewayHome, r: Registration): Promise<string> {
  const keys = new CertificateStore(home).credentialKeys();
  const { payload } = await openCredential(r.sealedToken, keys, { file: registrationFile(home), field: 'sealedToken' });
  const token = (payload as { nodeCredential?: string }).nodeCredential;
  if (!token) throw new DmgwError('HOME_DAMAGED', `${registrationFile(home)} holds no node credential`, { file: registrationFile(home) }, 'register the node again: dmgw register KEY');
  registerSecret(token);
  return token;
}
