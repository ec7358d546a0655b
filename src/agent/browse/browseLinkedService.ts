/**
 * Browse: what a linked service's store holds, one level at a time, read from this machine as the gateway reads it
 * (its EncryptedCredential decrypted with this gateway's certificate and checked against its server; a file share
 * only inside `fileSystem.allowedRoots`). The path is the chain of names from the store's top:
 *   table stores  []          → schemas (MySQL/MariaDB: the connected database)
 *                 [schema]    → its tables and views
 *   blob storage  []          → containers
 *                 [c, f1, …]  → the folders and blobs in container c, folder f1/…
 *   file system   [f1, …]     → the folders and files in host/f1/… (the host itself for [])
 * `dmgw browse` prints it; the VS Code Gateway view expands a linked service with it.
 */
import type { LinkedService } from '../../common/model/types.js';
import { DmgwError } from '../../common/errors.js';
import { withParameterDefaults } from '../../common/stores/storeTarget.js';
import { GatewayHome } from '../config/home.js';
import type { Connector } from '../connectors/connector.js';
import { connectorFor } from '../connectors/registry.js';
import { decryptLinkedService } from '../credentials/decrypt.js';

/** At most this many items a level: a tree is for finding a table, not for listing a million blobs. */
export const BROWSE_MAX_ITEMS = 1000;

export type BrowseItemType = 'Schema' | 'Table' | 'View' | 'Container' | 'Folder' | 'File';

export interface BrowseItem {
  name: string;
  type: BrowseItemType;
  /** the path of this item (its parent's path and its name): what to pass to browse its children */
  path: string[];
  /** whether it has children to browse */
  expandable: boolean;
}

export interface BrowseResult {
  linkedService: string;
  linkedServiceType: string;
  store: 'table' | 'files';
  path: string[];
  items: BrowseItem[];
  /** more items were there than BROWSE_MAX_ITEMS */
  truncated: boolean;
}

export interface BrowseOptions {
  path: string[];
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** give up after this many seconds (a store that does not answer) */
  seconds?: number;
}

async function level(conn: Connector, ls: LinkedService, path: string[]): Promise<Array<Omit<BrowseItem, 'path'>>> {
  const where = (what: string) => new DmgwError('BROWSE_PATH', `${ls.name} (${ls.properties.type}) has no ${what}`, { file: ls.file }, 'browse from the top: a schema, then its tables');
  if (conn.kind === 'table') {
    if (!conn.schemas || !conn.tables) throw where('catalogue this gateway can list');
    if (path.length === 0) return (await conn.schemas()).map((name) => ({ name, type: 'Schema', expandable: true }));
    if (path.length === 1) return (await conn.tables(path[0]!)).map((t) => ({ name: t.name, type: t.type, expandable: false }));
    throw where(`level below a table (${path.join('/')})`);
  }
  if (conn.containers) {
    if (path.length === 0) return (await conn.containers()).map((name) => ({ name, type: 'Container', expandable: true }));
    const [container, ...folders] = path;
    return (await conn.children({ container, folderPath: folders.join('/') || undefined })).map((c) => ({ name: c.name, type: c.type, expandable: c.type === 'Folder' }));
  }
  return (await conn.children({ folderPath: path.join('/') || undefined })).map((c) => ({ name: c.name, type: c.type, expandable: c.type === 'Folder' }));
}

/** One level of what `ls` holds; throws a DmgwError (or the store's own error) when it cannot be read. */
export async function browseLinkedService(ls: LinkedService, o: BrowseOptions): Promise<BrowseResult> {
  const env = o.env ?? process.env;
  // parameters at their defaults, as a run that passes none (and as its credential was bound)
  const conn = connectorFor(await decryptLinkedService(withParameterDefaults(ls), { home: o.home, env }), { home: GatewayHome.resolve({ home: o.home, env }) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const seconds = o.seconds ?? 30;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DmgwError('BROWSE_TIMEOUT', `${ls.name} did not answer within ${seconds} s`, { file: ls.file }, 'is the server running, and reachable from this machine (host, port, firewall, proxy)?')), seconds * 1000);
    });
    const items = await Promise.race([level(conn, ls, o.path), timeout]);
    return {
      linkedService: ls.name,
      linkedServiceType: String(ls.properties.type),
      store: conn.kind,
      path: o.path,
      items: items.slice(0, BROWSE_MAX_ITEMS).map((i) => ({ ...i, path: [...o.path, i.name] })),
      truncated: items.length > BROWSE_MAX_ITEMS,
    };
  } finally {
    clearTimeout(timer);
    await conn.close().catch(() => undefined);
  }
}
