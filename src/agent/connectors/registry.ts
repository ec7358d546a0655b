/** Picks the connector for a linked service type, as the catalogue says. Adding a store = one file + one line here + its catalogue row. */
import { DmgwError } from '../../common/errors.js';
import { linkedServiceTypeInfo, RUNNABLE_TYPES, type ConnectorKind } from '../../common/model/linkedServiceTypes.js';
import type { LinkedService } from '../../common/model/types.js';
import { AzureBlobConnector } from './azureBlob.js';
import type { Connector, NodeContext } from './connector.js';
import { fileAccessOf } from './fileRoots.js';
import { FileServerConnector } from './fileServer.js';
import { MySqlConnector } from './mysql.js';
import { PostgresConnector } from './postgres.js';
import { SqlServerConnector } from './sqlServer.js';

const CONNECTORS: Record<ConnectorKind, (ls: LinkedService, node: NodeContext) => Connector> = {
  postgres: (ls) => new PostgresConnector(ls),
  mysql: (ls) => new MySqlConnector(ls),
  sqlServer: (ls) => new SqlServerConnector(ls),
  fileServer: (ls, node) => new FileServerConnector(ls, fileAccessOf(node.home)),
  azureBlob: (ls) => new AzureBlobConnector(ls),
};

/** The types the engine runs: every type of the catalogue (src/common/model/linkedServiceTypes.ts) with a connector. */
export const SUPPORTED_LINKED_SERVICE_TYPES: string[] = [...RUNNABLE_TYPES];

/** `ls` must already be decrypted (decryptLinkedService); `node` is read from the node's home, never from the job. */
export function connectorFor(ls: LinkedService, node: NodeContext): Connector {
  const kind = linkedServiceTypeInfo(ls.properties.type)?.connector;
  if (!kind) {
    throw new DmgwError('CONNECTOR_UNSUPPORTED', `linked service ${ls.name} is of type ${ls.properties.type}, which the copy engine cannot read or write yet`, { file: ls.file, field: 'properties.type' }, `supported: ${SUPPORTED_LINKED_SERVICE_TYPES.join(', ')}`);
  }
  return CONNECTORS[kind](ls, node);
}
