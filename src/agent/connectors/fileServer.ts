/**
 * The file system (ADF `FileServer` linked service: `host` is the root folder; `FileServerLocation`
 * folderPath/fileName under it). Writes go to a hidden temp file in the target folder and are renamed at
 * commit: a rename within one folder is atomic, so a reader sees the whole file or none. A killed worker's
 * temp files are removed by the next run writing to that folder (fileStage.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { CHUNK_BYTES } from '../copy/rows.js';
import type { FileConnector, FileLocation, FileRef, FileSelection, StagedFile } from './connector.js';
import { removeStaleTemps, TEMP_SUFFIX, tempName } from './fileStage.js';
import { joinPath, literalPrefix, selects } from './wildcard.js';

export { TEMP_SUFFIX };

export class FileServerConnector implements FileConnector {
  readonly kind = 'files' as const;
  readonly linkedService: string;
  readonly root: string;
  /** temp files last written before this are leftovers when their writer is gone (fileStage.ts) */
  private readonly started = Date.now();
  /** folders whose leftovers this run has removed (or is removing) */
  private readonly cleaned = new Map<string, Promise<string[]>>();

  constructor(ls: LinkedService) {
    this.linkedService = ls.name;
    const host = ls.properties.typeProperties?.host;
    if (typeof host !== 'string' || !host) {
      throw new DmgwError('FILESERVER_HOST', `linked service ${ls.name} has no "host" (the root folder)`, { file: ls.file, field: 'properties.typeProperties.host' }, 'set "host": "/data/exports" (or a share path)');
    }
    this.root = resolve(host);
  }

  /** The absolute path of a store path, refusing anything that escapes the root (`../`). */
  private abs(path: string): string {
    const p = resolve(this.root, path);
    const rel = relative(this.root, p);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new DmgwError('PATH_OUTSIDE_ROOT', `path "${path}" leaves the linked service's root folder`, { field: 'location.folderPath' }, 'use a path below the host folder');
    return p;
  }

  async test(): Promise<void> {
    const s = await stat(this.root).catch(() => undefined);
    if (!s?.isDirectory()) throw new DmgwError('FILESERVER_HOST', `root folder ${this.root} does not exist`, { field: 'host' }, 'create it or fix "host"');
  }

  async close(): Promise<void> {}

  async list(location: FileLocation, selection: FileSelection): Promise<FileRef[]> {
    const folder = joinPath(location.folderPath);
    const wildFolder = selection.wildcardFolderPath;
    const start = wildFolder ? joinPath(dirname(`${literalPrefix(joinPath(wildFolder))}x`)).replace(/^\.$/, '') : folder;
    const deep = !!wildFolder || !!selection.recursive;
    const out: FileRef[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.abs(rel), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const p = joinPath(rel, e.name);
        if (e.isDirectory()) {
          if (deep) await walk(p);
        } else if (e.isFile() && !e.name.endsWith(TEMP_SUFFIX) && selects(p, folder, location.fileName, wildFolder, selection.wildcardFileName, !!selection.recursive)) {
          out.push({ path: p, size: (await stat(this.abs(p))).size });
        }
      }
    };
    await walk(start);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async openRead(file: FileRef): Promise<Readable> {
    const s = createReadStream(this.abs(file.path), { highWaterMark: CHUNK_BYTES });
    await new Promise<void>((res, rej) => s.once('open', () => res()).once('error', rej));
    return s;
  }

  async stage(file: FileRef): Promise<StagedFile> {
    const final = this.abs(file.path);
    const dir = dirname(final);
    await mkdir(dir, { recursive: true });
    let removedStale: string[] = [];
    if (!this.cleaned.has(dir)) {
      const cleaning = removeStaleTemps(dir, this.started);
      this.cleaned.set(dir, cleaning);
      removedStale = (await cleaning).map((p) => relative(this.root, p));
    }
    const base = final.slice(dir.length + 1);
    const temp = join(dir, tempName(base));
    const stream = createWriteStream(temp, { highWaterMark: CHUNK_BYTES });
    let state: 'open' | 'committed' | 'aborted' = 'open';
    const whenClosed = async () => {
      if (!stream.closed) {
        if (!stream.writableFinished && !stream.destroyed) stream.destroy();
        await finished(stream).catch(() => undefined);
      }
    };
    return {
      ref: file,
      stream,
      removedStale,
      readStaged: () => createReadStream(temp, { highWaterMark: CHUNK_BYTES }),
      commit: async () => {
        if (state !== 'open') throw new Error(`staged file ${file.path} is ${state}`);
        await rename(temp, final);
        state = 'committed';
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        await whenClosed();
        await rm(temp, { force: true });
      },
    };
  }

  async remove(file: FileRef): Promise<void> {
    await rm(this.abs(file.path), { force: true });
  }
}
