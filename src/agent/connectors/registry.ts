/** Picks the connector for a linked service type. Adding a store = one file + one line here. */
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { AzureBlobConnector } from './azureBlob.js';
import type { Connector } from './connector.js';
import { FileServerConnector } from './fileServer.js';
import { MySqlConnector } from './mysql.js';
import { PostgresConnector } from './postgres.js';
import { SqlServerConnector } from './sqlServer.js';

const FACTORIES: Record<string, (ls: LinkedService) => Connector> = {
  postgresql: (ls) => new PostgresConnector(ls),
  postgresqlv2: (ls) => new PostgresConnector(ls),
  azurepostgresql: (ls) => new PostgresConnector(ls),
  mysql: (ls) => new MySqlConnector(ls),
  mariadb: (ls) => new MySqlConnector(ls),
  azuremysql: (ls) => new MySqlConnector(ls),
  sqlserver: (ls) => new SqlServerConnector(ls),
  azuresqldatabase: (ls) => new SqlServerConnector(ls),
  azuresqlmi: (ls) => new SqlServerConnector(ls),
  fileserver: (ls) => new FileServerConnector(ls),
  azureblobstorage: (ls) => new AzureBlobConnector(ls),
  azurestorage: (ls) => new AzureBlobConnector(ls),
};

export const SUPPORTED_LINKED_SERVICE_TYPES = ['PostgreSql', 'PostgreSqlV2', 'AzurePostgreSql', 'MySql', 'MariaDB', 'AzureMySql', 'SqlServer', 'AzureSqlDatabase', 'AzureSqlMI', 'FileServer', 'AzureBlobStorage', 'AzureStorage'];

/** `ls` must already be decrypted (decryptLinkedService). */
export function connectorFor(ls: LinkedService): Connector {
  const make = FACTORIES[String(ls.properties.type).toLowerCase()];
  if (!make) {
    throw new DmgwError('CONNECTOR_UNSUPPORTED', `linked service ${ls.name} is of type ${ls.properties.type}, which the copy engine cannot read or write yet`, { file: ls.file, field: 'properties.type' }, `supported: ${SUPPORTED_LINKED_SERVICE_TYPES.join(', ')}`);
  }
  return make(ls);
}
