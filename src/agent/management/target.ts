/**
 * Which factory a management command talks to, and as whom: from the command line first, then the environment
 * (DMGW_ENDPOINT, DMGW_SUBSCRIPTION, DMGW_RESOURCE_GROUP, DMGW_FACTORY, DMGW_TOKEN_FILE, DMGW_CA_FILE; also
 * AZURE_SUBSCRIPTION_ID). Our service: the admin token file, and its CA through --ca-file or NODE_EXTRA_CA_CERTS
 * (which Node applies by itself). Azure (the default endpoint): DefaultAzureCredential.
 */
import { DmgwError } from '../../common/errors.js';
import { azureCredential, isAzureEndpoint, readCaFile, tokenFileCredential, type ManagementConnection } from './client.js';
import { AZURE_ENDPOINT, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, type ManagementFlags } from './options.js';

export interface ManagementTarget {
  connection: ManagementConnection;
  resourceGroup: string;
  factory: string;
  azure: boolean;
}

const pick = (...vs: Array<string | undefined>): string | undefined => vs.map((v) => v?.trim()).find((v) => v);

/** `factoryName` is `--factory` unless the command gave that flag another meaning (`pipeline run --factory DIR`). */
export async function resolveTarget(flags: ManagementFlags, env: NodeJS.ProcessEnv, factoryName = flags.factory): Promise<ManagementTarget> {
  const { connection, azure } = await resolveConnection(flags, env);
  const resourceGroup = pick(flags['resource-group'], env.DMGW_RESOURCE_GROUP) ?? (azure ? undefined : DEFAULT_RESOURCE_GROUP);
  if (!resourceGroup) throw new DmgwError('USAGE', 'which resource group?', { field: 'resource-group' }, 'pass --resource-group NAME (or set DMGW_RESOURCE_GROUP)');
  const factory = pick(factoryName, env.DMGW_FACTORY);
  if (!factory) throw new DmgwError('USAGE', 'which data factory?', { field: 'factory' }, 'pass --factory NAME (or set DMGW_FACTORY)');
  return { connection, resourceGroup, factory, azure };
}

/** The endpoint and credential alone, for calls that concern no factory (the service's agent releases). */
export async function resolveConnection(flags: ManagementFlags, env: NodeJS.ProcessEnv): Promise<{ connection: ManagementConnection; azure: boolean }> {
  const endpoint = pick(flags.endpoint, env.DMGW_ENDPOINT) ?? AZURE_ENDPOINT;
  let azure: boolean;
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'https:') throw new Error('not https');
    azure = isAzureEndpoint(endpoint);
  } catch {
    throw new DmgwError('USAGE', `the endpoint "${endpoint}" is not an https URL`, { field: 'endpoint' }, 'pass the url `dmgw service start` printed, e.g. --endpoint https://127.0.0.1:8443');
  }
  const tokenFile = pick(flags['token-file'], env.DMGW_TOKEN_FILE);
  const caFile = pick(flags['ca-file'], env.DMGW_CA_FILE);
  if (!tokenFile && !azure) {
    throw new DmgwError('USAGE', `no credential for ${endpoint}`, { field: 'token-file' }, 'pass the service\'s admin token file: --token-file DATA/admin-token (or DMGW_TOKEN_FILE), as `dmgw service start` printed it');
  }
  const subscription = pick(flags.subscription, env.DMGW_SUBSCRIPTION, env.AZURE_SUBSCRIPTION_ID) ?? (azure ? undefined : DEFAULT_SUBSCRIPTION);
  if (!subscription) throw new DmgwError('USAGE', 'which subscription?', { field: 'subscription' }, 'pass --subscription ID (or set DMGW_SUBSCRIPTION / AZURE_SUBSCRIPTION_ID)');
  return {
    connection: {
      endpoint,
      subscription,
      credential: tokenFile ? tokenFileCredential(tokenFile) : await azureCredential(),
      caPem: caFile ? readCaFile(caFile) : undefined,
    },
    azure,
  };
}
