/**
 * Third-party libraries that are heavy to load, loaded on first use instead of with the agent. Every `dmgw`
 * process (a run, a worker, the host) used to initialise all of them at start, whatever it was going to do:
 * peak RSS of a 200k-row PostgreSQL → CSV copy was 125 MB with them, 68 MB without (mssql + tedious 23 MB,
 * hyparquet(-writer) 30 MB, @azure/storage-blob 10 MB, mysql2 6 MB; bench/memory.ts, docs/ARCHITECTURE.md).
 * esbuild bundles a literal require() as a module initialised at the call; vitest runs it as Node's require.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as StorageBlob from '@azure/storage-blob';
import type * as Hyparquet from 'hyparquet';
import type * as HyparquetWriter from 'hyparquet-writer';
import type * as HyparquetPages from 'hyparquet-writer/src/datapage.js';
import type * as HyparquetEncoding from 'hyparquet-writer/src/encoding.js';
import type Mssql from 'mssql';
import type * as Mysql2 from 'mysql2';

export const storageBlob = (): typeof StorageBlob => require('@azure/storage-blob') as typeof StorageBlob;
export const mssql = (): typeof Mssql => require('mssql') as typeof Mssql;
export const mysql2 = (): typeof Mysql2 => require('mysql2') as typeof Mysql2;
export const hyparquet = (): typeof Hyparquet => require('hyparquet') as typeof Hyparquet;
export const hyparquetWriter = (): typeof HyparquetWriter => require('hyparquet-writer') as typeof HyparquetWriter;

/** hyparquet-writer's page writers (its exported ./src/*.js), for the byte path's own column chunks (formats/parquetChunks.ts) */
export const hyparquetPages = (): typeof HyparquetPages & typeof HyparquetEncoding & { ByteWriter: typeof HyparquetWriter.ByteWriter } => ({
  ...(require('hyparquet-writer/src/datapage.js') as typeof HyparquetPages),
  ...(require('hyparquet-writer/src/encoding.js') as typeof HyparquetEncoding),
  ByteWriter: hyparquetWriter().ByteWriter,
});
