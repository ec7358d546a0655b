/**
 * The Data Factory resources we support, in the shape of ADF's Git mode files
 * (`{ "name": ..., "properties": { "type": ..., "typeProperties": ... } }`), field names as in
 * Microsoft's Data Factory 2018-06-01 REST specs. Only what the gateway reads is typed; everything else
 * is kept as-is in `typeProperties` so round trips lose nothing.
 */
import type { JsonDocument } from '../jsonDocument.js';

/** The api-version of Data Factory's ARM REST API that the service serves and every client sends. */
export const DATA_FACTORY_API_VERSION = '2018-06-01';

export type ResourceKind = 'linkedService' | 'dataset' | 'pipeline' | 'integrationRuntime';

/** Folder name in ADF's Git layout for each kind. */
export const RESOURCE_FOLDERS: Record<ResourceKind, string> = {
  linkedService: 'linkedService',
  dataset: 'dataset',
  pipeline: 'pipeline',
  integrationRuntime: 'integrationRuntime',
};

export interface Reference {
  referenceName: string;
  type: string;
  parameters?: Record<string, unknown>;
}

/** ADF's `SecureString` / `AzureKeyVaultSecret` secret base. */
export interface SecretValue {
  type: 'SecureString' | 'AzureKeyVaultSecret';
  value?: string;
  [k: string]: unknown;
}

export type LinkedServiceType =
  | 'SqlServer'
  | 'AzureSqlDatabase'
  | 'PostgreSql'
  | 'PostgreSqlV2'
  | 'MySql'
  | 'MariaDB'
  | 'FileServer'
  | 'AzureBlobStorage'
  /** holds secrets that `AzureKeyVaultSecret` references point at */
  | 'AzureKeyVault';

export interface LinkedServiceProperties {
  type: LinkedServiceType | string;
  description?: string;
  connectVia?: Reference;
  parameters?: Record<string, ParameterSpec>;
  annotations?: unknown[];
  typeProperties: Record<string, unknown> & {
    connectionString?: string | SecretValue;
    password?: string | SecretValue;
    encryptedCredential?: string;
    /** v1 way to name a gateway */
    gatewayName?: string;
  };
}

export type DatasetType =
  | 'SqlServerTable'
  | 'AzureSqlTable'
  | 'PostgreSqlTable'
  | 'PostgreSqlV2Table'
  | 'MySqlTable'
  | 'MariaDBTable'
  | 'DelimitedText'
  | 'Json'
  | 'Parquet'
  | 'Binary';

export interface DatasetProperties {
  type: DatasetType | string;
  description?: string;
  linkedServiceName: Reference;
  parameters?: Record<string, ParameterSpec>;
  schema?: unknown;
  structure?: unknown;
  typeProperties?: Record<string, unknown>;
}

export interface ParameterSpec {
  type: 'String' | 'Int' | 'Float' | 'Bool' | 'Array' | 'Object' | 'SecureString' | string;
  defaultValue?: unknown;
}

export interface ActivityDependency {
  activity: string;
  dependencyConditions: Array<'Succeeded' | 'Failed' | 'Skipped' | 'Completed'>;
}

export interface ActivityPolicy {
  timeout?: string;
  retry?: number;
  retryIntervalInSeconds?: number;
  secureInput?: boolean;
  secureOutput?: boolean;
}

export interface Activity {
  name: string;
  /** Copy, SqlServerStoredProcedure, Lookup, GetMetadata, Delete (data); ForEach, IfCondition, Switch, Until, Filter, SetVariable, AppendVariable, ExecutePipeline, Fail, Wait (control) */
  type: string;
  description?: string;
  dependsOn?: ActivityDependency[];
  policy?: ActivityPolicy;
  inputs?: Reference[];
  outputs?: Reference[];
  linkedServiceName?: Reference;
  typeProperties?: Record<string, unknown>;
}

export interface VariableSpec {
  type: 'String' | 'Bool' | 'Boolean' | 'Array' | 'Integer' | string;
  defaultValue?: unknown;
}

export interface PipelineProperties {
  description?: string;
  activities: Activity[];
  parameters?: Record<string, ParameterSpec>;
  variables?: Record<string, VariableSpec>;
  concurrency?: number;
  annotations?: unknown[];
}

export interface IntegrationRuntimeProperties {
  type: 'SelfHosted' | 'Managed' | string;
  description?: string;
  typeProperties?: Record<string, unknown>;
}

export interface PropertiesByKind {
  linkedService: LinkedServiceProperties;
  dataset: DatasetProperties;
  pipeline: PipelineProperties;
  integrationRuntime: IntegrationRuntimeProperties;
}

/** One resource file, parsed, with its document kept for positions. */
export interface Resource<K extends ResourceKind = ResourceKind> {
  kind: K;
  name: string;
  properties: PropertiesByKind[K];
  /** Absolute or factory-relative path of the file it came from (empty for resources built in memory). */
  file: string;
  doc?: JsonDocument;
}

export type LinkedService = Resource<'linkedService'>;
export type Dataset = Resource<'dataset'>;
export type Pipeline = Resource<'pipeline'>;
export type IntegrationRuntime = Resource<'integrationRuntime'>;
