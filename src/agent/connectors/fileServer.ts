/**
 * The file system (ADF `FileServer` linked service: `host` is the root folder; `FileServerLocation`
 * folderPath/fileName under it). Only inside the folders the node's operator allows, and every path resolved and
 * kept inside the host (fileRoots.ts). Writes go to a hidden temp file in the target folder and are renamed at
 * commit: a rename within one folder is atomic, so a reader sees the whole file or none. A killed worker's
 * temp files are removed by the next run writing to that folder (fileStage.ts).
 */
import { constants } from 'node:fs';
import { lstat, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DmgwError } from '../../common/errors.js';
import { describeThing, type StagedThing } from '../../common/staging.js';
import type { LinkedService } from '../../common/model/types.js';
import { CHUNK_BYTES } from '../copy/rows.js';
import type { ChildItem, FileConnector, FileLocation, FileRef, FileSelection, ItemInfo, KeptFile, StagedFile } from './connector.js';
import { FileRoot, type FileAccess } from './fileRoots.js';
import { isKeptName, isTempName, keptName, removeStaleTemps, TEMP_SUFFIX, tempName } from './fileStage.js';
import { staged } from './stagingJournal.js';
import { joinPath, literalPrefix, selects } from './wildcard.js';

/**
 * What a file being written may hold before its writer waits: with one 64 KiB chunk the copy stopped at every write
 * until the thread pool had done it; with 1 MiB the next chunks are made meanwhile and go out together (writev).
 * PostgreSQL → Json file, 1M rows, six runs each interleaved: 2.6–3.5 s → 2.1–3.1 s.
 */
const WRITE_BUFFER = 1 << 20;

export { TEMP_SUFFIX };

/** ENOENT/ENOTDIR: the path is not there (undefined); anything else is an error. */
const missing = (e: NodeJS.ErrnoException): undefined => {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
  throw e;
};

export class FileServerConnector implements FileConnector {
  readonly kind = 'files' as const;
  readonly linkedService: string;
  private readonly root: FileRoot;
  /** temp files last written before this are leftovers when their writer is gone (fileStage.ts) */
  private readonly started = Date.now();
  /** folders whose leftovers this run has removed (or is removing) */
  private readonly cleaned = new Map<string, Promise<string[]>>();

  /** `access`: what the node allows, from its own home (fileAccessOf) */
  constructor(
    private readonly ls: LinkedService,
    access: FileAccess,
  ) {
    this.linkedService = ls.name;
    const host = ls.properties.typeProperties?.host;
    if (typeof host !== 'string' || !host) {
      throw new DmgwError('FILESERVER_HOST', `linked service ${ls.name} has no "host" (the root folder)`, { file: ls.file, field: 'properties.typeProperties.host' }, 'set "host": "/data/exports" (or a share path)');
    }
    this.root = FileRoot.open(ls.name, host, access, ls.file);
  }

  /** Refuses absolute names and `..` above the host as written, before any joining drops a leading slash. */
  checkLocation(location: FileLocation, selection: FileSelection = {}): void {
    for (const p of [location.folderPath, location.fileName, selection.wildcardFolderPath]) if (p) this.root.segments(p);
  }

  async test(): Promise<void> {
    const s = await stat(this.root.path).catch(() => undefined);
    if (!s?.isDirectory()) throw new DmgwError('FILESERVER_HOST', `root folder ${this.root.path} does not exist`, { field: 'host' }, 'create it or fix "host"');
  }

  async close(): Promise<void> {}

  async list(location: FileLocation, selection: FileSelection): Promise<FileRef[]> {
    this.checkLocation(location, selection);
    const folder = joinPath(location.folderPath);
    const wildFolder = selection.wildcardFolderPath;
    const deep = !!wildFolder || !!selection.recursive;
    if (!deep && !selection.wildcardFileName && location.fileName) {
      // one named file: resolved like any named path (a link may lead to it, from inside the host)
      const path = joinPath(folder, location.fileName);
      if (path.endsWith(TEMP_SUFFIX)) return [];
      const real = await this.root.real(path).catch(missing);
      const s = real && (await stat(real));
      return s && s.isFile() ? [{ path, size: s.size }] : [];
    }
    const start = wildFolder ? joinPath(dirname(`${literalPrefix(joinPath(wildFolder))}x`)).replace(/^\.$/, '') : folder;
    const startReal = await this.root.real(start).catch(missing);
    if (!startReal || !(await stat(startReal)).isDirectory()) return [];
    const out: FileRef[] = [];
    // A listing follows no symbolic link (so no loop) and enters no protected folder.
    const walk = async (real: string, rel: string): Promise<void> => {
      for (const e of await readdir(real, { withFileTypes: true })) {
        const p = joinPath(rel, e.name);
        const child = join(real, e.name);
        if (e.isDirectory()) {
          if (deep && (await this.root.enterable(child))) await walk(child, p);
        } else if (e.isFile() && !e.name.endsWith(TEMP_SUFFIX) && selects(p, folder, location.fileName, wildFolder, selection.wildcardFileName, !!selection.recursive)) {
          out.push({ path: p, size: (await lstat(child)).size });
        }
      }
    };
    await walk(startReal, start);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async openRead(file: FileRef): Promise<Readable> {
    // O_NONBLOCK: a FIFO must not hang the open; only a regular file is read
    const handle = await this.root.openChecked(await this.root.real(file.path), file.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new DmgwError('FILE_NOT_REGULAR', `"${file.path}" of linked service ${this.linkedService} is not a regular file`, { field: 'location' });
    }
    return handle.createReadStream({ highWaterMark: CHUNK_BYTES });
  }

  async stage(file: FileRef): Promise<StagedFile> {
    const segments = this.root.segments(file.path);
    const base = segments.pop();
    if (!base) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${file.path}" names no file below the root folder of linked service ${this.linkedService}`, { field: 'location.fileName' });
    const dir = await this.root.folderForWrite(segments, file.path);
    let removedStale: string[] = [];
    if (!this.cleaned.has(dir)) {
      const cleaning = removeStaleTemps(dir, this.started);
      this.cleaned.set(dir, cleaning);
      removedStale = (await cleaning).map((p) => relative(this.root.path, p));
    }
    const final = join(dir, base);
    const tempBase = tempName(base);
    let temp = join(dir, tempBase);
    const gone = staged(this.ls, { kind: 'temp-file', folder: segments.join('/'), temp: tempBase });
    const handle = await this.root.openChecked(temp, file.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
    const stream = handle.createWriteStream({ highWaterMark: WRITE_BUFFER });
    let state: 'open' | 'committed' | 'aborted' | 'kept' = 'open';
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
      readStaged: () => Readable.from(this.readChecked(temp, file.path), { objectMode: false }),
      commit: async () => {
        if (state !== 'open' && state !== 'kept') throw new Error(`staged file ${file.path} is ${state}`);
        // the folder is still the one checked: a folder swapped for a link since would move the file elsewhere
        if ((await realpath(dir)) !== dir) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${file.path}" leaves the root folder of linked service ${this.linkedService} (its folder changed while it was written)`, { field: 'location' });
        await rename(temp, final);
        state = 'committed';
        gone();
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        await whenClosed();
        await rm(temp, { force: true });
        gone();
      },
      keep: async () => {
        if (state !== 'open') throw new Error(`staged file ${file.path} is ${state}`);
        await whenClosed();
        // a name of no live writer's form: the next run's sweep leaves it for a day (fileStage.ts), the host forgets it
        const keptBase = keptName(base);
        await rename(temp, join(dir, keptBase));
        temp = join(dir, keptBase);
        state = 'kept';
        gone();
        return { ref: file, token: keptBase, bytes: (await lstat(temp)).size };
      },
      discard: async () => {
        if (state === 'committed') return;
        if (state === 'open') await whenClosed();
        state = 'aborted';
        await rm(temp, { force: true });
        gone();
      },
    };
  }

  /** A file an earlier attempt kept (`keep`): there, a regular file of exactly the bytes it had; else undefined. */
  async resumeStaged(kept: KeptFile): Promise<StagedFile | undefined> {
    if (!isKeptName(kept.token)) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${kept.token}" is not the name of a dmgw temp file`, { field: 'location' });
    const segments = this.root.segments(kept.ref.path);
    const base = segments.pop();
    if (!base || !kept.token.startsWith(`.${base}.`)) return undefined;
    const dir = await this.root.real(segments.join('/')).catch(missing);
    const temp = dir && join(dir, kept.token);
    const s = temp ? await lstat(temp).catch(missing) : undefined;
    if (!dir || !temp || !s?.isFile() || s.size !== kept.bytes) return undefined;
    const final = join(dir, base);
    let state: 'kept' | 'committed' | 'aborted' = 'kept';
    return {
      ref: kept.ref,
      stream: new PassThrough().end(),
      readStaged: () => Readable.from(this.readChecked(temp, kept.ref.path), { objectMode: false }),
      commit: async () => {
        if (state !== 'kept') throw new Error(`staged file ${kept.ref.path} is ${state}`);
        if ((await realpath(dir)) !== dir) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${kept.ref.path}" leaves the root folder of linked service ${this.linkedService} (its folder changed while it was written)`, { field: 'location' });
        await rename(temp, final);
        state = 'committed';
      },
      abort: async () => undefined,
      discard: async () => {
        if (state !== 'kept') return;
        state = 'aborted';
        await rm(temp, { force: true });
      },
    };
  }

  private async *readChecked(real: string, path: string): AsyncGenerator<Buffer> {
    yield* (await this.root.openChecked(real, path, constants.O_RDONLY)).createReadStream({ highWaterMark: CHUNK_BYTES });
  }

  /** A temp file a killed worker left: resolved inside the allowed root like any path, and only a dmgw temp file. */
  async removeLeftover(thing: StagedThing): Promise<string | undefined> {
    if (thing.kind !== 'temp-file') return undefined;
    if (!isTempName(thing.temp)) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${thing.temp}" is not the name of a dmgw temp file`, { field: 'location' });
    const dir = await this.root.real(thing.folder).catch(missing);
    const path = dir && join(dir, thing.temp);
    if (!path || !(await lstat(path).catch(missing))?.isFile()) return undefined;
    await rm(path, { force: true });
    return describeThing(thing);
  }

  /** ISO 8601 to the second, as ADF's GetMetadata shows times */
  private static iso(d: Date): string {
    return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  async stat(location: FileLocation): Promise<ItemInfo | undefined> {
    this.checkLocation(location);
    const path = joinPath(location.folderPath, location.fileName);
    if (path.endsWith(TEMP_SUFFIX)) return undefined;
    const real = await this.root.real(path).catch(missing);
    const s = real && (await stat(real).catch(missing));
    if (!s || !(s.isFile() || s.isDirectory())) return undefined;
    return {
      itemType: s.isFile() ? 'File' : 'Folder',
      itemName: path ? basename(path) : basename(this.root.path),
      ...(s.isFile() ? { size: s.size } : {}),
      lastModified: FileServerConnector.iso(s.mtime),
      created: FileServerConnector.iso(s.birthtimeMs ? s.birthtime : s.ctime),
    };
  }

  /** The folder's files and folders; like a listing, no symbolic link, protected folder or temp file is shown. */
  async children(location: FileLocation): Promise<ChildItem[]> {
    this.checkLocation(location);
    const real = await this.root.real(joinPath(location.folderPath, location.fileName)).catch(missing);
    if (!real || !(await stat(real)).isDirectory()) return [];
    const out: ChildItem[] = [];
    for (const e of await readdir(real, { withFileTypes: true })) {
      if (e.isFile() && !e.name.endsWith(TEMP_SUFFIX)) out.push({ name: e.name, type: 'File' });
      else if (e.isDirectory() && (await this.root.enterable(join(real, e.name)))) out.push({ name: e.name, type: 'Folder' });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Removes the empty folders below the folder at `location`, deepest first, and the folder itself — never the
   * host. rmdir only: a folder that still holds anything (a file written meanwhile) stays. No link is followed.
   */
  async removeEmptyFolders(location: FileLocation): Promise<number> {
    this.checkLocation(location);
    const top = await this.root.real(joinPath(location.folderPath)).catch(missing);
    if (!top || !(await stat(top)).isDirectory()) return 0;
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const child = join(dir, e.name);
        if (e.isDirectory() && (await this.root.enterable(child))) await sweep(child);
      }
      if (dir === this.root.path) return;
      await rmdir(dir).then(
        () => removed++,
        (e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'ENOENT') throw e;
        },
      );
    };
    await sweep(top);
    return removed;
  }

  async remove(file: FileRef): Promise<void> {
    const segments = this.root.segments(file.path);
    const base = segments.pop();
    const dir = base && (await this.root.real(segments.join('/')).catch(missing));
    if (dir) await rm(join(dir, base), { force: true });
  }
}
