/**
 * The management verbs' flags and defaults, without the SDK: command files import this at start-up and load the
 * rest of the management code (and @azure/arm-datafactory, @azure/identity) only when a management verb runs.
 */
export const AZURE_ENDPOINT = 'https://management.azure.com';
/** What our service is asked for when nobody names a subscription or resource group (it keeps them apart, but needs none set up). */
export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const DEFAULT_RESOURCE_GROUP = 'default';

/** parseArgs options every management verb accepts. */
export const MANAGEMENT_OPTIONS = {
  endpoint: { type: 'string' },
  subscription: { type: 'string' },
  'resource-group': { type: 'string' },
  factory: { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const MANAGEMENT_USAGE = `Where and as whom (flags, else environment variables):
  --endpoint URL          DMGW_ENDPOINT         our service's url (printed by \`dmgw service start\`), or Azure's
                                                ${AZURE_ENDPOINT} (the default)
  --subscription ID       DMGW_SUBSCRIPTION     (or AZURE_SUBSCRIPTION_ID); our service: default ${DEFAULT_SUBSCRIPTION}
  --resource-group NAME   DMGW_RESOURCE_GROUP   our service: default "${DEFAULT_RESOURCE_GROUP}"
  --factory NAME          DMGW_FACTORY          the data factory
  --token-file F          DMGW_TOKEN_FILE       our service's admin token (its adminTokenFile); without one, Azure's
                                                DefaultAzureCredential (environment, managed identity, az login, ...)
  --ca-file F             DMGW_CA_FILE          the service's certificate to trust (its caCertFile), or set
                                                NODE_EXTRA_CA_CERTS; Azure needs neither
  --json                                        machine-readable output`;

export interface ManagementFlags {
  endpoint?: string;
  subscription?: string;
  'resource-group'?: string;
  factory?: string;
  'token-file'?: string;
  'ca-file'?: string;
}
