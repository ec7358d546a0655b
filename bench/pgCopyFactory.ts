/**
 * The factory the PostgreSQL-copy benchmark runs: the bench table as source, an uncompressed CSV (header row)
 * as sink in a folder (FileServer) or a blob container (AzureBlobStorage), single stream or four DynamicRange
 * partitions on order_id. Written as ADF Git-layout files, as a user would write them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchTable } from './benchTable.js';

export type Sink = 'file' | 'blob';

export const pipelineName = (sink: Sink, parallel: number) => `CopyTo${sink === 'file' ? 'File' : 'Blob'}x${parallel}`;
export const FILE_OUTPUT_FOLDER = 'out';
export const BLOB_CONTAINER = 'bench';

export interface BenchFactoryOptions {
  dir: string;
  table: BenchTable;
  pg: { host: string; port: number; database: string; user: string };
  /** root folder of the FileServer linked service */
  fileRoot: string;
  parallelCopies: number[];
}

export function writeBenchFactory(o: BenchFactoryOptions): void {
  const put = (kind: string, name: string, properties: unknown) => {
    mkdirSync(join(o.dir, kind), { recursive: true });
    writeFileSync(join(o.dir, kind, `${name}.json`), `${JSON.stringify({ name, properties }, null, 4)}\n`);
  };
  const via = { referenceName: 'BenchGateway', type: 'IntegrationRuntimeReference' };
  put('integrationRuntime', 'BenchGateway', { type: 'SelfHosted' });
  put('linkedService', 'BenchPostgres', {
    type: 'PostgreSql',
    connectVia: via,
    typeProperties: { connectionString: `Server=${o.pg.host};Port=${o.pg.port};Database=${o.pg.database};UID=${o.pg.user}` },
  });
  put('linkedService', 'BenchFiles', { type: 'FileServer', connectVia: via, typeProperties: { host: o.fileRoot } });
  setBenchBlobConnection(o.dir, 'UseDevelopmentStorage=true');
  put('dataset', 'BenchTable', { type: 'PostgreSqlTable', linkedServiceName: ref('BenchPostgres'), typeProperties: { schema: o.table.schema, table: o.table.table } });
  const csv = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, nullValue: '', encodingName: 'UTF-8' };
  put('dataset', 'BenchCsvFile', { type: 'DelimitedText', linkedServiceName: ref('BenchFiles'), typeProperties: { location: { type: 'FileServerLocation', folderPath: FILE_OUTPUT_FOLDER, fileName: 'orders.csv' }, ...csv } });
  put('dataset', 'BenchCsvBlob', {
    type: 'DelimitedText',
    linkedServiceName: ref('BenchBlob'),
    typeProperties: { location: { type: 'AzureBlobStorageLocation', container: BLOB_CONTAINER, folderPath: 'engine', fileName: 'orders.csv' }, ...csv },
  });
  for (const sink of ['file', 'blob'] as const) {
    for (const n of o.parallelCopies) {
      const source: Record<string, unknown> = { type: 'PostgreSqlSource' };
      if (n > 1) Object.assign(source, { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'order_id' } });
      put('pipeline', pipelineName(sink, n), {
        activities: [
          {
            name: 'Copy',
            type: 'Copy',
            inputs: [{ referenceName: 'BenchTable', type: 'DatasetReference' }],
            outputs: [{ referenceName: sink === 'file' ? 'BenchCsvFile' : 'BenchCsvBlob', type: 'DatasetReference' }],
            typeProperties: {
              source,
              sink: {
                type: 'DelimitedTextSink',
                storeSettings: { type: sink === 'file' ? 'FileServerWriteSettings' : 'AzureBlobStorageWriteSettings' },
                formatSettings: { type: 'DelimitedTextWriteSettings', fileExtension: '.csv' },
              },
              parallelCopies: n,
            },
          },
        ],
      });
    }
  }
}

/** Points the blob linked service at a (new) Azurite. */
export function setBenchBlobConnection(dir: string, connectionString: string): void {
  mkdirSync(join(dir, 'linkedService'), { recursive: true });
  writeFileSync(join(dir, 'linkedService', 'BenchBlob.json'), `${JSON.stringify({ name: 'BenchBlob', properties: { type: 'AzureBlobStorage', typeProperties: { connectionString } } }, null, 4)}\n`);
}

function ref(name: string) {
  return { referenceName: name, type: 'LinkedServiceReference' };
}
