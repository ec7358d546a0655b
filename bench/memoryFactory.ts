/**
 * The factory the memory benchmark runs: the bench table as source and one pipeline per mode — sink (folder or
 * blob container) × format (CSV, JSON Lines) × gzip or not × 1 or 4 DynamicRange partitions × with or without
 * validateDataConsistency. Written as ADF Git-layout files, as a user would write them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchTable } from './benchTable.js';
import { setBenchBlobConnection, type Sink } from './pgCopyFactory.js';

export interface MemoryMode {
  sink: Sink;
  format: 'csv' | 'json';
  gzip: boolean;
  parallel: 1 | 4;
  validate: boolean;
}

export const MEMORY_CONTAINER = 'memory';

/** Every combination, fastest-to-run first within a sink. */
export function allModes(): MemoryMode[] {
  const out: MemoryMode[] = [];
  for (const sink of ['file', 'blob'] as const)
    for (const format of ['csv', 'json'] as const)
      for (const gzip of [false, true])
        for (const parallel of [1, 4] as const) for (const validate of [false, true]) out.push({ sink, format, gzip, parallel, validate });
  return out;
}

export const modeName = (m: MemoryMode): string => `${m.sink} ${m.format}${m.gzip ? ' gzip' : ''} ×${m.parallel}${m.validate ? ' validated' : ''}`;

export const modePipeline = (m: MemoryMode): string => `Mem_${m.sink}_${m.format}_${m.gzip ? 'gz' : 'plain'}_p${m.parallel}_${m.validate ? 'v' : 'nv'}`;

/** The folder (under the file root, or in the container) a mode writes to. */
export const modeFolder = (m: MemoryMode): string => `out/${modePipeline(m)}`;

export interface MemoryFactoryOptions {
  dir: string;
  table: BenchTable;
  pg: { host: string; port: number; database: string; user: string };
  fileRoot: string;
}

export function writeMemoryFactory(o: MemoryFactoryOptions): void {
  const put = (kind: string, name: string, properties: unknown) => {
    mkdirSync(join(o.dir, kind), { recursive: true });
    writeFileSync(join(o.dir, kind, `${name}.json`), `${JSON.stringify({ name, properties }, null, 4)}\n`);
  };
  const ref = (referenceName: string, type: string) => ({ referenceName, type });
  put('linkedService', 'BenchPostgres', {
    type: 'PostgreSql',
    typeProperties: { connectionString: `Server=${o.pg.host};Port=${o.pg.port};Database=${o.pg.database};UID=${o.pg.user}` },
  });
  put('linkedService', 'BenchFiles', { type: 'FileServer', typeProperties: { host: o.fileRoot } });
  setBenchBlobConnection(o.dir, 'UseDevelopmentStorage=true');
  put('dataset', 'BenchTable', { type: 'PostgreSqlTable', linkedServiceName: ref('BenchPostgres', 'LinkedServiceReference'), typeProperties: { schema: o.table.schema, table: o.table.table } });
  for (const m of allModes()) {
    const name = modePipeline(m);
    const location =
      m.sink === 'file'
        ? { type: 'FileServerLocation', folderPath: modeFolder(m), fileName: `orders.${m.format}${m.gzip ? '.gz' : ''}` }
        : { type: 'AzureBlobStorageLocation', container: MEMORY_CONTAINER, folderPath: modeFolder(m), fileName: `orders.${m.format}${m.gzip ? '.gz' : ''}` };
    const linkedServiceName = ref(m.sink === 'file' ? 'BenchFiles' : 'BenchBlob', 'LinkedServiceReference');
    const dataset =
      m.format === 'csv'
        ? { type: 'DelimitedText', linkedServiceName, typeProperties: { location, columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true, nullValue: '', encodingName: 'UTF-8', ...(m.gzip ? { compressionCodec: 'gzip' } : {}) } }
        : { type: 'Json', linkedServiceName, typeProperties: { location, encodingName: 'UTF-8', ...(m.gzip ? { compression: { type: 'gzip' } } : {}) } };
    put('dataset', `Out_${name}`, dataset);
    const storeSettings = { type: m.sink === 'file' ? 'FileServerWriteSettings' : 'AzureBlobStorageWriteSettings' };
    const sink = m.format === 'csv' ? { type: 'DelimitedTextSink', storeSettings, formatSettings: { type: 'DelimitedTextWriteSettings' } } : { type: 'JsonSink', storeSettings, formatSettings: { type: 'JsonWriteSettings', filePattern: 'setOfObjects' } };
    const source: Record<string, unknown> = { type: 'PostgreSqlSource' };
    if (m.parallel > 1) Object.assign(source, { partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'order_id' } });
    put('pipeline', name, {
      activities: [
        {
          name: 'Copy',
          type: 'Copy',
          inputs: [ref('BenchTable', 'DatasetReference')],
          outputs: [ref(`Out_${name}`, 'DatasetReference')],
          typeProperties: { source, sink, parallelCopies: m.parallel, validateDataConsistency: m.validate },
        },
      ],
    });
  }
}
