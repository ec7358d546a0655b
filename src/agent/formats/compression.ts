/**
 * Compression of file datasets (ADF `compressionCodec`, `compressionLevel`): gzip and deflate through zlib
 * streams, which compress on libuv's thread pool, so several partitions compress on several cores.
 */
import { createDeflate, createGunzip, createGzip, createInflate, constants, type Gunzip } from 'node:zlib';
import type { Transform } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import { CHUNK_BYTES } from '../copy/rows.js';

export type CompressionCodec = 'none' | 'gzip' | 'deflate';

export interface Compression {
  codec: CompressionCodec;
  /** zlib level: ADF `Optimal` = 6 (zlib's default), `Fastest` = 1 */
  level: number;
}

export function compressionOf(tp: Record<string, unknown>): Compression {
  const raw = tp.compressionCodec ?? (tp.compression as { type?: string } | undefined)?.type;
  const name = typeof raw === 'string' ? raw.toLowerCase() : 'none';
  const codec: CompressionCodec | undefined = name === 'none' || name === '' ? 'none' : name === 'gzip' ? 'gzip' : name === 'deflate' ? 'deflate' : undefined;
  if (!codec) {
    throw new DmgwError('COMPRESSION_UNSUPPORTED', `compressionCodec "${String(raw)}" is not supported`, { field: 'typeProperties.compressionCodec' }, 'use gzip, deflate or none');
  }
  const lv = String(tp.compressionLevel ?? 'Optimal').toLowerCase();
  return { codec, level: lv === 'fastest' ? 1 : constants.Z_DEFAULT_COMPRESSION };
}

export function extensionOf(c: Compression): string {
  return c.codec === 'gzip' ? '.gz' : c.codec === 'deflate' ? '.deflate' : '';
}

/** Larger chunks than zlib's 16 KiB (fewer thread-pool round trips), no larger than the engine's (rows.ts: CHUNK_BYTES). */
const CHUNK = CHUNK_BYTES;

export function compressor(c: Compression): Transform | undefined {
  if (c.codec === 'gzip') return createGzip({ level: c.level, chunkSize: CHUNK });
  if (c.codec === 'deflate') return createDeflate({ level: c.level, chunkSize: CHUNK });
  return undefined;
}

/** zlib's `bytesWritten`: the compressed bytes it has consumed. */
export function decompressor(c: Compression): (Transform & { readonly bytesWritten: number }) | undefined {
  if (c.codec === 'gzip') return createGunzip({ chunkSize: CHUNK }) as Gunzip;
  if (c.codec === 'deflate') return createInflate({ chunkSize: CHUNK });
  return undefined;
}
