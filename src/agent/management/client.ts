/**
 * The one place a Data Factory management client (`@azure/arm-datafactory`) is built, for the `dmgw gateway` and
 * `dmgw pipeline` verbs, the demo and the VS Code extension alike. Our factory service speaks Azure Resource
 * Manager's Data Factory REST API, so the same client serves it and Azure: only the endpoint, the credential and
 * the certificate to trust differ. Nothing here reads flags, the environment or VS Code settings (see target.ts).
 */
import { readFileSync } from 'node:fs';
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DmgwError } from '../../common/errors.js';
import { registerSecret } from '../../common/redact.js';

export { AZURE_ENDPOINT, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION } from './options.js';

export interface ManagementConnection {
  /** ARM endpoint: our service's URL, or https://management.azure.com */
  endpoint: string;
  subscription: string;
  credential: TokenCredential;
  /** PEM of the certificate to trust for a self-signed service (the service's caCertFile); system CAs otherwise. */
  caPem?: string;
  /** Retries of the SDK's pipeline; the default suits a command line (fail within seconds when nothing answers). */
  maxRetries?: number;
}

export function createManagementClient(c: ManagementConnection): DataFactoryManagementClient {
  return new DataFactoryManagementClient(c.credential, c.subscription, {
    endpoint: c.endpoint.replace(/\/+$/, ''),
    ...(c.caPem ? { tlsOptions: { ca: c.caPem } } : {}),
    retryOptions: { maxRetries: c.maxRetries ?? 2, retryDelayInMs: 300, maxRetryDelayInMs: 2000 },
    userAgentOptions: { userAgentPrefix: 'dmgw' },
  });
}

/** Our service's admin token, read from its file on every request so a rotated token is picked up. */
export function tokenFileCredential(file: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      let token: string;
      try {
        token = readFileSync(file, 'utf8').trim();
      } catch (e) {
        throw new DmgwError('TOKEN_FILE', `cannot read the token file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, 'pass the adminTokenFile that `dmgw service start` printed (--token-file or DMGW_TOKEN_FILE)');
      }
      if (!token) throw new DmgwError('TOKEN_FILE', `the token file ${file} is empty`, { file }, 'pass the adminTokenFile that `dmgw service start` printed');
      registerSecret(token);
      return { token, expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

/** A fixed bearer token (the extension keeps ours in SecretStorage). */
export function staticTokenCredential(token: string): TokenCredential {
  registerSecret(token);
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
}

/**
 * Azure's standard credential chain (environment, workload identity, managed identity, Azure CLI, ...), loaded
 * only when a command talks to Azure: it is large and our own service never needs it.
 */
export async function azureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

export function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DmgwError('CA_FILE', `cannot read the CA certificate file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file }, 'pass the caCertFile that `dmgw service start` printed (--ca-file or DMGW_CA_FILE)');
  }
}

export const isAzureEndpoint = (endpoint: string): boolean => /(^|\.)management\.(azure\.com|usgovcloudapi\.net|chinacloudapi\.cn)$/i.test(new URL(endpoint).hostname);
