/**
 * The factory the MariaDB benchmark runs: the MariaDB bench table as source (single stream, or four
 * DynamicRange partitions on order_id), into a CSV blob (header row) or a PostgreSQL table (emptied by the
 * preCopyScript in the same transaction). ADF Git-layout files, as a user would write them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MariaTable } from './mariadbTable.js';

export type MariaSink = 'blob' | 'pg';
export const mariaPipeline = (sink: MariaSink, parallel: number) => `MariaTo${sink === 'blob' ? 'Blob' : 'Pg'}x${parallel}`;
export const MARIA_BLOB_CONTAINER = 'bench';

export interface MariaFactoryOptions {
  dir: string;
  table: MariaTable;
  maria: { host: string; port: number; user: string; password: string };
  pg: { host: string; port: number; database: string; user: string };
  /** `schema.table` the PostgreSQL sink loads (made by the benchmark) */
  pgTarget: { schema: string; table: string };
  parallelCopies: number[];
}

const ref = (name: string) => ({ referenceName: name, type: 'LinkedServiceReference' });

export function writeMariaFactory(o: MariaFactoryOptions): void {
  const put = (kind: string, name: string, properties: unknown) => {
    mkdirSync(join(o.dir, kind), { recursive: true });
    writeFileSync(join(o.dir, kind, `${name}.json`), `${JSON.stringify({ name, properties }, null, 4)}\n`);
  };
  const via = { referenceName: 'BenchGateway', type: 'IntegrationRuntimeReference' };
  put('integrationRuntime', 'BenchGateway', { type: 'SelfHosted' });
  put('linkedService', 'BenchMariaDB', { type: 'MariaDB', connectVia: via, typeProperties: { connectionString: `Server=${o.maria.host};Port=${o.maria.port};Database=${o.table.database};UID=${o.maria.user}${o.maria.password ? `;PWD=${o.maria.password}` : ''}` } });
  put('linkedService', 'BenchPostgres', { type: 'PostgreSql', connectVia: via, typeProperties: { connectionString: `Server=${o.pg.host};Port=${o.pg.port};Database=${o.pg.database};UID=${o.pg.user}` } });
  setMariaBlobConnection(o.dir, 'UseDevelopmentStorage=true');
  put('dataset', 'BenchMariaTable', { type: 'MariaDBTable', linkedServiceName: ref('BenchMariaDB'), typeProperties: { tableName: `\`${o.table.database}\`.\`${o.table.table}\`` } });
  put('dataset', 'BenchPgTarget', { type: 'PostgreSqlTable', linkedServiceName: ref('BenchPostgres'), typeProperties: { schema: o.pgTarget.schema, table: o.pgTarget.table } });
  put('dataset', 'BenchCsvBlob', {
    type: 'DelimitedText',
    linkedServiceName: ref('BenchBlob'),
    typeProperties: { location: { type: 'AzureBlobStorageLocation', container: MARIA_BLOB_CONTAINER, folderPath: 'engine', fileName: 'orders.csv' }, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, nullValue: '' },
  });
  for (const sink of ['blob', 'pg'] as const) {
    for (const n of o.parallelCopies) {
      const source: Record<string, unknown> = { type: 'MariaDBSource' };
      if (n > 1) Object.assign(source, { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'order_id' } });
      const sinkSettings = sink === 'blob' ? { type: 'DelimitedTextSink', storeSettings: { type: 'AzureBlobStorageWriteSettings' } } : { type: 'PostgreSqlSink', preCopyScript: `TRUNCATE ${o.pgTarget.schema}.${o.pgTarget.table}` };
      put('pipeline', mariaPipeline(sink, n), {
        activities: [
          {
            name: 'Copy',
            type: 'Copy',
            inputs: [{ referenceName: 'BenchMariaTable', type: 'DatasetReference' }],
            outputs: [{ referenceName: sink === 'blob' ? 'BenchCsvBlob' : 'BenchPgTarget', type: 'DatasetReference' }],
            typeProperties: { source, sink: sinkSettings, parallelCopies: n },
          },
        ],
      });
    }
  }
}

export function setMariaBlobConnection(dir: string, connectionString: string): void {
  mkdirSync(join(dir, 'linkedService'), { recursive: true });
  writeFileSync(join(dir, 'linkedService', 'BenchBlob.json'), `${JSON.stringify({ name: 'BenchBlob', properties: { type: 'AzureBlobStorage', typeProperties: { connectionString } } }, null, 4)}\n`);
}
