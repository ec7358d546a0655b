/**
 * A gzipped POSIX ustar archive of regular files held in memory: what a support bundle is. Small enough to own (no
 * dependency for ~60 lines): a 512-byte header per file (name, mode, size, mtime in octal; checksum; magic "ustar\0"
 * "00"), the data padded to 512 bytes, two zero blocks at the end, then node's zlib. Names up to 255 bytes (a
 * prefix/name split at a slash). `tarEntries` lists an archive made this way (the service's `reports get`).
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarEntry {
  /** relative path with forward slashes */
  name: string;
  data: Buffer;
  /** default 0o600 */
  mode?: number;
  mtime?: Date;
}

const BLOCK = 512;

export function tarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    parts.push(e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(e.name);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode ?? 0o600);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, e.data.length);
  octal(h, 136, 12, Math.floor((e.mtime ?? new Date()).getTime() / 1000));
  h.fill(0x20, 148, 156); // the checksum counts itself as spaces
  h.write('0', 156, 1, 'latin1'); // regular file
  h.write('ustar\u000000', 257, 8, 'latin1');
  h.write('root', 265, 32, 'latin1');
  h.write('root', 297, 32, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return h;
}

function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`a name too long for a tar archive: ${path}`);
}

function octal(h: Buffer, at: number, width: number, n: number): void {
  h.write(`${n.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'latin1');
}

/** The files of a gzipped ustar archive: name and size (and the data), in order. */
export function tarEntries(gz: Buffer): Array<{ name: string; size: number; data: Buffer }> {
  const tar = gunzipSync(gz);
  const out: Array<{ name: string; size: number; data: Buffer }> = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (from: number, len: number) => h.toString('utf8', from, from + len).replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    out.push({ name, size, data: tar.subarray(at + BLOCK, at + BLOCK + size) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
