/**
 * Which types fit together: a dataset type and the linked service types it can live in, the Copy source and
 * sink types that read and write it, and the store settings that fit a file location. One table, used by
 * `dmgw validate` (so a mismatch is found before a run) and by the copy engine (to pick a connector).
 */
import { CATALOGUE_TYPES } from './linkedServiceTypes.js';
import type { DatasetType, LinkedServiceType } from './types.js';

export interface DatasetTypeInfo {
  linkedServiceTypes: LinkedServiceType[];
  source: string;
  sink: string;
  /** The property naming the table, and an alternative spelling ADF also accepts; undefined for file datasets. */
  table?: { property: string; alternative?: string; queryProperties: string[] };
  /** File datasets: the `typeProperties.location` types they accept. */
  file?: boolean;
}

const sqlTable = { property: 'table', alternative: 'tableName', queryProperties: ['sqlReaderQuery', 'sqlReaderStoredProcedureName'] };
const pgTable = { property: 'table', alternative: 'tableName', queryProperties: ['query'] };
const fileStores: LinkedServiceType[] = ['AzureBlobStorage', 'FileServer'];

export const DATASET_TYPES: Record<DatasetType, DatasetTypeInfo> = {
  SqlServerTable: { linkedServiceTypes: ['SqlServer'], source: 'SqlServerSource', sink: 'SqlServerSink', table: sqlTable },
  AzureSqlTable: { linkedServiceTypes: ['AzureSqlDatabase'], source: 'AzureSqlSource', sink: 'AzureSqlSink', table: sqlTable },
  PostgreSqlTable: { linkedServiceTypes: ['PostgreSql'], source: 'PostgreSqlSource', sink: 'PostgreSqlSink', table: pgTable },
  PostgreSqlV2Table: { linkedServiceTypes: ['PostgreSqlV2'], source: 'PostgreSqlV2Source', sink: 'PostgreSqlV2Sink', table: { property: 'table', queryProperties: ['query'] } },
  MySqlTable: { linkedServiceTypes: ['MySql'], source: 'MySqlSource', sink: 'MySqlSink', table: { property: 'tableName', queryProperties: ['query'] } },
  MariaDBTable: { linkedServiceTypes: ['MariaDB'], source: 'MariaDBSource', sink: 'MariaDBSink', table: { property: 'tableName', queryProperties: ['query'] } },
  DelimitedText: { linkedServiceTypes: fileStores, source: 'DelimitedTextSource', sink: 'DelimitedTextSink', file: true },
  Json: { linkedServiceTypes: fileStores, source: 'JsonSource', sink: 'JsonSink', file: true },
  Parquet: { linkedServiceTypes: fileStores, source: 'ParquetSource', sink: 'ParquetSink', file: true },
  Binary: { linkedServiceTypes: fileStores, source: 'BinarySource', sink: 'BinarySink', file: true },
};

export function datasetTypeInfo(type: string): DatasetTypeInfo | undefined {
  // a hand-written file may hold any JSON here: only a string can name a type (an object could not even be a key)
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(DATASET_TYPES, type) ? DATASET_TYPES[type as DatasetType] : undefined;
}

/** File locations: the linked service type each needs and the store settings that read and write it. */
export const LOCATION_TYPES: Record<string, { linkedServiceType: LinkedServiceType; read: string; write: string }> = {
  AzureBlobStorageLocation: { linkedServiceType: 'AzureBlobStorage', read: 'AzureBlobStorageReadSettings', write: 'AzureBlobStorageWriteSettings' },
  FileServerLocation: { linkedServiceType: 'FileServer', read: 'FileServerReadSettings', write: 'FileServerWriteSettings' },
};

/** Linked service types a SqlServerStoredProcedure activity can run on: ADF's SQL stores, and the stores the gateway also runs it on (src/agent/procedures). */
export const STORED_PROCEDURE_STORES: LinkedServiceType[] = ['SqlServer', 'AzureSqlDatabase', 'PostgreSql', 'PostgreSqlV2', 'MySql', 'MariaDB'];

/** Linked service types that can hold staged data (`stagingSettings.linkedServiceName`). */
export const STAGING_STORES: LinkedServiceType[] = ['AzureBlobStorage'];

/** The integration runtime every Azure Data Factory has without a file for it. */
export const BUILT_IN_INTEGRATION_RUNTIMES = ['AutoResolveIntegrationRuntime'];

/** Every linked service type the schemas accept: the catalogue's (src/common/model/linkedServiceTypes.ts). */
export const LINKED_SERVICE_TYPES: string[] = CATALOGUE_TYPES;
