/**
 * The path resolver of the file system connector (connectors/fileRoots.ts) on real folders and links: which hosts a
 * node allows, how store paths are normalised and resolved, folders made for a write, protected folders, and the
 * race between a check and an open (a folder or file swapped for a link in between), simulated by swapping by hand.
 */
import { constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayHome } from '../../../../src/agent/config/home.js';
import { writeSetting } from '../../../../src/agent/config/settings.js';
import { fileAccessOf, FileRoot, type FileAccess } from '../../../../src/agent/connectors/fileRoots.js';
import { FileServerConnector } from '../../../../src/agent/connectors/fileServer.js';
import { markProtected, PROTECTED_MARKER } from '../../../../src/common/protectedFolder.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'dmgw-fileroot-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
/** a fresh folder layout: allowed/{data/in.csv, sub/}, outside/secret.csv */
function layout() {
  const dir = join(base, `t${++n}`);
  const allowed = join(dir, 'allowed');
  const outside = join(dir, 'outside');
  for (const d of [join(allowed, 'data'), join(allowed, 'sub'), outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(allowed, 'data', 'in.csv'), 'a\n');
  writeFileSync(join(outside, 'secret.csv'), 'secret\n');
  const access: FileAccess = { roots: [allowed], closed: [] };
  return { dir, allowed, outside, access, root: FileRoot.open('Files', allowed, access) };
}
const code = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('FileRoot.open: the host', () => {
  it('no roots, a relative host, a host outside the roots (existing or not), a file: refused with their codes', async () => {
    const { allowed, outside, access } = layout();
    expect(await code(() => FileRoot.open('Files', allowed, { roots: [], closed: [] }))).toBe('FILE_ROOTS_NONE');
    expect(await code(() => FileRoot.open('Files', 'allowed/data', access))).toBe('FILESERVER_HOST');
    expect(await code(() => FileRoot.open('Files', outside, access))).toBe('PATH_OUTSIDE_ROOT');
    expect(await code(() => FileRoot.open('Files', '/', access))).toBe('PATH_OUTSIDE_ROOT');
    // whether a folder outside exists is not told
    expect(await code(() => FileRoot.open('Files', join(outside, 'nope'), access))).toBe('PATH_OUTSIDE_ROOT');
    expect(await code(() => FileRoot.open('Files', join(allowed, 'nope'), access))).toBe('FILESERVER_HOST');
    expect(await code(() => FileRoot.open('Files', join(allowed, 'data', 'in.csv'), access))).toBe('FILESERVER_HOST');
    expect(await code(() => FileRoot.open('Files', `${allowed}/../outside`, access))).toBe('PATH_OUTSIDE_ROOT');
  });

  it('roots and hosts are compared as real paths: a root given through a link, a host that is a link into a root', () => {
    const { dir, allowed, outside, access } = layout();
    symlinkSync(allowed, join(dir, 'root-link'));
    expect(FileRoot.open('Files', join(allowed, 'data'), { roots: [join(dir, 'root-link')], closed: [] }).path).toBe(join(allowed, 'data'));
    symlinkSync(join(allowed, 'data'), join(dir, 'host-link'));
    expect(FileRoot.open('Files', join(dir, 'host-link'), access).path).toBe(join(allowed, 'data'));
    symlinkSync(outside, join(allowed, 'out-link'));
    expect(() => FileRoot.open('Files', join(allowed, 'out-link'), access)).toThrow(/its host ".*out-link" is outside the folders this gateway allows/);
    // a root that is a prefix of another folder's name does not open it
    mkdirSync(`${allowed}-2`);
    expect(() => FileRoot.open('Files', `${allowed}-2`, access)).toThrow(/outside/);
  });

  it('a host inside a folder with the marker, or inside the node\'s own home without it: PATH_PROTECTED', () => {
    const { allowed, access } = layout();
    const home = new GatewayHome(join(allowed, 'home'));
    home.ensure(home.logsDir);
    expect(readFileSync(join(home.root, PROTECTED_MARKER), 'utf8')).toMatch(/^gateway home: no pipeline may read or write this folder/);
    expect(() => FileRoot.open('Files', home.logsDir, access)).toThrow(expect.objectContaining({ code: 'PATH_PROTECTED' }));
    rmSync(join(home.root, PROTECTED_MARKER));
    expect(FileRoot.open('Files', home.logsDir, access).path).toBe(home.logsDir);
    expect(() => FileRoot.open('Files', home.logsDir, { ...access, closed: [home.root] })).toThrow(expect.objectContaining({ code: 'PATH_PROTECTED' }));
  });
});

describe('FileRoot: paths below the host', () => {
  it('segments: `.`, empty parts and `..` inside are normalised; `..` above and absolute names are refused', async () => {
    const { root } = layout();
    expect(root.segments('a/./b//c/')).toEqual(['a', 'b', 'c']);
    expect(root.segments('a\\b')).toEqual(['a', 'b']);
    expect(root.segments('a/../b')).toEqual(['b']);
    for (const bad of ['..', '../x', 'a/../../x', '/etc/passwd', '\\\\server\\share', 'C:\\Windows', 'c:/x']) expect(await code(() => root.segments(bad)), bad).toBe('PATH_OUTSIDE_ROOT');
  });

  it('real: a link inside the host is followed; a link out (to something missing, too), a dangling link, a loop and a link to a protected folder are refused; missing passes ENOENT', async () => {
    const { allowed, outside, root } = layout();
    symlinkSync(join(allowed, 'data'), join(allowed, 'sub', 'to-data'));
    expect(await root.real('sub/to-data/in.csv')).toBe(join(allowed, 'data', 'in.csv'));
    symlinkSync(outside, join(allowed, 'out'));
    await expect(root.real('out/secret.csv')).rejects.toThrow(/"out\/secret\.csv" leaves the root folder of linked service Files \(through a symbolic link\)/);
    symlinkSync(join(allowed, 'loop'), join(allowed, 'loop'));
    await expect(root.real('loop/x')).rejects.toThrow(/symbolic link loop/);
    mkdirSync(join(allowed, 'svc'));
    markProtected(join(allowed, 'svc'), 'factory service data folder');
    writeFileSync(join(allowed, 'svc', 'master.key'), 'k');
    symlinkSync(join(allowed, 'svc'), join(allowed, 'data', 'svc-link'));
    expect(await code(root.real('data/svc-link/master.key'))).toBe('PATH_PROTECTED');
    expect(await code(root.real('svc/master.key'))).toBe('PATH_PROTECTED');
    expect(await code(root.real('data/nope.csv'))).toBe('ENOENT');
    expect(await code(root.real('data/in.csv/below'))).toBe('ENOTDIR');
    // missing behind a link out, or behind a dangling link: out all the same (no probing of what exists out there)
    expect(await code(root.real('out/nope.csv'))).toBe('PATH_OUTSIDE_ROOT');
    symlinkSync(join(outside, 'not-there'), join(allowed, 'dangling'));
    expect(await code(root.real('dangling/x.csv'))).toBe('PATH_OUTSIDE_ROOT');
  });

  it('folderForWrite: makes missing folders, through links inside the host; refuses a link out, a dangling link and a loop, making nothing outside', async () => {
    const { allowed, outside, root } = layout();
    expect(await root.folderForWrite(['a', 'b', 'c'], 'a/b/c/x.csv')).toBe(join(allowed, 'a', 'b', 'c'));
    symlinkSync(join(allowed, 'a'), join(allowed, 'to-a'));
    expect(await root.folderForWrite(['to-a', 'new'], 'to-a/new/x.csv')).toBe(join(allowed, 'a', 'new'));
    symlinkSync(outside, join(allowed, 'out'));
    expect(await code(root.folderForWrite(['out', 'made'], 'out/made/x.csv'))).toBe('PATH_OUTSIDE_ROOT');
    expect(existsSync(join(outside, 'made'))).toBe(false);
    symlinkSync(join(outside, 'not-yet'), join(allowed, 'dangling'));
    await expect(root.folderForWrite(['dangling', 'x'], 'dangling/x/y.csv')).rejects.toThrow(/leads nowhere/);
    expect(existsSync(join(outside, 'not-yet'))).toBe(false);
    symlinkSync(join(allowed, 'l2'), join(allowed, 'l1'));
    symlinkSync(join(allowed, 'l1'), join(allowed, 'l2'));
    await expect(root.folderForWrite(['l1', 'x'], 'l1/x/y.csv')).rejects.toThrow(/symbolic link loop/);
  });

  it('folderForWrite and real, many at once into one new folder (parallel partitions): all succeed, none sees a dangling link', async () => {
    const { allowed, root } = layout();
    for (let round = 0; round < 200; round++) {
      const dir = ['p', `r${round}`, 'x', 'y'];
      const made = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? root.folderForWrite(dir, 'p/x.csv') : root.real(dir.join('/')).catch((e: { code?: string }) => (e.code === 'ENOENT' ? join(allowed, ...dir) : Promise.reject(e))))));
      expect(new Set(made)).toEqual(new Set([join(allowed, ...dir)]));
    }
  });

  it('openChecked: a file swapped for a link after the check, or a folder swapped for a link, is refused (the race)', async () => {
    const { allowed, outside, root } = layout();
    const checked = await root.real('data/in.csv');
    // the file itself became a link to a secret after the check: O_NOFOLLOW refuses it
    rmSync(checked);
    symlinkSync(join(outside, 'secret.csv'), checked);
    await expect(root.openChecked(checked, 'data/in.csv', constants.O_RDONLY)).rejects.toThrow(/leaves the root folder/);
    // the folder became a link after the check: the opened file's real path (Linux /proc/self/fd) gives it away
    writeFileSync(join(allowed, 'sub', 'in.csv'), 'b\n');
    const checked2 = await root.real('sub/in.csv');
    renameSync(join(allowed, 'sub'), join(allowed, 'sub-moved'));
    writeFileSync(join(outside, 'in.csv'), 'secret\n');
    symlinkSync(outside, join(allowed, 'sub'));
    if (process.platform === 'linux') await expect(root.openChecked(checked2, 'sub/in.csv', constants.O_RDONLY)).rejects.toThrow(/changed while it was opened/);
  });

  it('enterable: not a protected folder, not the node home, not a folder swapped for a link', async () => {
    const { allowed, outside } = layout();
    const root = FileRoot.open('Files', allowed, { roots: [allowed], closed: [join(allowed, 'sub')] });
    expect(await root.enterable(join(allowed, 'data'))).toBe(true);
    expect(await root.enterable(join(allowed, 'sub'))).toBe(false);
    markProtected(join(allowed, 'data'), 'gateway home');
    expect(await root.enterable(join(allowed, 'data'))).toBe(false);
    mkdirSync(join(allowed, 'plain'));
    rmSync(join(allowed, 'plain'), { recursive: true });
    symlinkSync(outside, join(allowed, 'plain'));
    expect(await root.enterable(join(allowed, 'plain'))).toBe(false);
  });
});

describe('FileServerConnector with a FileRoot', () => {
  const ls = (host: string) => ({ name: 'Files', properties: { type: 'FileServer', typeProperties: { host } } });

  it("reads the node's roots from its home; a listing skips links (inside or out) and enters no protected folder", async () => {
    const { allowed, outside } = layout();
    const home = new GatewayHome(join(allowed, 'home'));
    writeSetting(home, 'fileSystem.allowedRoots', allowed);
    writeFileSync(join(home.root, 'inside-home.csv'), 'home\n');
    symlinkSync(outside, join(allowed, 'data', 'out'));
    symlinkSync(join(allowed, 'sub'), join(allowed, 'data', 'to-sub'));
    writeFileSync(join(allowed, 'sub', 'sub.csv'), 'sub\n');
    const access = fileAccessOf(home);
    expect(access).toEqual({ roots: [allowed], closed: [home.root] });
    const conn = new FileServerConnector(ls(allowed) as never, access);
    const all = await conn.list({}, { wildcardFolderPath: '*', wildcardFileName: '*.csv', recursive: true });
    expect(all.map((f) => f.path)).toEqual(['data/in.csv', 'sub/sub.csv']);
    // a named folder may go through a link that stays inside the host
    expect((await conn.list({ folderPath: 'data/to-sub' }, {})).map((f) => f.path)).toEqual(['data/to-sub/sub.csv']);
    expect(await code(conn.list({ folderPath: 'data/out' }, {}))).toBe('PATH_OUTSIDE_ROOT');
    expect(await code(conn.list({ folderPath: 'home' }, {}))).toBe('PATH_PROTECTED');
  });

  it('a staged file whose folder is swapped for a link before commit is not committed there', async () => {
    const { allowed, outside, access } = layout();
    const conn = new FileServerConnector(ls(allowed) as never, access);
    const staged = await conn.stage({ path: 'out/x.csv' });
    await new Promise<void>((res, rej) => staged.stream.end('data\n', () => res()).once('error', rej));
    renameSync(join(allowed, 'out'), join(allowed, 'out-moved'));
    symlinkSync(outside, join(allowed, 'out'));
    await expect(staged.commit()).rejects.toThrow(/changed while it was written/);
    expect(readdirSync(outside)).toEqual(['secret.csv']);
    await staged.abort();
  });
});
