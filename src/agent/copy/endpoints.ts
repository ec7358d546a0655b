/**
 * Turns a Copy activity's input/output datasets (expressions already evaluated, linked service decrypted)
 * into what the engine works with: a connector plus the table, or the files, format and compression.
 */
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import type { FileConnector, FileLocation, FileRef, NodeContext, TableConnector, TableName, TableSource } from '../connectors/connector.js';
import { parseTableName } from '../connectors/postgres.js';
import { connectorFor } from '../connectors/registry.js';
import { joinPath } from '../connectors/wildcard.js';
import { compressionOf, extensionOf, type Compression } from '../formats/compression.js';
import { formatOf, type FileFormat } from '../formats/format.js';

/** A dataset as the worker hands it to the engine. */
export interface ResolvedDataset {
  name: string;
  type: string;
  typeProperties: Record<string, unknown>;
  /** decrypted */
  linkedService: LinkedService;
  file?: string;
}

export type SourceEnd = { kind: 'table'; conn: TableConnector; source: TableSource; dataset: ResolvedDataset } | { kind: 'files'; conn: FileConnector; files: FileRef[]; format: FileFormat; compression: Compression; dataset: ResolvedDataset };

export type SinkEnd = { kind: 'table'; conn: TableConnector; target: TableName; dataset: ResolvedDataset } | { kind: 'files'; conn: FileConnector; location: FileLocation; format: FileFormat; compression: Compression; naming: FileNaming; dataset: ResolvedDataset };

export function tableNameOf(ds: ResolvedDataset): TableName | undefined {
  const tp = ds.typeProperties;
  if (typeof tp.table === 'string' && tp.table) return { schema: typeof tp.schema === 'string' && tp.schema ? tp.schema : undefined, table: tp.table };
  if (typeof tp.tableName === 'string' && tp.tableName) return parseTableName(tp.tableName);
  return undefined;
}

export function locationOf(ds: ResolvedDataset): FileLocation {
  const tp = ds.typeProperties;
  const loc = (tp.location ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { container: s(loc.container), folderPath: s(loc.folderPath) ?? s(tp.folderPath), fileName: s(loc.fileName) ?? s(tp.fileName) };
}

/** a format that compresses inside its files (Parquet) is streamed as it is */
const NO_COMPRESSION: Compression = { codec: 'none', level: 0 };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

export async function openSourceEnd(ds: ResolvedDataset, source: Record<string, unknown>, node: NodeContext): Promise<SourceEnd> {
  const conn = connectorFor(ds.linkedService, node);
  if (conn.kind === 'table') {
    const query = str(source.query) ?? str(source.sqlReaderQuery);
    const table = tableNameOf(ds);
    if (!query && !table) throw new DmgwError('SOURCE_MISSING', `dataset ${ds.name} names no table and the copy source has no query`, { file: ds.file, field: 'typeProperties.table' }, 'set "schema"/"table" on the dataset or "query" on the source');
    return { kind: 'table', conn, source: query ? { query } : { table }, dataset: ds };
  }
  const store = (source.storeSettings ?? {}) as Record<string, unknown>;
  const files = await conn.list(locationOf(ds), { wildcardFolderPath: str(store.wildcardFolderPath), wildcardFileName: str(store.wildcardFileName), recursive: store.recursive === true });
  if (!files.length) {
    const l = locationOf(ds);
    throw new DmgwError('SOURCE_NO_FILES', `no file matches ${joinPath(l.container, l.folderPath, str(store.wildcardFileName) ?? l.fileName) || 'the source location'} in ${ds.linkedService.name}`, { file: ds.file, field: 'typeProperties.location' }, 'check folderPath/fileName or the wildcards');
  }
  const format = formatOf(ds.type, ds.typeProperties);
  return { kind: 'files', conn, files, format, compression: format.ownsCompression ? NO_COMPRESSION : compressionOf(ds.typeProperties), dataset: ds };
}

export function openSinkEnd(ds: ResolvedDataset, sink: Record<string, unknown>, node: NodeContext): SinkEnd {
  const conn = connectorFor(ds.linkedService, node);
  if (conn.kind === 'table') {
    const target = tableNameOf(ds) ?? (typeof sink.tableName === 'string' ? parseTableName(sink.tableName) : undefined);
    if (!target) throw new DmgwError('SINK_TABLE', `dataset ${ds.name} names no table to load`, { file: ds.file, field: 'typeProperties.table' }, 'set "schema" and "table" (or "tableName") on the dataset');
    return { kind: 'table', conn, target, dataset: ds };
  }
  const formatSettings = (sink.formatSettings ?? {}) as Record<string, unknown>;
  const format = formatOf(ds.type, ds.typeProperties, formatSettings);
  const compression = format.ownsCompression ? NO_COMPRESSION : compressionOf(ds.typeProperties);
  const location = locationOf(ds);
  conn.checkLocation?.(location);
  return { kind: 'files', conn, location, format, compression, naming: fileNaming(location, format, compression, formatSettings), dataset: ds };
}

export interface FileNaming {
  maxRowsPerFile?: number;
  /** name of file `index` of partition `partition` of `partitions` */
  name(partition: number, partitions: number, index: number): FileRef;
}

/**
 * ADF's names: the dataset's fileName when one file is written; otherwise `<prefix>_00000<ext>` (prefix =
 * formatSettings.fileNamePrefix, else the fileName's stem, else `data`), and `<prefix>_<partition>_<n>` when
 * several partitions each split their output by maxRowsPerFile.
 */
export function fileNaming(location: FileLocation, format: FileFormat, compression: Compression, formatSettings: Record<string, unknown>): FileNaming {
  const max = Number(formatSettings.maxRowsPerFile ?? 0) || undefined;
  const defaultExt = format.extension + extensionOf(compression);
  const given = location.fileName;
  const ext = str(formatSettings.fileExtension) ?? (given && given.includes('.') ? given.slice(given.indexOf('.')) : defaultExt);
  const stem = given ? (given.endsWith(ext) ? given.slice(0, -ext.length) : given.replace(/\..*$/, '')) : undefined;
  const prefix = str(formatSettings.fileNamePrefix) ?? stem ?? 'data';
  const at = (name: string): FileRef => ({ container: location.container, path: joinPath(location.folderPath, name) });
  const n5 = (n: number) => String(n).padStart(5, '0');
  return {
    maxRowsPerFile: max,
    name(partition, partitions, index) {
      if (partitions <= 1 && !max) return at(given ?? `${prefix}_${n5(0)}${ext}`);
      if (partitions <= 1) return at(`${prefix}_${n5(index)}${ext}`);
      if (!max) return at(`${prefix}_${n5(partition)}${ext}`);
      return at(`${prefix}_${n5(partition)}_${n5(index)}${ext}`);
    },
  };
}
