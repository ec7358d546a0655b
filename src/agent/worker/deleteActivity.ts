/**
 * Delete on a file dataset (file system, blob): the dataset's file, or the files of its folder (`recursive`: of
 * its subfolders too, and then the folders left empty, the dataset's folder included), or those matching
 * `storeSettings.wildcardFileName`. Every path goes through the connector's checks (file system: only inside the
 * host, inside the folders the node's operator allows). Output as ADF's: datasetName, type, filesDeleted, ...
 */
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import type { Reference } from '../../common/model/types.js';
import { connectorFor } from '../connectors/registry.js';
import { GatewayHome } from '../config/home.js';
import { locationOf } from '../copy/endpoints.js';
import { resolveDataset } from './datasets.js';
import type { AgentRequest } from './executor.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

export async function runDeleteActivity(req: AgentRequest): Promise<ActivityRunOutput> {
  const a = req.activity;
  const tp = req.typeProperties;
  const field = `activities.${a.name}.typeProperties`;
  const t0 = Date.now();
  const ds = await resolveDataset(tp.dataset as Reference | undefined, req.agent.factory, req.scope, req.agent.home, `${field}.dataset`);
  const store = (tp.storeSettings ?? {}) as Record<string, unknown>;
  const recursive = (store.recursive ?? tp.recursive) === true || String(store.recursive ?? tp.recursive).toLowerCase() === 'true';
  if (tp.enableLogging === true) req.log('warn', 'enableLogging: the list of deleted files is written to this run\'s log, not to logStorageSettings (not supported by this gateway)');
  const conn = connectorFor(ds.linkedService, { home: GatewayHome.resolve({ home: req.agent.home }) });
  try {
    if (conn.kind !== 'files') throw new DmgwError('DELETE_STORE', `Delete ${a.name}: dataset ${ds.name} is a table; Delete removes files and folders (file system, blob)`, { field: `${field}.dataset` });
    const location = locationOf(ds);
    // a dataset fileName with * or ? (ADF's Delete examples write "*.txt" there) selects files like a wildcard
    const named = location.fileName && /[*?]/.test(location.fileName) ? location.fileName : undefined;
    if (named) delete location.fileName;
    const wildcardFileName = str(store.wildcardFileName) ?? named;
    const wildcardFolderPath = str(store.wildcardFolderPath);
    conn.checkLocation?.(location);
    const files = await conn.list(location, { recursive, ...(wildcardFileName ? { wildcardFileName } : {}), ...(wildcardFolderPath ? { wildcardFolderPath } : {}) });
    const limit = Math.max(1, Math.min(16, Number(store.maxConcurrentConnections ?? tp.maxConcurrentConnections ?? 1) || 1));
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        if (req.signal.aborted) throw req.signal.reason;
        const f = files[next++]!;
        await conn.remove(f);
        req.log(tp.enableLogging === true ? 'info' : 'verbose', `deleted ${f.container ? `${f.container}/` : ''}${f.path}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, files.length) }, worker));
    const folders = recursive && !location.fileName && !wildcardFileName && !wildcardFolderPath && conn.removeEmptyFolders ? await conn.removeEmptyFolders(location) : 0;
    req.log('info', `deleted ${files.length} file${files.length === 1 ? '' : 's'}${folders ? ` and ${folders} folder${folders === 1 ? '' : 's'}` : ''} of ${ds.name}`);
    return { datasetName: ds.name, type: ds.type, ...(location.container ? { container: location.container } : {}), ...(location.folderPath ? { folderPath: location.folderPath } : {}), recursive, isWildcardUsed: !!(wildcardFileName || wildcardFolderPath), maxConcurrentConnections: limit, filesDeleted: files.length, foldersDeleted: folders, executionDuration: Date.now() - t0 };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
