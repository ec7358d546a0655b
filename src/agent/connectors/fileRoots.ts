/**
 * Where a FileServer linked service may read and write on the gateway machine: only below the folders the node's
 * operator allows (`dmgw config set fileSystem.allowedRoots A,B`, read from the node's own home, never from a job),
 * never inside a gateway home or a service data folder (common/protectedFolder.ts), and never out of its own host.
 *
 * - The host must resolve (realpath) to a folder inside an allowed root; every path below it — folder, file name,
 *   wildcard start, write target — is normalised as text (`..` may not climb above the host, absolute names are
 *   refused), then resolved with realpath and must stay inside the resolved host: a symbolic link may lead elsewhere
 *   inside it, never out of it; a loop is refused.
 * - A write target's folder: realpath of its deepest existing ancestor, then each missing folder is made and
 *   resolved again.
 * - Between the check and the open a folder could be swapped for a link: files are opened with O_NOFOLLOW and, on
 *   Linux, the real path of the opened descriptor (/proc/self/fd) is checked again, so what was opened is what was
 *   allowed. Elsewhere the realpath check alone stands.
 */
import { constants, realpathSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DmgwError } from '../../common/errors.js';
import { isProtectedFolder, isWithin, protectedAncestor } from '../../common/protectedFolder.js';
import type { GatewayHome } from '../config/home.js';
import { readSettings } from '../config/settings.js';

export interface FileAccess {
  /** the allowed roots as the operator set them; none = no file access */
  roots: string[];
  /** folders closed even without their marker: the node's own home */
  closed: string[];
}

/** The node's file access, from its home's settings. */
export function fileAccessOf(home: GatewayHome): FileAccess {
  const roots = readSettings(home)['fileSystem.allowedRoots'];
  return { roots: roots ? roots.split(',') : [], closed: [realOrSelf(home.root)] };
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const ABSOLUTE = /^([\\/]|[A-Za-z]:)/;

/** A linked service's host, resolved and allowed; every path of the connector goes through it. */
export class FileRoot {
  private constructor(
    readonly linkedService: string,
    /** the host's real path */
    readonly path: string,
    private readonly closed: string[],
  ) {}

  /** Refuses a host outside the allowed roots, inside a protected folder, or that is no folder. */
  static open(linkedService: string, host: string, access: FileAccess, file?: string): FileRoot {
    const place = { file, field: 'properties.typeProperties.host' };
    if (!access.roots.length) {
      throw new DmgwError('FILE_ROOTS_NONE', `linked service ${linkedService}: this gateway allows pipelines no folder of its machine (its setting fileSystem.allowedRoots is not set)`, place, "the gateway's operator opens folders with `dmgw config set fileSystem.allowedRoots DIR[,DIR...]` on the gateway machine");
    }
    if (!ABSOLUTE.test(host)) throw new DmgwError('FILESERVER_HOST', `linked service ${linkedService}: its host "${host}" is not an absolute folder`, place, 'set "host" to an absolute path, e.g. /data/exports');
    const allowed = access.roots.map(realOrUndefined).filter((r): r is string => !!r);
    const outside = () => new DmgwError('PATH_OUTSIDE_ROOT', `linked service ${linkedService}: its host "${host}" is outside the folders this gateway allows`, place, `use a host inside ${access.roots.join(', ')}, or ask the gateway's operator to allow it (dmgw config set fileSystem.allowedRoots)`);
    let real: string;
    try {
      real = realpathSync.native(host);
    } catch (e) {
      // outside the roots, whether it exists is none of the pipeline's business
      if (!allowed.some((r) => isWithin(resolve(host), r))) throw outside();
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new DmgwError('PATH_OUTSIDE_ROOT', `linked service ${linkedService}: its host "${host}" goes through a symbolic link loop`, place);
      throw new DmgwError('FILESERVER_HOST', `linked service ${linkedService}: its host folder ${host} does not exist on this gateway machine`, place, 'create it or fix "host"');
    }
    if (!allowed.some((r) => isWithin(real, r))) throw outside();
    if (!statSync(real).isDirectory()) throw new DmgwError('FILESERVER_HOST', `linked service ${linkedService}: its host ${host} is not a folder`, place, 'set "host" to the folder the dataset paths are relative to');
    const root = new FileRoot(linkedService, real, access.closed);
    root.checkOpen(real, `its host "${host}"`);
    return root;
  }

  /** A store path (`folder/name`) as segments below the host: absolute names and `..` above it refused. */
  segments(path: string): string[] {
    if (ABSOLUTE.test(path)) throw new DmgwError('PATH_OUTSIDE_ROOT', `"${path}" is an absolute path: the paths of linked service ${this.linkedService} are relative to its host`, { field: 'location' }, 'write folderPath and fileName relative to the host folder');
    const out: string[] = [];
    for (const s of path.split(/[\\/]+/)) {
      if (!s || s === '.') continue;
      if (s !== '..') out.push(s);
      else if (!out.pop()) throw this.outside(path, 'above it');
    }
    return out;
  }

  /**
   * The real path of an existing `path` below the host, checked; ENOENT/ENOTDIR errors pass through — after the part
   * that exists was checked too, so that a missing file behind a link out tells nothing about what is out there.
   */
  async real(path: string): Promise<string> {
    const segments = this.segments(path);
    let real: string;
    try {
      real = await realpath(join(this.path, ...segments));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw this.loop(path);
      if (code === 'ENOENT' || code === 'ENOTDIR') await this.deepestExisting(segments, path);
      throw e;
    }
    this.checkInside(real, path);
    return real;
  }

  /** The real folder `dir` below the host for writing, made when missing, each made folder resolved again. */
  async folderForWrite(dir: string[], display: string): Promise<string> {
    const existing = await this.deepestExisting(dir, display);
    let real = existing.real;
    for (const name of existing.missing) {
      const next = join(real, name);
      await mkdir(next).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      // EEXIST: made meanwhile, or a (dangling) symbolic link: resolve it like any other path
      real = await realpath(next).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'ELOOP' ? this.loop(display) : e.code === 'ENOENT' ? this.outside(display, 'through a symbolic link that leads nowhere') : e;
      });
      this.checkInside(real, display);
    }
    return real;
  }

  /**
   * The real path of the longest part of `segments` that exists, checked, and the names below it that do not. A part
   * that is there but does not resolve is a dangling link: where it leads is unknown, so it counts as out.
   */
  private async deepestExisting(segments: string[], display: string): Promise<{ real: string; missing: string[] }> {
    for (let n = segments.length; ; n--) {
      const path = join(this.path, ...segments.slice(0, n));
      const real = await realpath(path).catch(async (e: NodeJS.ErrnoException): Promise<string | undefined> => {
        if (e.code === 'ELOOP') throw this.loop(display);
        if ((e.code !== 'ENOENT' && e.code !== 'ENOTDIR') || n === 0) throw e;
        const there = e.code === 'ENOENT' ? await lstat(path).catch(() => undefined) : undefined;
        if (there?.isSymbolicLink()) throw this.outside(display, 'through a symbolic link that leads nowhere');
        // made meanwhile (another partition writing to the same folder): resolve it now
        return there ? realpath(path) : undefined;
      });
      if (real === undefined) continue;
      this.checkInside(real, display);
      return { real, missing: segments.slice(n) };
    }
  }

  /** Opens the checked real path `real` (`path` in messages) with `flags`, and makes sure it is what was opened. */
  async openChecked(real: string, path: string, flags: number, mode?: number): Promise<FileHandle> {
    const handle = await open(real, flags | NOFOLLOW, mode).catch((e: NodeJS.ErrnoException) => {
      // the last part became a symbolic link after the check
      throw e.code === 'ELOOP' ? this.outside(path, 'through a symbolic link') : e;
    });
    const opened = await openedPath(handle);
    if (opened !== undefined && opened !== real) {
      await handle.close();
      throw this.outside(path, 'through a folder that changed while it was opened');
    }
    return handle;
  }

  /** Whether a listing may enter the real folder `real`: never a protected one, a link, or one outside the host. */
  async enterable(real: string): Promise<boolean> {
    if (isProtectedFolder(real) || this.closed.includes(real)) return false;
    const now = await realpath(real).catch(() => undefined);
    return now === real && isWithin(now, this.path);
  }

  /** Refuses `real` (the resolution of `path`) unless it is inside the host and not protected. */
  checkInside(real: string, path: string): void {
    if (!isWithin(real, this.path)) throw this.outside(path, 'through a symbolic link');
    this.checkOpen(real, `"${path}"`);
  }

  /** `what` names the path in the message: `its host "/x"`, `"folder/name"`. */
  private checkOpen(real: string, what: string): void {
    const closed = this.closed.find((c) => isWithin(real, c)) ?? protectedAncestor(real);
    if (closed) throw new DmgwError('PATH_PROTECTED', `linked service ${this.linkedService}: ${what} is inside a gateway home or service data folder, which no pipeline may read or write`, { field: 'location' }, 'copy from and to folders that hold data only');
  }

  private outside(path: string, how: string): DmgwError {
    return new DmgwError('PATH_OUTSIDE_ROOT', `"${path}" leaves the root folder of linked service ${this.linkedService} (${how})`, { field: 'location' }, 'use a path inside the host folder');
  }

  private loop(path: string): DmgwError {
    return new DmgwError('PATH_OUTSIDE_ROOT', `"${path}" of linked service ${this.linkedService} goes through a symbolic link loop`, { field: 'location' }, 'fix or remove the link');
  }
}

/** The real path of an open file (Linux: /proc/self/fd); undefined where that cannot be known. */
async function openedPath(handle: FileHandle): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  return readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

function realOrSelf(path: string): string {
  return realOrUndefined(path) ?? resolve(path);
}
