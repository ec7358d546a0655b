/**
 * GetMetadata on a file dataset (file system, blob): `fieldList` picks among exists, itemName, itemType, size,
 * created (file system), lastModified, contentMD5 (blob), childItems (a folder's files and folders), columnCount
 * and structure (a file's columns, read from its first row: DelimitedText with a header, Parquet). With `exists`
 * in the list a missing file or folder gives `{ exists: false }`; without, it fails the activity, as in ADF.
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import type { Reference } from '../../common/model/types.js';
import type { FileConnector } from '../connectors/connector.js';
import { connectorFor } from '../connectors/registry.js';
import { GatewayHome } from '../config/home.js';
import { locationOf } from '../copy/endpoints.js';
import { rowsOfStream } from '../copy/fileRows.js';
import type { Column, LogicalType } from '../copy/rows.js';
import { compressionOf } from '../formats/compression.js';
import { formatOf } from '../formats/format.js';
import { resolveDataset } from './datasets.js';
import type { AgentRequest } from './executor.js';

export const METADATA_FIELDS = ['exists', 'itemName', 'itemType', 'size', 'created', 'lastModified', 'contentMD5', 'childItems', 'columnCount', 'structure'];

/** ADF's names for column types in `structure`. */
const STRUCTURE_TYPES: Record<LogicalType, string> = { boolean: 'Boolean', integer: 'Int64', decimal: 'Decimal', float: 'Double', date: 'DateTime', time: 'TimeSpan', timestamp: 'DateTime', timestamptz: 'DateTimeOffset', interval: 'TimeSpan', binary: 'Byte[]', json: 'String', uuid: 'Guid', string: 'String' };

async function columnsOf(conn: FileConnector, req: AgentRequest, ds: Awaited<ReturnType<typeof resolveDataset>>, path: string): Promise<Column[]> {
  if (ds.type === 'Json' || ds.type === 'Binary') throw new DmgwError('METADATA_FIELD', `GetMetadata ${req.activity.name}: structure and columnCount are not available for ${ds.type} files (as in ADF)`, { field: `activities.${req.activity.name}.typeProperties.fieldList` }, 'ask for them on DelimitedText or Parquet datasets');
  const format = formatOf(ds.type, ds.typeProperties);
  const raw = await conn.openRead({ path, container: locationOf(ds).container }, req.signal);
  for await (const b of rowsOfStream(raw, { format, compression: format.ownsCompression ? { codec: 'none', level: 0 } : compressionOf(ds.typeProperties), signal: req.signal }, path)) return b.columns;
  return [];
}

export async function runGetMetadataActivity(req: AgentRequest): Promise<ActivityRunOutput> {
  const a = req.activity;
  const tp = req.typeProperties;
  const field = `activities.${a.name}.typeProperties`;
  const fields = Array.isArray(tp.fieldList) ? tp.fieldList.map((f) => (typeof f === 'string' ? f : String((f as { value?: unknown })?.value ?? ''))) : [];
  if (!fields.length) throw new DmgwError('METADATA_FIELDS', `GetMetadata ${a.name} asks for no field`, { field: `${field}.fieldList` }, `list some of ${METADATA_FIELDS.join(', ')}`);
  const unknown = fields.filter((f) => !METADATA_FIELDS.includes(f));
  if (unknown.length) throw new DmgwError('METADATA_FIELD', `GetMetadata ${a.name}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a metadata field`, { field: `${field}.fieldList` }, `use ${METADATA_FIELDS.join(', ')}`);
  const ds = await resolveDataset(tp.dataset as Reference | undefined, req.agent.factory, req.scope, req.agent.home, `${field}.dataset`);
  const conn = connectorFor(ds.linkedService, { home: GatewayHome.resolve({ home: req.agent.home }) });
  try {
    if (conn.kind !== 'files') throw new DmgwError('METADATA_STORE', `GetMetadata ${a.name}: dataset ${ds.name} is a table; this gateway reads metadata of files and folders (file system, blob)`, { field: `${field}.dataset` }, 'use a Lookup with a query on information_schema for a table');
    const location = locationOf(ds);
    const item = await conn.stat(location);
    const where = [location.container, location.folderPath, location.fileName].filter(Boolean).join('/') || 'the root folder';
    if (!item) {
      if (fields.includes('exists')) return { exists: false };
      throw new DmgwError('METADATA_NOT_FOUND', `GetMetadata ${a.name}: ${where} does not exist in ${ds.linkedService.name}`, { field: `${field}.dataset` }, 'add "exists" to fieldList to get exists: false instead of a failure');
    }
    const out: ActivityRunOutput = {};
    let columns: Column[] | undefined;
    const cols = async () => {
      if (item.itemType !== 'File') throw new DmgwError('METADATA_FIELD', `GetMetadata ${a.name}: structure and columnCount are for files, and ${where} is a folder`, { field: `${field}.fieldList` });
      return (columns ??= await columnsOf(conn, req, ds, [location.folderPath, location.fileName].filter(Boolean).join('/')));
    };
    for (const f of fields) {
      switch (f) {
        case 'exists':
          out.exists = true;
          break;
        case 'childItems':
          if (item.itemType !== 'Folder') throw new DmgwError('METADATA_FIELD', `GetMetadata ${a.name}: childItems is for folders, and ${where} is a file`, { field: `${field}.fieldList` }, 'point the dataset at the folder (no fileName)');
          out.childItems = await conn.children(location);
          break;
        case 'columnCount':
          out.columnCount = (await cols()).length;
          break;
        case 'structure':
          out.structure = (await cols()).map((c) => ({ name: c.name, type: STRUCTURE_TYPES[c.type] ?? 'String' }));
          break;
        default: {
          const v = (item as unknown as Record<string, unknown>)[f];
          if (v !== undefined) out[f] = v;
        }
      }
    }
    return out;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
