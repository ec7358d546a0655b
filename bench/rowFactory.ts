/**
 * The factory the row-path benchmarks run (mariadbFiles.ts, pgFiles.ts, mariadb.ts, loads.ts, fileToBlob.ts): linked
 * services for the local PostgreSQL, MariaDB, a FileServer folder and a blob store, and one pipeline per
 * source × sink × parallelCopies, written as ADF Git-layout files as a user would write them. A table source with
 * parallelCopies > 1 is read in DynamicRange partitions on `partitionColumn`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_PG_URL } from './benchTable.js';
import { mariaConnection } from './mariadbTable.js';
import { setBenchBlobConnection } from './pgCopyFactory.js';

export type Format = 'DelimitedText' | 'Json' | 'Parquet';
export const FORMAT_LABEL: Record<Format, string> = { DelimitedText: 'CSV', Json: 'JSON', Parquet: 'Parquet' };
const EXT: Record<Format, string> = { DelimitedText: 'csv', Json: 'json', Parquet: 'parquet' };
export const ROW_CONTAINER = 'bench';

export type Source = { kind: 'pg'; schema: string; table: string } | { kind: 'maria'; database: string; table: string } | { kind: 'csvFile'; folder: string; fileName: string };
export type Sink = { kind: 'file' | 'blob'; format: Format; folder: string } | { kind: 'pg'; schema: string; table: string } | { kind: 'maria'; database: string; table: string };

const ref = (name: string) => ({ referenceName: name, type: 'LinkedServiceReference' });
const CSV = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, nullValue: '', encodingName: 'UTF-8' };

export class RowFactory {
  constructor(
    readonly dir: string,
    fileRoot: string,
    private readonly partitionColumn = 'order_id',
  ) {
    const pg = new URL(BENCH_PG_URL);
    const m = mariaConnection();
    const via = { referenceName: 'BenchGateway', type: 'IntegrationRuntimeReference' };
    this.put('integrationRuntime', 'BenchGateway', { type: 'SelfHosted' });
    this.put('linkedService', 'BenchPostgres', { type: 'PostgreSql', connectVia: via, typeProperties: { connectionString: `Server=${pg.hostname};Port=${pg.port || 5432};Database=${pg.pathname.slice(1)};UID=${decodeURIComponent(pg.username)}` } });
    this.put('linkedService', 'BenchMariaDB', { type: 'MariaDB', connectVia: via, typeProperties: { connectionString: `Server=${m.host};Port=${m.port};Database=${m.database};UID=${m.user}${m.password ? `;PWD=${m.password}` : ''}` } });
    this.put('linkedService', 'BenchFiles', { type: 'FileServer', connectVia: via, typeProperties: { host: fileRoot } });
    this.setBlob('UseDevelopmentStorage=true');
  }

  /** Points the blob linked service at a (new) Azurite. */
  setBlob(connectionString: string): void {
    setBenchBlobConnection(this.dir, connectionString);
  }

  /** Writes the pipeline `name` (and its two datasets) and returns its name. */
  pipeline(name: string, source: Source, sink: Sink, parallel: number): string {
    this.put('dataset', `${name}_in`, this.dataset(source));
    this.put('dataset', `${name}_out`, this.dataset(sink));
    const src: Record<string, unknown> =
      source.kind === 'pg' ? { type: 'PostgreSqlSource' } : source.kind === 'maria' ? { type: 'MariaDBSource' } : { type: 'DelimitedTextSource', storeSettings: { type: 'FileServerReadSettings' } };
    if (parallel > 1 && source.kind !== 'csvFile') Object.assign(src, { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: this.partitionColumn } });
    this.put('pipeline', name, {
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [{ referenceName: `${name}_in`, type: 'DatasetReference' }],
          outputs: [{ referenceName: `${name}_out`, type: 'DatasetReference' }],
          typeProperties: { source: src, sink: sinkSettings(sink), parallelCopies: parallel },
        },
      ],
    });
    return name;
  }

  private dataset(d: Source | Sink): unknown {
    if (d.kind === 'pg') return { type: 'PostgreSqlTable', linkedServiceName: ref('BenchPostgres'), typeProperties: { schema: d.schema, table: d.table } };
    if (d.kind === 'maria') return { type: 'MariaDBTable', linkedServiceName: ref('BenchMariaDB'), typeProperties: { tableName: `\`${d.database}\`.\`${d.table}\`` } };
    if (d.kind === 'csvFile') return { type: 'DelimitedText', linkedServiceName: ref('BenchFiles'), typeProperties: { location: { type: 'FileServerLocation', folderPath: d.folder, fileName: d.fileName }, ...CSV } };
    const fileName = `orders.${EXT[d.format]}`;
    const location = d.kind === 'file' ? { type: 'FileServerLocation', folderPath: d.folder, fileName } : { type: 'AzureBlobStorageLocation', container: ROW_CONTAINER, folderPath: d.folder, fileName };
    const typeProperties = d.format === 'DelimitedText' ? { location, ...CSV } : d.format === 'Json' ? { location, encodingName: 'UTF-8' } : { location };
    return { type: d.format, linkedServiceName: ref(d.kind === 'file' ? 'BenchFiles' : 'BenchBlob'), typeProperties };
  }

  private put(kind: string, name: string, properties: unknown): void {
    mkdirSync(join(this.dir, kind), { recursive: true });
    writeFileSync(join(this.dir, kind, `${name}.json`), `${JSON.stringify({ name, properties }, null, 4)}\n`);
  }
}

function sinkSettings(sink: Sink): unknown {
  if (sink.kind === 'pg') return { type: 'PostgreSqlSink' };
  if (sink.kind === 'maria') return { type: 'MariaDBSink' };
  const storeSettings = { type: sink.kind === 'file' ? 'FileServerWriteSettings' : 'AzureBlobStorageWriteSettings' };
  if (sink.format === 'DelimitedText') return { type: 'DelimitedTextSink', storeSettings, formatSettings: { type: 'DelimitedTextWriteSettings', fileExtension: '.csv' } };
  if (sink.format === 'Json') return { type: 'JsonSink', storeSettings, formatSettings: { type: 'JsonWriteSettings', filePattern: 'setOfObjects' } };
  return { type: 'ParquetSink', storeSettings };
}
