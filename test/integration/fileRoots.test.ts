/**
 * The gateway machine's own files, attacked through a factory's FileServer linked services with the built CLI
 * (`dmgw run`, a FileServer source, a FileServer sink): `/`, the gateway home, `..`, absolute names, symlinks out,
 * symlink loops, a wildcard through a symlink, a sink write through a symlink. Each run must fail with the code and
 * message that say why, and neither the planted secrets (a line of the gateway's private key, a file outside the
 * allowed roots, the service's keys) arrive at the sink nor any byte lands outside the allowed roots.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, type CliResult } from '../support/builtCli.js';
import { startTestService, tempDir } from '../support/factoryService.js';
import { allowFileRoots } from '../support/gatewayHome.js';
import type { RunningService } from '../../src/service/service.js';

const base = realpathSync(tempDir('dmgw-fileroots'));
/** the node's gateway home (DMGW_HOME of every run) */
const home = join(base, 'home');
/** another gateway's home on the same machine */
const otherHome = join(base, 'other-home');
/** what the node's operator opens for reading and for writing */
const root = join(base, 'root');
const sinkRoot = join(base, 'sink');
/** never opened */
const outside = join(base, 'outside');
const SECRET = `outside-secret-${Math.random().toString(36).slice(2)}`;
const PUBLIC = `public-${Math.random().toString(36).slice(2)}`;
const outputs: string[] = [];
let keyDir: string;
let keyLine: string;
let serviceKeyLine: string;
let otherKeyLine: string;
let svc: RunningService | undefined;

const dmgw = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
  const r = await runCli(args, { env: { ...process.env, DMGW_HOME: home, ...env } });
  outputs.push(r.stdout, r.stderr);
  return r;
};

/** Paths below `dir` (relative, sorted), symlinks listed but not followed (Node's recursive readdir follows them). */
function filesIn(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => [join(rel, e.name), ...(e.isDirectory() ? filesIn(dir, join(rel, e.name)) : [])])
    .sort();
}
/** Every regular file under `dir` (symlinks not followed), as text. */
const allText = (dir: string): string => filesIn(dir).filter((f) => lstatSync(join(dir, f)).isFile()).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');

interface Ends {
  host: string;
  folderPath?: string;
  fileName?: string;
  store?: Record<string, unknown>;
}
let runs = 0;
/** Copies what `src` selects (DelimitedText, no header: a PEM file is one column of lines) to `sink` with `dmgw run`. */
async function copy(src: Ends, sink: Partial<Ends> = {}) {
  const dir = tempDir('dmgw-fileroots-factory');
  const put = (kind: string, name: string, properties: Record<string, unknown>) => {
    mkdirSync(join(dir, kind), { recursive: true });
    writeFileSync(join(dir, kind, `${name}.json`), JSON.stringify({ name, properties }));
  };
  const ls = (name: string) => ({ referenceName: name, type: 'LinkedServiceReference' });
  const ds = (name: string) => ({ referenceName: name, type: 'DatasetReference' });
  put('linkedService', 'Src', { type: 'FileServer', typeProperties: { host: src.host } });
  put('linkedService', 'Out', { type: 'FileServer', typeProperties: { host: sink.host ?? sinkRoot } });
  put('dataset', 'In', { type: 'DelimitedText', linkedServiceName: ls('Src'), typeProperties: { location: { type: 'FileServerLocation', folderPath: src.folderPath, fileName: src.fileName }, firstRowAsHeader: false } });
  put('dataset', 'Copied', { type: 'DelimitedText', linkedServiceName: ls('Out'), typeProperties: { location: { type: 'FileServerLocation', folderPath: sink.folderPath ?? `run${++runs}`, fileName: sink.fileName ?? 'copy.csv' }, firstRowAsHeader: false } });
  put('pipeline', 'Copy', { activities: [{ name: 'Copy', type: 'Copy', inputs: [ds('In')], outputs: [ds('Copied')], typeProperties: { source: { type: 'DelimitedTextSource', storeSettings: { type: 'FileServerReadSettings', ...src.store } }, sink: { type: 'DelimitedTextSink' } } }] });
  const r = await dmgw(['run', '-f', dir, '-p', 'Copy', '--json']);
  rmSync(dir, { recursive: true, force: true });
  const result = JSON.parse(r.stdout || '{}') as { status?: string; activities?: Array<{ error?: { code: string; message: string; hint?: string }; output?: { files?: string[] } }> };
  return { ...r, status: result.status, error: result.activities?.[0]?.error, output: result.activities?.[0]?.output };
}

/** The run failed with `code`, and nothing secret reached the sink, the output or a place outside the roots. */
function refused(r: Awaited<ReturnType<typeof copy>>, code: string, message?: RegExp) {
  expect(r.status, r.stdout + r.stderr).toBe('Failed');
  expect(r.error?.code, r.error?.message).toBe(code);
  if (message) expect(r.error!.message).toMatch(message);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  noLeak();
}
function noLeak() {
  const sunk = allText(sinkRoot);
  expect(sunk).not.toContain(keyLine);
  expect(sunk).not.toContain(SECRET);
  expect(sunk).not.toContain(serviceKeyLine);
  expect(sunk).not.toContain(otherKeyLine);
  expect(filesIn(outside)).toEqual(['deep', 'deep/secret.txt', 'secret.csv']);
  expect(outputs.join('\n')).not.toContain(keyLine);
  expect(outputs.join('\n')).not.toContain(SECRET);
}

beforeAll(async () => {
  ensureBuilt();
  for (const d of [root, sinkRoot, join(outside, 'deep'), join(root, 'in')]) mkdirSync(d, { recursive: true });
  expect((await dmgw(['cert', 'new'])).code).toBe(0);
  expect((await dmgw(['cert', 'new'], { DMGW_HOME: otherHome })).code).toBe(0);
  keyDir = join(home, 'certificates', readFileSync(join(home, 'certificates', 'current'), 'utf8').trim());
  keyLine = readFileSync(join(keyDir, 'private-key.pem'), 'utf8').split(/\r?\n/)[1]!;
  otherKeyLine = readFileSync(join(otherHome, 'certificates', readFileSync(join(otherHome, 'certificates', 'current'), 'utf8').trim(), 'private-key.pem'), 'utf8').split(/\r?\n/)[1]!;
  writeFileSync(join(root, 'in', 'orders.csv'), '1,first\n2,second\n');
  writeFileSync(join(root, 'public.pem'), `${PUBLIC}\n`);
  writeFileSync(join(outside, 'secret.csv'), `${SECRET}\n`);
  writeFileSync(join(outside, 'deep', 'secret.txt'), `${SECRET}\n`);
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(home, join(root, 'homelink'));
  symlinkSync(join(root, 'loop2'), join(root, 'loop1'));
  symlinkSync(join(root, 'loop1'), join(root, 'loop2'));
  symlinkSync(outside, join(sinkRoot, 'escape'));
  symlinkSync(join(sinkRoot, 'loopb'), join(sinkRoot, 'loopa'));
  symlinkSync(join(sinkRoot, 'loopa'), join(sinkRoot, 'loopb'));
  svc = await startTestService({ dataDir: join(base, 'service') });
  serviceKeyLine = readFileSync(join(base, 'service', 'tls', 'service.key.pem'), 'utf8').split(/\r?\n/)[1]!;
}, 60_000);
afterAll(async () => {
  await svc?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('FileServer: the gateway machine\'s files stay closed unless its operator opens them (built CLI)', () => {
  beforeEach(() => allowFileRoots(home, root, sinkRoot));

  it('no allowed roots: every file access fails, naming the setting and the linked service', async () => {
    allowFileRoots(home);
    const r = await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' });
    refused(r, 'FILE_ROOTS_NONE', /linked service Src/);
    expect(r.error!.hint).toContain('dmgw config set fileSystem.allowedRoots');
    expect(filesIn(sinkRoot)).toEqual(['escape', 'loopa', 'loopb']);
  });

  it('an allowed root copies (the roots the operator set are open)', async () => {
    const r = await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: 'ok' });
    expect([r.status, r.error]).toEqual(['Succeeded', undefined]);
    expect(readFileSync(join(sinkRoot, 'ok', 'copy.csv'), 'utf8')).toBe('1,first\n2,second\n');
  });

  it('host "/": refused, the private key never reaches the sink', async () => {
    refused(await copy({ host: '/', folderPath: keyDir.slice(1), fileName: 'private-key.pem' }), 'PATH_OUTSIDE_ROOT', /linked service Src: its host "\/" is outside the folders this gateway allows/);
  });

  it('host = the gateway home, even inside an allowed root: refused; certificates/*/private-key.pem never reaches the sink', async () => {
    allowFileRoots(home, base);
    const thumb = keyDir.slice(keyDir.lastIndexOf('/') + 1);
    refused(await copy({ host: home, folderPath: `certificates/${thumb}`, fileName: 'private-key.pem' }), 'PATH_PROTECTED', /gateway home or service data folder/);
    refused(await copy({ host: base, folderPath: `home/certificates/${thumb}`, fileName: 'private-key.pem' }), 'PATH_PROTECTED');
    // through a link from another allowed folder: out of that host first of all
    refused(await copy({ host: root, folderPath: `homelink/certificates/${thumb}`, fileName: 'private-key.pem' }), 'PATH_OUTSIDE_ROOT');
    refused(await copy({ host: join(home, 'certificates'), store: { wildcardFileName: '*.pem', recursive: true } }), 'PATH_PROTECTED');
    // its marker deleted: the node's own home stays closed all the same
    rmSync(join(home, '.dmgw-protected'));
    refused(await copy({ host: home, folderPath: `certificates/${thumb}`, fileName: 'private-key.pem' }), 'PATH_PROTECTED');
    writeFileSync(join(home, '.dmgw-protected'), 'restored by the test\n');
  });

  it("another gateway's home and the service's data folder are closed too, and a recursive listing never enters them", async () => {
    allowFileRoots(home, base);
    const other = readFileSync(join(otherHome, 'certificates', 'current'), 'utf8').trim();
    refused(await copy({ host: otherHome, folderPath: `certificates/${other}`, fileName: 'private-key.pem' }), 'PATH_PROTECTED');
    refused(await copy({ host: join(base, 'service'), folderPath: 'tls', fileName: 'service.key.pem' }), 'PATH_PROTECTED');
    // every *.pem under the allowed root: only the public one (the homes, the service folder and symlinks are not entered)
    const r = await copy({ host: base, store: { wildcardFolderPath: '*', wildcardFileName: '*.pem', recursive: true } }, { folderPath: 'listing' });
    expect([r.status, r.error]).toEqual(['Succeeded', undefined]);
    expect(readFileSync(join(sinkRoot, 'listing', 'copy.csv'), 'utf8')).toBe(`${PUBLIC}\n`);
    noLeak();
  });

  it('`..`: in the host, the folder or the sink folder, refused', async () => {
    refused(await copy({ host: `${root}/../outside`, fileName: 'secret.csv' }), 'PATH_OUTSIDE_ROOT');
    refused(await copy({ host: root, folderPath: '../outside', fileName: 'secret.csv' }), 'PATH_OUTSIDE_ROOT', /"\.\.\/outside" leaves the root folder of linked service Src/);
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: '../outside' }), 'PATH_OUTSIDE_ROOT');
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: 'x', fileName: '../../outside/pwned.csv' }), 'PATH_OUTSIDE_ROOT');
  });

  it('absolute folder and file names, read or written, refused (never quietly re-rooted)', async () => {
    refused(await copy({ host: root, folderPath: outside, fileName: 'secret.csv' }), 'PATH_OUTSIDE_ROOT', /absolute/);
    refused(await copy({ host: root, fileName: join(outside, 'secret.csv') }), 'PATH_OUTSIDE_ROOT', /absolute/);
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: outside }), 'PATH_OUTSIDE_ROOT');
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: '', fileName: join(outside, 'pwned.csv') }), 'PATH_OUTSIDE_ROOT');
    expect(filesIn(sinkRoot).filter((f) => f.includes('outside'))).toEqual([]);
  });

  it('a symlink out of the root: refused for a folder and a file name', async () => {
    refused(await copy({ host: root, folderPath: 'escape', fileName: 'secret.csv' }), 'PATH_OUTSIDE_ROOT', /"escape\/secret\.csv" leaves the root folder of linked service Src .*symbolic link/);
    symlinkSync(join(outside, 'secret.csv'), join(root, 'in', 'link.csv'));
    try {
      refused(await copy({ host: root, folderPath: 'in', fileName: 'link.csv' }), 'PATH_OUTSIDE_ROOT');
    } finally {
      rmSync(join(root, 'in', 'link.csv'));
    }
  });

  it('a symlink loop: refused by name, skipped by a listing, never a hang', async () => {
    refused(await copy({ host: root, folderPath: 'loop1', fileName: 'x.csv' }), 'PATH_OUTSIDE_ROOT', /symbolic link loop/);
    const r = await copy({ host: root, store: { wildcardFolderPath: '*', wildcardFileName: 'orders.csv', recursive: true } }, { folderPath: 'loops' });
    expect([r.status, r.error, r.output?.files]).toEqual(['Succeeded', undefined, ['loops/copy.csv']]);
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: 'loopa/deeper' }), 'PATH_OUTSIDE_ROOT', /symbolic link loop/);
  });

  it('a wildcard match through a symlink: refused', async () => {
    refused(await copy({ host: root, store: { wildcardFolderPath: 'escape/*', wildcardFileName: '*', recursive: true } }), 'PATH_OUTSIDE_ROOT');
    refused(await copy({ host: root, store: { wildcardFolderPath: 'homelink/certificates/*', wildcardFileName: '*.pem' } }), 'PATH_OUTSIDE_ROOT');
    // a listing from the root itself does not follow the symlink either: only the file in the root matches
    const r = await copy({ host: root, store: { wildcardFolderPath: '*', wildcardFileName: '*.csv', recursive: true } }, { folderPath: 'wild' });
    expect([r.status, r.error]).toEqual(['Succeeded', undefined]);
    expect(readFileSync(join(sinkRoot, 'wild', 'copy.csv'), 'utf8')).toBe('1,first\n2,second\n');
    noLeak();
  });

  it('a sink write through a symlink: refused, nothing lands outside the root', async () => {
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: 'escape' }), 'PATH_OUTSIDE_ROOT', /"escape\/copy\.csv" leaves the root folder of linked service Out/);
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { folderPath: 'escape/new/folder' }), 'PATH_OUTSIDE_ROOT');
    expect(existsSync(join(outside, 'new'))).toBe(false);
    // into the gateway home, inside an allowed root
    allowFileRoots(home, root, base);
    const before = filesIn(home);
    refused(await copy({ host: root, folderPath: 'in', fileName: 'orders.csv' }, { host: home, folderPath: 'certificates' }), 'PATH_PROTECTED');
    expect(filesIn(home)).toEqual(before);
  });
});

describe('dmgw config set fileSystem.allowedRoots (built CLI)', () => {
  it('takes absolute folders that exist, stores them normalised; refuses relative, missing and protected ones', async () => {
    const set = await dmgw(['config', 'set', 'fileSystem.allowedRoots', `${root}/,${sinkRoot}/../sink`]);
    expect(set.stderr).toBe('');
    expect(set.stdout.trim()).toBe(`fileSystem.allowedRoots = ${root},${sinkRoot}`);
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))['fileSystem.allowedRoots']).toBe(`${root},${sinkRoot}`);
    const bad = async (value: string, message: RegExp) => {
      const r = await dmgw(['config', 'set', 'fileSystem.allowedRoots', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    await bad('data/exports', /fileSystem\.allowedRoots: "data\/exports" is not an absolute path/);
    await bad(join(base, 'missing'), /is not an existing folder/);
    await bad(join(home, 'certificates'), /lies inside .* gateway home or service data folder/);
    await bad(join(otherHome, 'logs'), /lies inside/);
    await bad(join(base, 'service', 'tls'), /lies inside/);
    await bad(join(root, 'homelink'), /lies inside/);
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))['fileSystem.allowedRoots']).toBe(`${root},${sinkRoot}`);
    expect((await dmgw(['config', 'get', 'fileSystem.allowedRoots'])).stdout.trim()).toBe(`${root},${sinkRoot}`);
  });
});
