/**
 * The walkthrough factory (examples/walkthrough) copied to a scratch folder and pointed at the embedded servers:
 * the PostgreSQL linked service gets the embedded server's host and port, the blob linked service the in-process
 * Azurite's connection string. Files are edited with jsonc-parser so their layout stays as the user would see it.
 * Nothing else changes: the demo runs the walkthrough as written.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits, modify, parse } from 'jsonc-parser';
import { parseConnectionString } from '../common/connectionString.js';

export const WALKTHROUGH_PIPELINE = 'CopySalesOrdersToBlob';
export const POSTGRES_LINKED_SERVICE = 'linkedService/OnPremPostgreSql.json';
const BLOB_LINKED_SERVICE = 'linkedService/AzureStorage.json';
const SINK_DATASET = 'dataset/SalesOrdersCsv.json';

/** The examples folder of this package (dist/demo/main.js → ../../examples/walkthrough). */
export function walkthroughSource(): string {
  return join(__dirname, '..', '..', 'examples', 'walkthrough');
}

export interface SinkLocation {
  container: string;
  folder: string;
  fileName?: string;
  firstRowAsHeader: boolean;
  delimiter: string;
  quote: string;
  compression?: string;
}

export interface PreparedFactory {
  dir: string;
  sink: SinkLocation;
  /** the source table as the dataset names it */
  sourceTable: { schema: string; table: string };
}

export function prepareWalkthrough(target: string, servers: { postgres: { host: string; port: number }; blobConnectionString: string }, source = walkthroughSource()): PreparedFactory {
  cpSync(source, target, { recursive: true });
  editConnectionString(join(target, POSTGRES_LINKED_SERVICE), (cs) => cs.set('Server', servers.postgres.host).set('Port', String(servers.postgres.port)).toString());
  editConnectionString(join(target, BLOB_LINKED_SERVICE), () => servers.blobConnectionString);

  const ds = parse(readFileSync(join(target, SINK_DATASET), 'utf8')) as { properties: { typeProperties: Record<string, unknown> } };
  const tp = ds.properties.typeProperties;
  const loc = tp.location as { container: string; folderPath?: string; fileName?: string };
  const table = parse(readFileSync(join(target, 'dataset/SalesOrdersTable.json'), 'utf8')) as { properties: { typeProperties: { schema: string; table: string } } };
  return {
    dir: target,
    sink: {
      container: loc.container,
      folder: loc.folderPath ?? '',
      fileName: loc.fileName,
      firstRowAsHeader: tp.firstRowAsHeader === true,
      delimiter: typeof tp.columnDelimiter === 'string' ? tp.columnDelimiter : ',',
      quote: typeof tp.quoteChar === 'string' ? tp.quoteChar : '"',
      compression: typeof tp.compressionCodec === 'string' ? tp.compressionCodec : undefined,
    },
    sourceTable: table.properties.typeProperties,
  };
}

function editConnectionString(file: string, change: (cs: ReturnType<typeof parseConnectionString>) => string): void {
  const text = readFileSync(file, 'utf8');
  const path = ['properties', 'typeProperties', 'connectionString'];
  const current = (parse(text) as { properties: { typeProperties: { connectionString: string } } }).properties.typeProperties.connectionString;
  const edits = modify(text, path, change(parseConnectionString(current)), { formattingOptions: { insertSpaces: true, tabSize: 4 } });
  writeFileSync(file, applyEdits(text, edits));
}
