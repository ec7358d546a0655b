/**
 * Lookup: reads the first row (`firstRowOnly`, the default) or up to 5000 rows of a dataset — a table, a query
 * (`source.query`/`sqlReaderQuery`), files of any format — from every store the gateway reads. Output as ADF's:
 * `{ firstRow: {...} }` (`{}` when there is no row: reading output.firstRow then fails, as in ADF), or
 * `{ count, value: [...] }`. Values are typed and exact (lookupRows.ts).
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DmgwError } from '../../common/errors.js';
import type { ActivityRunOutput } from '../../common/events.js';
import type { Json } from '../../common/expressions.js';
import type { Reference } from '../../common/model/types.js';
import { GatewayHome } from '../config/home.js';
import { openSourceEnd, type SourceEnd } from '../copy/endpoints.js';
import { rowsOfStream } from '../copy/fileRows.js';
import { decompressor } from '../formats/compression.js';
import { createDecoder } from '../formats/encoding.js';
import { resolveDataset } from './datasets.js';
import type { AgentRequest } from './executor.js';
import { jsonObjects, LOOKUP_MAX_BYTES, LOOKUP_MAX_ROWS, rowObject } from './lookupRows.js';

async function tableRows(end: Extract<SourceEnd, { kind: 'table' }>, limit: number, signal: AbortSignal): Promise<Json[]> {
  const out: Json[] = [];
  for await (const batch of end.conn.readRows(end.source, undefined, signal)) {
    for (const row of batch.rows) {
      out.push(rowObject(batch.columns, row));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** A (possibly compressed) file's text, refusing more than ADF's 4 MB of output would hold. */
async function fileText(end: Extract<SourceEnd, { kind: 'files' }>, path: string, signal: AbortSignal): Promise<string> {
  const file = end.files.find((f) => f.path === path)!;
  const raw = await end.conn.openRead(file, signal);
  const decoder = createDecoder(end.format.encodingName);
  let text = '';
  const unzip = decompressor(end.compression);
  await pipeline([
    raw,
    ...(unzip ? [unzip] : []),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += decoder.write(chunk);
        done(text.length > LOOKUP_MAX_BYTES * 2 ? new DmgwError('LOOKUP_TOO_LARGE', `${path} is larger than a Lookup may read (4 MB of output)`, { field: 'dataset' }, 'look up a smaller file, or use a Copy activity') : undefined);
      },
    }),
  ], { signal });
  return text + decoder.end();
}

async function fileRows(end: Extract<SourceEnd, { kind: 'files' }>, limit: number, signal: AbortSignal): Promise<Json[]> {
  const out: Json[] = [];
  for (const file of end.files) {
    if (end.format.type === 'Json') out.push(...jsonObjects(await fileText(end, file.path, signal), file.path));
    else {
      const raw = await end.conn.openRead(file, signal);
      for await (const b of rowsOfStream(raw, { format: end.format, compression: end.compression, signal }, file.path)) {
        for (const row of b.rows) {
          out.push(rowObject(b.columns, row));
          if (out.length >= limit) break;
        }
        if (out.length >= limit) break;
      }
    }
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

export async function runLookupActivity(req: AgentRequest): Promise<ActivityRunOutput> {
  const a = req.activity;
  const tp = req.typeProperties;
  const field = `activities.${a.name}.typeProperties`;
  const source = (tp.source ?? {}) as Record<string, unknown>;
  if (source.sqlReaderStoredProcedureName) throw new DmgwError('LOOKUP_PROCEDURE', `Lookup ${a.name}: reading the result of a stored procedure (sqlReaderStoredProcedureName) is not supported by this gateway`, { field: `${field}.source.sqlReaderStoredProcedureName` }, 'write a query instead: "query": "SELECT * FROM fn(...)"');
  const ds = await resolveDataset(tp.dataset as Reference | undefined, req.agent.factory, req.scope, req.agent.home, `${field}.dataset`);
  const firstRowOnly = tp.firstRowOnly === undefined || tp.firstRowOnly === null ? true : tp.firstRowOnly === true || String(tp.firstRowOnly).toLowerCase() === 'true';
  const limit = firstRowOnly ? 1 : LOOKUP_MAX_ROWS;
  const end = await openSourceEnd(ds, source, { home: GatewayHome.resolve({ home: req.agent.home }) });
  let rows: Json[];
  try {
    rows = end.kind === 'table' ? await tableRows(end, limit, req.signal) : await fileRows(end, limit, req.signal);
  } catch (e) {
    if (e instanceof DmgwError || req.signal.aborted) throw e;
    throw new DmgwError('LOOKUP_FAILED', `Lookup ${a.name} could not read ${ds.name} (${ds.linkedService.name}): ${(e as Error).message}`, { field: `${field}.source` }, "the message is the store's: check the query, the table and the linked service");
  } finally {
    await end.conn.close().catch(() => undefined);
  }
  const output: ActivityRunOutput = firstRowOnly ? (rows.length ? { firstRow: rows[0] } : {}) : { count: rows.length, value: rows };
  if (JSON.stringify(output).length > LOOKUP_MAX_BYTES) throw new DmgwError('LOOKUP_TOO_LARGE', `Lookup ${a.name}: the rows are more than the 4 MB a Lookup's output may hold`, { field: `${field}.dataset` }, 'select fewer rows or columns (the query), or read them with a ForEach over smaller lookups');
  req.log('info', `looked up ${rows.length} row${rows.length === 1 ? '' : 's'} from ${ds.name}`);
  return output;
}
