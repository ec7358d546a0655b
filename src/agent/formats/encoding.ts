/**
 * Text encodings of file formats (ADF `encodingName`). UTF-8 uses Node's own StringDecoder/Buffer (fastest);
 * every other name goes through iconv-lite, which streams (a character split across chunks is kept whole).
 */
import iconv from 'iconv-lite';
import { StringDecoder } from 'node:string_decoder';
import { DmgwError } from '../../common/errors.js';

export interface TextDecoderLike {
  write(chunk: Buffer): string;
  end(): string;
}

export function isUtf8(encodingName: string | undefined): boolean {
  const n = (encodingName ?? 'UTF-8').toLowerCase().replace(/[^a-z0-9]/g, '');
  return n === 'utf8';
}

function checked(encodingName: string, field: string): string {
  if (!iconv.encodingExists(encodingName)) {
    throw new DmgwError('ENCODING_UNSUPPORTED', `encodingName "${encodingName}" is not a known text encoding`, { field }, 'use UTF-8, UTF-16, UTF-16BE, ISO-8859-1, WINDOWS-1252, ...');
  }
  return encodingName;
}

/** A streaming decoder; a UTF-8 byte order mark at the start is dropped. */
export function createDecoder(encodingName: string | undefined, field = 'encodingName'): TextDecoderLike {
  let first = true;
  const stripBom = (s: string) => {
    if (first && s.length) {
      first = false;
      return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    }
    return s;
  };
  if (isUtf8(encodingName)) {
    const d = new StringDecoder('utf8');
    return { write: (b) => stripBom(d.write(b)), end: () => stripBom(d.end()) };
  }
  const d = iconv.getDecoder(checked(encodingName!, field));
  return { write: (b) => stripBom(d.write(b)), end: () => stripBom(d.end() ?? '') };
}

/** Encodes text chunks; for UTF-16 iconv-lite writes a byte order mark first, as Windows tools expect. */
export function createEncoder(encodingName: string | undefined, field = 'encodingName'): (text: string) => Buffer {
  if (isUtf8(encodingName)) return (t) => Buffer.from(t, 'utf8');
  const e = iconv.getEncoder(checked(encodingName!, field));
  return (t) => e.write(t);
}

/**
 * Text is decoded in pieces of at most this many bytes. A string longer than ~128 KiB (64 Ki two-byte
 * characters) is a V8 "large object": if it is still referenced when a scavenge runs — and the rows parsed
 * from it are, being slices of it — it moves to old space and stays until the next full GC, which a steady
 * copy rarely triggers. Decoding 256 KiB chunks whole grew that space to 75 MB in the consistency re-read.
 */
export const TEXT_PIECE_BYTES = 32 * 1024;

/** Decodes `chunk` piece by piece (a character split between pieces is kept whole by the decoder). */
export function decodeInPieces(decoder: TextDecoderLike, chunk: Buffer, each: (text: string) => void): void {
  for (let off = 0; off < chunk.length; off += TEXT_PIECE_BYTES) each(decoder.write(chunk.subarray(off, Math.min(chunk.length, off + TEXT_PIECE_BYTES))));
}
