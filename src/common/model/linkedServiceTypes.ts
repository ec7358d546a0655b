/**
 * The one catalogue of linked-service types: what the schemas accept (`schemas/linkedService.schema.json`, kept equal
 * to this table by test/unit/validate/linkedServiceTypes.test.ts), what `dmgw validate` lets datasets and locations
 * point at, and which connector the engine runs for each (src/agent/connectors/registry.ts). Adding a type = one row
 * here (and its schema entry, which the test asks for).
 */

/** The connectors of the copy engine, one file each under src/agent/connectors/. */
export type ConnectorKind = 'postgres' | 'mysql' | 'sqlServer' | 'fileServer' | 'azureBlob';

export interface LinkedServiceTypeInfo {
  /** One line for the schema's enum description and for pickers. */
  description: string;
  /**
   * The type whose connection properties, datasets and locations this one shares: itself for a type of its own,
   * the newer type for an alias (`AzureStorage`, the blob type of the original gateway's walkthrough, is `AzureBlobStorage`).
   */
  like: string;
  /** The connector that reads and writes it; none for a type that is not a data store (Key Vault holds secrets). */
  connector?: ConnectorKind;
}

export const LINKED_SERVICE_CATALOGUE = {
  SqlServer: { description: 'SQL Server, on-premises through a gateway', like: 'SqlServer', connector: 'sqlServer' },
  AzureSqlDatabase: { description: 'Azure SQL Database', like: 'AzureSqlDatabase', connector: 'sqlServer' },
  AzureSqlMI: { description: 'Azure SQL Managed Instance (connection properties as Azure SQL Database)', like: 'AzureSqlDatabase', connector: 'sqlServer' },
  PostgreSql: { description: 'PostgreSQL (connection string), on-premises through a gateway', like: 'PostgreSql', connector: 'postgres' },
  PostgreSqlV2: { description: 'PostgreSQL V2 (connection properties), on-premises through a gateway', like: 'PostgreSqlV2', connector: 'postgres' },
  AzurePostgreSql: { description: 'Azure Database for PostgreSQL (connection string, as PostgreSql)', like: 'PostgreSql', connector: 'postgres' },
  MySql: { description: 'MySQL, on-premises through a gateway', like: 'MySql', connector: 'mysql' },
  MariaDB: { description: 'MariaDB, on-premises through a gateway', like: 'MariaDB', connector: 'mysql' },
  AzureMySql: { description: 'Azure Database for MySQL (as MySql)', like: 'MySql', connector: 'mysql' },
  FileServer: { description: 'File system (folder or share), through a gateway', like: 'FileServer', connector: 'fileServer' },
  AzureBlobStorage: { description: 'Azure Blob Storage', like: 'AzureBlobStorage', connector: 'azureBlob' },
  AzureStorage: { description: 'Azure Storage, the older name of Azure Blob Storage (as AzureBlobStorage)', like: 'AzureBlobStorage', connector: 'azureBlob' },
  AzureKeyVault: { description: 'Azure Key Vault (holds secrets other linked services reference)', like: 'AzureKeyVault' },
} as const satisfies Record<string, LinkedServiceTypeInfo>;

export type CatalogueLinkedServiceType = keyof typeof LINKED_SERVICE_CATALOGUE;

/** Every linked-service type, in the schema's order. */
export const CATALOGUE_TYPES = Object.keys(LINKED_SERVICE_CATALOGUE) as CatalogueLinkedServiceType[];

const byLowerCase = new Map<string, [CatalogueLinkedServiceType, LinkedServiceTypeInfo]>(CATALOGUE_TYPES.map((t) => [t.toLowerCase(), [t, LINKED_SERVICE_CATALOGUE[t]]]));

/** The catalogue's entry for a type, case-insensitively as ADF reads it; undefined for an unknown type or a non-string. */
export function linkedServiceTypeInfo(type: unknown): (LinkedServiceTypeInfo & { type: CatalogueLinkedServiceType }) | undefined {
  if (typeof type !== 'string') return undefined;
  const hit = byLowerCase.get(type.toLowerCase());
  return hit ? { ...hit[1], type: hit[0] } : undefined;
}

/** The type whose rules a type follows (`AzureStorage` → `AzureBlobStorage`); an unknown type is itself. */
export function likeType(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  return linkedServiceTypeInfo(type)?.like ?? type;
}

/** The types the copy engine runs (has a connector for). */
export const RUNNABLE_TYPES = CATALOGUE_TYPES.filter((t) => (LINKED_SERVICE_CATALOGUE[t] as LinkedServiceTypeInfo).connector);
