/**
 * Preview: the first rows of one dataset — a table, a query, the files of a CSV/JSON/Parquet dataset on a file
 * share or in a blob container — read as a Copy would read it: the dataset's own file and linked service checked
 * first (validateFactory), the linked service's EncryptedCredential decrypted with this gateway's certificate and
 * checked against the server it was bound to (decryptLinkedService), files only inside the folders the node allows
 * (fileSystem.allowedRoots, read from the node's own home). Values are the engine's canonical text (copy/rows.ts), so
 * a preview shows every digit the store holds. `dmgw preview` prints it; the VS Code extension shows it in a grid.
 */
import { resolve } from 'node:path';
import { DmgwError, formatProblem, isDmgwError } from '../../common/errors.js';
import { displayPath, loadFactory, nameKey } from '../../common/model/factory.js';
import { resourceFileOf } from '../../common/model/factoryRoots.js';
import { validateFactory } from '../../common/validate/index.js';
import { GatewayHome } from '../config/home.js';
import type { Column, Row } from '../copy/rows.js';
import { openSourceEnd, type SourceEnd } from '../copy/endpoints.js';
import { rowsOfStream } from '../copy/fileRows.js';
import { resolveDataset } from '../worker/datasets.js';

export const PREVIEW_MAX_ROWS = 10_000;

export interface PreviewColumn {
  name: string;
  /** the engine's logical type */
  type: Column['type'];
  /** the store's own type name, when it says */
  nativeType?: string;
}

export interface PreviewResult {
  dataset: string;
  datasetType: string;
  linkedService: string;
  linkedServiceType: string;
  /** what was read: `schema.table`, `query`, or the files' paths */
  source: string;
  columns: PreviewColumn[];
  /** canonical text of each value, null for NULL */
  rows: Row[];
  /** more rows were there than were read */
  truncated: boolean;
}

export interface PreviewOptions {
  /** the dataset's file, in `<factory>/dataset/<name>.json` */
  datasetFile: string;
  rows: number;
  /** a query to run instead of reading the dataset's table (table stores) */
  query?: string;
  /** values of the dataset's parameters (the others at their defaults) */
  parameters?: Record<string, string>;
  home?: string;
  signal?: AbortSignal;
}

function datasetOf(file: string) {
  const abs = resolve(file);
  const where = resourceFileOf(abs);
  if (!where || where.kind !== 'dataset') {
    throw new DmgwError('PREVIEW_NOT_A_DATASET', `${file} is not a dataset file`, { file }, 'pass a dataset file of a factory folder: <factory>/dataset/<name>.json');
  }
  const factory = loadFactory(where.factoryDir);
  const display = displayPath(abs);
  const ds = [...factory.datasets.values()].find((d) => resolve(d.file) === abs || d.file === display) ?? factory.datasets.get(nameKey(where.stem));
  const lsFile = ds && factory.linkedServices.get(nameKey(ds.properties.linkedServiceName?.referenceName ?? ''))?.file;
  const mine = new Set([display, abs, ds?.file, lsFile].filter((f): f is string => !!f));
  const errors = validateFactory(factory).filter((p) => p.severity === 'error' && p.place.file && mine.has(p.place.file));
  if (errors.length) {
    const p = errors[0]!;
    throw new DmgwError('PREVIEW_INVALID', `cannot preview: ${formatProblem(p)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, {}, `fix the file, then preview again (dmgw validate ${displayPath(where.factoryDir)} lists every problem)`);
  }
  if (!ds) throw new DmgwError('PREVIEW_NOT_A_DATASET', `${file} holds no dataset`, { file }, 'a dataset file is { "name": ..., "properties": { "type": ..., "linkedServiceName": ..., "typeProperties": ... } }');
  return { factory, ds };
}

/** The first `o.rows` rows of the dataset; throws a DmgwError naming the file, the field and the fix. */
export async function previewDataset(o: PreviewOptions): Promise<PreviewResult> {
  if (!(Number.isInteger(o.rows) && o.rows > 0 && o.rows <= PREVIEW_MAX_ROWS)) throw new DmgwError('USAGE', `--rows ${o.rows} is not a whole number from 1 to ${PREVIEW_MAX_ROWS}`);
  const { factory, ds } = datasetOf(o.datasetFile);
  const field = `${ds.file}: properties`;
  const parameters = Object.fromEntries(Object.entries(o.parameters ?? {}));
  const unknown = Object.keys(parameters).filter((k) => !Object.keys(ds.properties.parameters ?? {}).some((p) => nameKey(p) === nameKey(k)));
  if (unknown.length) throw new DmgwError('PREVIEW_PARAMETER', `dataset ${ds.name} has no parameter ${unknown.join(', ')}`, { file: ds.file, field: 'properties.parameters' }, `its parameters: ${Object.keys(ds.properties.parameters ?? {}).join(', ') || 'none'}`);
  const resolved = await resolveDataset({ referenceName: ds.name, type: 'DatasetReference', parameters }, factory, {}, o.home, field);
  const home = GatewayHome.resolve({ home: o.home });
  const controller = new AbortController();
  const onAbort = () => controller.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let end: SourceEnd | undefined;
  try {
    end = await openSourceEnd(resolved, o.query ? { query: o.query } : {}, { home });
    const read = end.kind === 'table' ? await tableRows(end, o.rows, controller.signal) : await fileRows(end, o.rows, controller.signal);
    return {
      dataset: ds.name,
      datasetType: ds.properties.type,
      linkedService: resolved.linkedService.name,
      linkedServiceType: String(resolved.linkedService.properties.type),
      source: end.kind === 'table' ? (end.source.query ? 'query' : [end.source.table!.schema, end.source.table!.table].filter(Boolean).join('.')) : end.files.map((f) => (f.container ? `${f.container}/${f.path}` : f.path)).join(', '),
      ...read,
    };
  } catch (e) {
    if (isDmgwError(e)) {
      // the place as one line: the dataset's file, then the field
      const file = e.place.file ?? ds.file;
      const at = e.place.field && !e.place.field.startsWith(file) ? `${e.place.field}: ` : '';
      throw new DmgwError(e.code, `${at}${e.message}`, { file, line: e.place.line, column: e.place.column }, e.hint);
    }
    if (o.signal?.aborted) throw e;
    throw new DmgwError('PREVIEW_FAILED', `could not read dataset ${ds.name} from ${resolved.linkedService.name}: ${(e as Error).message}`, { file: ds.file }, "the message is the store's: check the table, the query, the location and the linked service");
  } finally {
    controller.abort();
    o.signal?.removeEventListener('abort', onAbort);
    await end?.conn.close().catch(() => undefined);
  }
}

type Read = Pick<PreviewResult, 'columns' | 'rows' | 'truncated'>;

const columnsOf = (cs: Column[]): PreviewColumn[] => cs.map((c) => ({ name: c.name, type: c.type, ...(c.nativeType ? { nativeType: c.nativeType } : {}) }));

async function tableRows(end: Extract<SourceEnd, { kind: 'table' }>, limit: number, signal: AbortSignal): Promise<Read> {
  // the columns even of an empty result
  const columns = columnsOf(await end.conn.describe(end.source));
  const rows: Row[] = [];
  for await (const b of end.conn.readRows(end.source, undefined, signal)) {
    for (const r of b.rows) {
      if (rows.length === limit) return { columns, rows, truncated: true };
      rows.push(r);
    }
  }
  return { columns, rows, truncated: false };
}

async function fileRows(end: Extract<SourceEnd, { kind: 'files' }>, limit: number, signal: AbortSignal): Promise<Read> {
  let columns: PreviewColumn[] | undefined;
  const rows: Row[] = [];
  for (const file of end.files) {
    const raw = await end.conn.openRead(file, signal);
    for await (const b of rowsOfStream(raw, { format: end.format, compression: end.compression, signal }, file.path)) {
      columns ??= columnsOf(b.columns);
      for (const r of b.rows) {
        if (rows.length === limit) {
          raw.destroy();
          return { columns, rows, truncated: true };
        }
        rows.push(r);
      }
    }
  }
  return { columns: columns ?? [], rows, truncated: false };
}
