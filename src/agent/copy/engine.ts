/**
 * The copy engine: one Copy activity from a source to a sink.
 * 1. Plan: partitions (DynamicRange slices of a table, or files), the output columns (translator), and the
 *    path: the FAST path streams bytes the source database writes itself (CSV for a file sink, COPY text for
 *    a PostgreSQL sink) when no mapping is asked and the format is expressible; the ROW path parses rows,
 *    maps them and formats them.
 * 2. Run partitions, `parallelCopies` at a time, each retried on transient errors from a clean start (its
 *    staged files/blocks discarded; a table partition is one COPY statement, atomic by itself).
 * 3. Verify (validateDataConsistency): rows and the order-independent checksum of what was read against what
 *    was written, re-read from the sink.
 * 4. Commit: rename/commit-block-list every staged file, or move the staging table into the target in one
 *    transaction. Any failure or cancel before this point leaves the sink as it was. A partition whose staged
 *    blocks the store refused (StagingRefused: another writer of the same blob) is staged again once.
 */
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DmgwError } from '../../common/errors.js';
import type { ActivityOutput, ConsistencyVerdict } from '../../common/events.js';
import { redactError } from '../../common/redact.js';
import { StagingRefused, type ByteForm, type FileRef, type KeptFile, type NodeContext, type PartStore, type RangePartition, type StagedFile, type TableSink } from '../connectors/connector.js';
import { connectorFor } from '../connectors/registry.js';
import { staged } from '../connectors/stagingJournal.js';
import { keptForRetry, type ResumeJournal } from './resume.js';
import type { CommitMark, CommitRecord, CopyKey } from './commitMark.js';
import { csvDecoder, type DelimitedTextFormat } from '../formats/delimitedTextFormat.js';
import { ordinalName } from '../formats/delimitedText.js';
import { isUtf8 } from '../formats/encoding.js';
import { byteTee, pgTextDecoder } from './byteTee.js';
import { Checksum } from './checksum.js';
import { loadCsvFiles } from './csvLoad.js';
import { csvPassOf, passCsvFile } from './csvPass.js';
import { openSinkEnd, openSourceEnd, tableNameOf, type ResolvedDataset, type SinkEnd, type SourceEnd } from './endpoints.js';
import { FileOutput } from './fileOutput.js';
import { readFileRows, rowsOfStream } from './fileRows.js';
import { CopyMeters, type Meter } from './meter.js';
import { describePartition, splitRange } from './partitions.js';
import { writerProcedureOf } from '../procedures/writer.js';
import { upsertKeys, upsertOf } from '../connectors/upsert.js';
import { DEFAULT_PARTITION_RETRY, withRetry, type RetryPolicy } from './retry.js';
import type { Column, LogicalType, Row, RowBatch } from './rows.js';
import { applyMapping, mappingsOf, planMapping, type ColumnMapping } from './translator.js';
import { boundHeap } from './heapBounds.js';

export interface CopyProgress {
  rowsRead: number;
  rowsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  rowsTotal?: number;
  partitions: number;
  partitionsDone: number;
}

export interface CopyRequest {
  activity: string;
  /** the activity's typeProperties, expressions evaluated */
  typeProperties: Record<string, unknown>;
  input: ResolvedDataset;
  output: ResolvedDataset;
  /** the node's own settings for the connectors (file roots) */
  node: NodeContext;
  signal: AbortSignal;
  log(level: 'error' | 'warn' | 'info' | 'verbose', message: string): void;
  progress?(p: CopyProgress): void;
  progressIntervalMs?: number;
  retry?: RetryPolicy;
  /** this copy's resume journal (copy/resume.ts): finished partitions of an earlier attempt are not read again */
  resume?: ResumeJournal;  /** which copy of its run this is (copy/commitMark.ts): a table sink marks its commit with it, exactly once */
  copyKey?: CopyKey;
}

/** A unit of work: a slice of a table, or some files. */
interface Unit {
  index: number;
  range?: RangePartition;
  files?: FileRef[];
}

interface Plan {
  /** output columns, in sink order */
  columns: Column[];
  /** source index per output column; undefined = pass-through */
  pick?: number[];
  /** types the checksum canonicalises with (source type, else the sink table's) */
  checkTypes: LogicalType[];
}

interface UnitResult {
  staged: StagedFile[];
  sum?: Checksum;
  meter: Meter;
  /** staged a second time after the store refused the first (StagingRefused) */
  restaged?: boolean;
}

export async function runCopy(req: CopyRequest): Promise<ActivityOutput> {
  const t0 = Date.now();
  const tp = req.typeProperties;
  const sourceSettings = (tp.source ?? {}) as Record<string, unknown>;
  const sinkSettings = (tp.sink ?? {}) as Record<string, unknown>;
  const validate = tp.validateDataConsistency === true;
  const mappings = mappingsOf(tp.translator);
  const policy = req.retry ?? DEFAULT_PARTITION_RETRY;
  const meters = new CopyMeters();
  boundHeap();

  const src = await openSourceEnd(req.input, sourceSettings, req.node);
  let sink: SinkEnd | undefined;
  let tableSink: Promise<TableSink> | undefined;
  let tableSinkNames: string[] | undefined;
  const allStaged: StagedFile[] = [];
  const run = new AbortController();
  const onCancel = () => run.abort(req.signal.reason);
  req.signal.addEventListener('abort', onCancel, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let committed = false;
  /** a resumable copy's partition tables (copy/resume.ts) */
  let parts: PartStore | undefined;
  const partNames: string[] = [];
  /** a resumable copy into files: each finished partition's staged files are kept (StagedFile.keep) */
  let keepFiles = false;
  const keptFiles: KeptFile[] = [];
  /** the parts told to the host's staging journal (kept for a next attempt; the host drops them when the job ended) */
  const partsGone = new Map<string, () => void>();
  const announcePart = (name: string) => {
    const target = tableNameOf(req.output);
    if (!partsGone.has(name) && target) partsGone.set(name, staged(req.output.linkedService, { kind: 'resume-part', schema: target.schema, table: target.table, part: name, journal: basename(req.resume!.file) }));
  };
  const partsDropped = () => {
    for (const gone of partsGone.values()) gone();
    partsGone.clear();
  };
  // what the plan reads before any partition (columns, bounds) is retried like a partition: a connection lost there
  // failed the whole copy at once
  const metadata = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withRetry(() => fn(), policy, run.signal, (e, n, delay) => {
      meters.retries++;
      req.log('warn', `${what} failed on try ${n}: ${redactError(e)}; retrying in ${delay} ms`);
    });

  try {
    sink = openSinkEnd(req.output, sinkSettings, req.node);
    const snk = sink;
    // checked before anything is loaded: a bad writer setting fails now, not after the whole copy
    const writer = snk.kind === 'table' ? writerProcedureOf(sinkSettings, String(req.output.linkedService.properties.type)) : undefined;
    const upsert = snk.kind === 'table' ? upsertOf(sinkSettings, !!writer) : undefined;
    const parallel = Math.max(1, Number(tp.parallelCopies ?? 0) || 0);

    const doneBefore = async (done: CommitRecord, what: string): Promise<ActivityOutput> => {
      // the earlier attempt's resume parts and journal (if it died before removing them) and this one's are not needed
      if (parts) await parts.drop(partNames.filter(Boolean)).then(partsDropped, (e) => req.log('warn', `could not drop the resume parts of this copy: ${redactError(e)}`));
      req.resume?.remove();
      req.log('info', `already committed: an earlier attempt of this copy (run ${req.copyKey!.runId}, ${req.copyKey!.place}) committed ${done.rowsCopied} row(s) into ${describeSink(snk)} at ${done.committedAt}; ${what}, reporting its counts`);
      return { rowsRead: done.rowsRead, rowsCopied: done.rowsCopied, dataRead: done.dataRead, dataWritten: done.dataWritten, copyDuration: (Date.now() - t0) / 1000, throughput: 0, usedParallelCopies: 0, retries: meters.retries, alreadyCommitted: done.committedAt };
    };
    // ---- exactly once: an earlier attempt of this copy that committed left its marker (copy/commitMark.ts) -------
    const key = req.copyKey;
    if (key && snk.kind === 'table' && snk.conn.committedCopy) {
      const done = await metadata('looking up the commit marker of this copy', () => snk.conn.committedCopy!(snk.target, key.key));
      if (done) return await doneBefore(done, 'not copying again');
    }
    const markOf = (t: { rowsRead: number; bytesRead: number; bytesWritten: number }): CommitMark | undefined => (key ? { ...key, target: describeSink(snk), rowsRead: t.rowsRead, dataRead: t.bytesRead, dataWritten: t.bytesWritten } : undefined);
    /** A commit that failed because another attempt of this copy committed meanwhile (its marker's key is taken). */
    const committedMeanwhile = async (e: unknown): Promise<ActivityOutput> => {
      const done = key && snk.kind === 'table' && snk.conn.committedCopy ? await snk.conn.committedCopy(snk.target, key.key).catch(() => undefined) : undefined;
      if (!done) throw e;
      return doneBefore(done, 'this attempt\'s rows were rolled back');
    };

    // ---- columns and plan -------------------------------------------------------------------------------
    const targetColumns = snk.kind === 'table' ? await metadata('reading the sink table\'s columns', () => snk.conn.describe({ table: snk.target })) : undefined;
    // a key the table does not have fails now, before anything is read (one the copy does not fill: at commit)
    if (upsert && targetColumns) upsertKeys(upsert, targetColumns, targetColumns, describeSink(snk));
    let plan: Plan | undefined;
    const planFor = (cols: Column[]): Plan => {
      if (plan) return plan;
      let columns = cols;
      let pick: number[] | undefined;
      if (mappings) ({ columns, pick } = planMapping(mappings, cols));
      else if (targetColumns && columns.length && columns.every((c, i) => c.name === ordinalName(i))) {
        // a header-less file loads by position
        if (columns.length > targetColumns.length) throw new DmgwError('SINK_COLUMNS', `the source has ${columns.length} columns, the sink table ${targetColumns.length}`, { field: 'translator' }, 'map the columns with a TabularTranslator');
        columns = columns.map((c, i) => ({ ...c, name: targetColumns[i]!.name }));
      }
      const sinkType = (name: string) => targetColumns?.find((c) => c.name.toLowerCase() === name.toLowerCase())?.type ?? 'string';
      const checkTypes = columns.map((c) => (c.type !== 'string' ? c.type : sinkType(c.name)));
      plan = { columns, pick, checkTypes };
      return plan;
    };
    let srcColumns: Column[] | undefined;
    if (src.kind === 'table') srcColumns = await metadata('reading the source\'s columns', () => src.conn.describe(src.source));
    if (srcColumns) planFor(srcColumns);

    const noteLeftovers = (what: string[] | undefined) => {
      if (what?.length) req.log('info', `removed ${what.length} leftover(s) of an interrupted earlier run: ${what.join(', ')}`);
    };
    /** one load straight into the target, in one transaction, where a stage buys nothing (connector.ts#SinkOptions) */
    let direct = false;
    const ensureSink = (names: string[]): Promise<TableSink> => {
      if (snk.kind !== 'table') throw new Error('not a table sink');
      if (tableSinkNames && tableSinkNames.join('\u0000') !== names.join('\u0000')) {
        throw new DmgwError('FILES_DIFFER', `the source columns changed between files (${tableSinkNames.join(', ')} / ${names.join(', ')})`, { field: 'source' }, 'select files of one layout');
      }
      tableSinkNames = names;
      // a sink that could not be opened (a connection cut while reading its columns) is opened again by the retry
      tableSink ??= snk.conn.openSink(snk.target, names, direct ? { direct } : undefined).then(
        (ts) => {
          noteLeftovers(ts.removedStale);
          if (ts.direct) req.log('verbose', 'the sink loads straight into the target, in one transaction (no stage)');
          return ts;
        },
        (e: unknown) => {
          tableSink = undefined;
          throw e;
        },
      );
      return tableSink;
    };

    // ---- partitions -------------------------------------------------------------------------------------
    let units: Unit[];
    let rowsTotal: number | undefined;
    if (src.kind === 'table') {
      const option = String(sourceSettings.partitionOption ?? 'None');
      if (option === 'DynamicRange') {
        const ps = (sourceSettings.partitionSettings ?? {}) as Record<string, unknown>;
        const column = typeof ps.partitionColumnName === 'string' ? ps.partitionColumnName : undefined;
        if (!column) throw new DmgwError('PARTITION_COLUMN', 'partitionOption DynamicRange needs partitionSettings.partitionColumnName', { field: 'source.partitionSettings.partitionColumnName' }, 'name an integer or date column');
        const bounds = await metadata(`reading the bounds of ${column}`, () => src.conn.bounds(src.source, column));
        const b = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
        const ranges = splitRange(column, bounds, parallel > 1 ? parallel : 4, b(ps.partitionLowerBound), b(ps.partitionUpperBound));
        units = ranges.map((range, index) => ({ index, range }));
      } else if (option === 'PhysicalPartitionsOfTable' && src.conn.physicalPartitions) {
        const slices = await metadata('listing the partitions of the source', () => src.conn.physicalPartitions!(src.source));
        if (!slices?.length) req.log('info', `partitionOption PhysicalPartitionsOfTable: ${describeEnd(src)} is not a partitioned table; copying it as one stream`);
        units = slices?.length ? slices.map((range, index) => ({ index, range })) : [{ index: 0 }];
      } else {
        if (option !== 'None') req.log('warn', `partitionOption ${option} is not supported; copying without partitions`);
        units = [{ index: 0 }];
      }
      rowsTotal = await src.conn.estimateRows(src.source);
      // resumable (copy/resume.ts): a table source of several partitions (or a copy resumed) into a sink that keeps
      // partitions apart; a resumed copy keeps the slices of its first attempt: partition n must mean the same rows
      if (req.resume && snk.kind === 'table' && plan && (units.length > 1 || req.resume.resuming)) parts = (await metadata('opening the sink', () => ensureSink(plan!.columns.map((c) => c.name)))).parts;
      // into files or blobs: each finished partition's staged files are kept for the commit (StagedFile.keep)
      if (req.resume && snk.kind === 'files' && snk.conn.resumeStaged && (units.length > 1 || req.resume.resuming)) keepFiles = true;
      if ((parts || keepFiles) && req.resume) units = req.resume.plan(units.map((u) => u.range)).map((range, index) => ({ index, range }));
    } else {
      // into a table, a unit per file: a file is one load (one COPY, atomic), so a unit's retry never loads again a file
      // that an earlier try of it had loaded (a unit of several files did: the first file's rows twice)
      units = snk.kind === 'table' && src.files.length ? src.files.map((f, index) => ({ index, files: [f] })) : [{ index: 0, files: src.files }];
    }
    meters.partitions = units.length;
    direct =
      snk.kind === 'table' && units.length === 1 && (src.kind === 'table' || units[0]!.files?.length === 1) && !parts && !writer && !upsert && !validate && !(typeof sinkSettings.preCopyScript === 'string' && sinkSettings.preCopyScript.trim());
    req.log('info', `copying ${describeEnd(src)} to ${describeSink(snk)}: ${units.length} partition(s), up to ${Math.min(parallel, units.length)} at a time`);

    // ---- path ---------------------------------------------------------------------------------------------
    const fastForm: ByteForm | undefined =
      src.kind !== 'table' || mappings || !src.conn.readBytes
        ? undefined
        : snk.kind === 'files' && snk.format.type === 'DelimitedText' && !snk.naming.maxRowsPerFile
          ? { kind: 'csv', options: (snk.format as DelimitedTextFormat).options }
          : snk.kind === 'files' && snk.format.fromPgText && isUtf8(snk.format.encodingName) && !snk.naming.maxRowsPerFile
            ? { kind: 'pgtext' }
            : snk.kind === 'table' && snk.conn.loadsBytes?.({ kind: 'pgtext' })
              ? { kind: 'pgtext' }
              : undefined;
    // delimited-text files into a store that parses that CSV itself (csvLoad.ts)
    const csvLoad: DelimitedTextFormat | undefined =
      src.kind === 'files' && snk.kind === 'table' && !mappings && src.format.type === 'DelimitedText' && snk.conn.loadsBytes?.({ kind: 'csv', options: (src.format as DelimitedTextFormat).options }) ? (src.format as DelimitedTextFormat) : undefined;
    // delimited text into delimited text of the same dialect: the bytes pass (csvPass.ts)
    const csvPass = csvPassOf(src, snk, { mapped: !!mappings, validate });
    // COPY text the sink's format is written from, byte for byte (formats/pgTextJson.ts)
    const transcode = fastForm?.kind === 'pgtext' && snk.kind === 'files' ? snk.format.fromPgText : undefined;
    if (fastForm || csvLoad) req.log('verbose', `fast path: ${csvLoad ? 'the files go to COPY FROM STDIN as CSV' : `the source writes ${fastForm!.kind === 'csv' ? 'the CSV' : 'COPY text'} itself${transcode ? `, transcoded to ${snk.kind === 'files' ? snk.format.type : ''}` : ''}`}`);
    if (csvPass) req.log('verbose', 'fast path: a file whose dialect the sink shares passes as it is, its rows counted');

    // ---- resume: partitions load parts of their own; those an earlier attempt finished are not read again ---------
    const resumed: Array<UnitResult | undefined> = [];
    if ((parts || keepFiles) && req.resume) {
      for (const u of units) {
        const done = req.resume.finished(u.index);
        let files: StagedFile[] = [];
        if (parts) {
          partNames[u.index] = req.resume.partName(parts.tag, u.index);
          // before it exists (or again: the earlier attempt's host has forgotten it)
          announcePart(partNames[u.index]!);
          if (!done) continue;
          const rows = await parts.rows(partNames[u.index]!);
          if (rows !== done.rowsWritten && !(rows === undefined && done.rowsWritten === 0)) {
            req.log('warn', `partition ${u.index} (${describePartition(u.range)}): its part holds ${rows ?? 'no'} rows, not the ${done.rowsWritten} journaled; loading it again`);
            req.resume.forget(u.index);
            continue;
          }
        } else if (done && snk.kind === 'files') {
          const found = await Promise.all((done.files ?? []).map((k) => metadata('finding the files an earlier attempt staged', () => snk.conn.resumeStaged!(k, run.signal))));
          if (!done.files?.length || found.some((f) => !f)) {
            req.log('warn', `partition ${u.index} (${describePartition(u.range)}): the files an earlier attempt staged for it are not all there any more; writing it again`);
            await Promise.all(found.map((f) => f?.discard?.().catch(() => undefined)));
            req.resume.forget(u.index);
            continue;
          }
          files = found as StagedFile[];
          keptFiles.push(...done.files);
        }
        if (!done) continue;
        const meter = meters.start();
        Object.assign(meter, { rowsRead: done.rowsRead, rowsWritten: done.rowsWritten, bytesRead: done.bytesRead, bytesWritten: done.bytesWritten });
        meters.finish(meter);
        resumed[u.index] = { staged: files, meter, sum: done.checksum ? Checksum.fromHex(done.checksum, done.rowsRead) : undefined };
      }
      const n = resumed.filter(Boolean).length;
      if (n) req.log('info', `resuming: ${n} of ${units.length} partition(s) finished by an earlier attempt of this run are not read again`);
    }
    const loadTarget = async (unit: Unit, names: string[]): Promise<Pick<TableSink, 'loadRows' | 'loadBytes'>> => {
      const ts = await ensureSink(names);
      return parts ? parts.open(partNames[unit.index]!) : ts;
    };

    // ---- progress -----------------------------------------------------------------------------------------
    if (req.progress) {
      timer = setInterval(() => req.progress!({ ...meters.total(), rowsTotal, partitions: meters.partitions, partitionsDone: meters.partitionsDone }), req.progressIntervalMs ?? 1000);
      timer.unref();
    }

    // ---- one unit -----------------------------------------------------------------------------------------
    const attempt = async (unit: Unit, meter: Meter, signal: AbortSignal, staged: StagedFile[]): Promise<Checksum | undefined> => {
      const sum = validate && plan ? new Checksum(plan.checkTypes) : undefined;
      if (fastForm && src.kind === 'table') {
        const read = await src.conn.readBytes!(src.source, unit.range, fastForm, signal);
        if (read) {
          const tee = byteTee(meter, fastForm, sum ? (fastForm.kind === 'csv' ? csvDecoder(fastForm.options) : pgTextDecoder()) : undefined, sum);
          if (snk.kind === 'files') {
            const out = new FileOutput({ store: snk.conn, format: snk.format, compression: snk.compression, name: (i) => snk.naming.name(unit.index, units.length, i), meter, signal });
            try {
              await out.writeBytes(read.stream, transcode ? [tee, transcode(plan!.columns)] : [tee]);
            } finally {
              staged.push(...out.staged);
            }
          } else {
            const ts = await loadTarget(unit, plan!.columns.map((c) => c.name));
            // the source half of the pipe: its failure destroys `tee`, which fails the load
            tee.on('error', () => undefined);
            pipeline(read.stream, tee).catch(() => undefined);
            const n = await ts.loadBytes!(tee, fastForm, signal);
            meter.rowsWritten = n ?? 0;
            // the bytes the source wrote are the very bytes the table's load took in (dataWritten, monitoringData's sentBytes)
            meter.bytesWritten = meter.bytesRead;
          }
          const rows = read.rowCount();
          meter.rowsRead = rows;
          if (snk.kind === 'files') meter.rowsWritten = rows;
          if (sum && sum.rows !== rows) throw new DmgwError('DATA_INCONSISTENT', `partition ${unit.index}: the source reported ${rows} rows but ${sum.rows} were parsed from its output`, {}, 'report this as a bug');
          return sum;
        }
      }
      if (csvLoad && src.kind === 'files') {
        return loadCsvFiles(unit.files!, {
          store: src.conn,
          compression: src.compression,
          options: csvLoad.options,
          meter,
          signal,
          validate,
          sinkFor: async (columns) => {
            const p = planFor(columns);
            return { sink: await ensureSink(p.columns.map((c) => c.name)), checkTypes: p.checkTypes };
          },
        });
      }
      if (csvPass && src.kind === 'files' && snk.kind === 'files' && unit.files?.length === 1) {
        await passCsvFile(src, snk, unit.files[0]!, csvPass, { name: (i) => snk.naming.name(unit.index, units.length, i), meter, signal, staged });
        return undefined;
      }
      // the row path
      let sumRef = sum;
      const source: AsyncIterable<RowBatch> =
        src.kind === 'table'
          ? src.conn.readRows(src.source, unit.range, signal)
          : readFileRows(src.conn, unit.files!, { format: src.format, compression: src.compression, meter, signal, wanted: fileWanted(mappings, targetColumns) });
      async function* shaped(): AsyncGenerator<RowBatch> {
        for await (const b of source) {
          const p = planFor(b.columns);
          if (validate && !sumRef) sumRef = new Checksum(p.checkTypes);
          meter.rowsRead += b.rows.length;
          const rows = p.pick ? applyMapping(b.rows, p.pick) : b.rows;
          sumRef?.addRows(rows);
          yield { columns: p.columns, rows };
        }
      }
      if (snk.kind === 'files') {
        const out = new FileOutput({ store: snk.conn, format: snk.format, compression: snk.compression, name: (i) => snk.naming.name(unit.index, units.length, i), maxRowsPerFile: snk.naming.maxRowsPerFile, meter, signal });
        try {
          await out.writeRows(plan?.columns, shaped());
        } finally {
          staged.push(...out.staged);
        }
      } else {
        const it = shaped()[Symbol.asyncIterator]();
        const first = await it.next();
        if (!first.done) {
          const ts = await loadTarget(unit, first.value.columns.map((c) => c.name));
          async function* rowsOnly(): AsyncGenerator<Row[]> {
            yield first.value!.rows;
            for (let r = await it.next(); !r.done; r = await it.next()) yield r.value.rows;
          }
          meter.rowsWritten = await ts.loadRows(rowsOnly(), signal);
        }
      }
      return sumRef;
    };

    const tryUnit = async (unit: Unit): Promise<UnitResult> =>
      withRetry(
        async (n) => {
          const meter = meters.start();
          const staged: StagedFile[] = [];
          const ctrl = new AbortController();
          const stop = () => ctrl.abort(run.signal.reason);
          run.signal.addEventListener('abort', stop, { once: true });
          try {
            if (n > 1) req.log('info', `partition ${unit.index} (${describePartition(unit.range)}): try ${n}`);
            const sum = await attempt(unit, meter, ctrl.signal, staged);
            // the partition's commit point for a resumable copy: after this a new attempt does not read it again
            if (parts || keepFiles) {
              const files = keepFiles ? await Promise.all(staged.map((f) => f.keep!())) : undefined;
              if (files) keptFiles.push(...files);
              req.resume!.markFinished(unit.index, { rowsRead: meter.rowsRead, rowsWritten: meter.rowsWritten, bytesRead: meter.bytesRead, bytesWritten: meter.bytesWritten, checksum: sum?.hex(), ...(files ? { files } : {}) });
            }
            meters.finish(meter);
            return { staged, sum, meter };
          } catch (e) {
            ctrl.abort(e);
            meters.drop(meter);
            // not journaled as finished: what it staged goes, also what it had kept
            await Promise.all(staged.map((s) => (s.discard ? s.discard() : s.abort()).catch(() => undefined)));
            throw run.signal.aborted && req.signal.aborted ? cancelled() : e;
          } finally {
            run.signal.removeEventListener('abort', stop);
          }
        },
        policy,
        run.signal,
        (e, n, delay) => {
          meters.retries++;
          req.log('warn', `partition ${unit.index} (${describePartition(unit.range)}) failed on try ${n}: ${redactError(e)}; retrying in ${delay} ms`);
        },
      );
    /** once more after the store refused what was staged (StagingRefused: its abort cleared the blob's blocks) */
    const restage = async (unit: Unit, e: StagingRefused): Promise<UnitResult> => {
      req.log('warn', `partition ${unit.index} (${describePartition(unit.range)}): ${e.message}; staging it again (once)`);
      try {
        return { ...(await tryUnit(unit)), restaged: true };
      } catch (again) {
        throw again instanceof StagingRefused ? again.final() : again;
      }
    };
    const runUnit = async (unit: Unit): Promise<UnitResult> => {
      try {
        return await tryUnit(unit);
      } catch (e) {
        if (!(e instanceof StagingRefused) || run.signal.aborted) throw e;
        return restage(unit, e);
      }
    };

    const todo = units.filter((u) => !resumed[u.index]);
    const ran = await pool(todo, Math.min(parallel, Math.max(1, todo.length)), runUnit, run);
    const results: UnitResult[] = units.map((u) => resumed[u.index] ?? ran[todo.indexOf(u)]!);
    for (const r of results) for (const f of r.staged) noteLeftovers(f.removedStale);
    for (const r of results) allStaged.push(...r.staged);

    // ---- verify + commit ----------------------------------------------------------------------------------
    let total = meters.total();
    let verdict: ConsistencyVerdict | undefined;
    const sourceSum = new Checksum();
    for (const r of results) if (r.sum) sourceSum.merge(r.sum);
    const checkTypes = plan?.checkTypes ?? [];
    if (snk.kind === 'table') {
      if (tableSink) {
        const ts = await tableSink;
        if (parts) {
          const finished = units.filter((_u, i) => results[i]!.meter.rowsWritten > 0).map((u) => partNames[u.index]!);
          await metadata('moving the finished parts into the stage', () => parts!.adopt(finished));
        }
        if (validate) verdict = await compare(sourceSum, total.rowsRead, async (s) => {
          for await (const b of ts.readBack(req.signal)) s.addRows(b.rows);
        }, checkTypes);
        if (!verdict || verdict.ok) {
          let n: number;
          try {
            n = await ts.commit(typeof sinkSettings.preCopyScript === 'string' ? sinkSettings.preCopyScript : undefined, writer, upsert, markOf(total));
          } catch (e) {
            return await committedMeanwhile(e);
          }
          committed = true;
          total.rowsWritten = n;
          if (parts) {
            await parts.drop(partNames).then(partsDropped, (e) => req.log('warn', `could not drop the resume parts of this copy: ${redactError(e)}`));
            req.resume!.remove();
          }
        }
      } else if (typeof sinkSettings.preCopyScript === 'string' && sinkSettings.preCopyScript.trim()) {
        // nothing to load, but the script still runs (ADF does): an empty staging table makes it one transaction
        const ts = await ensureSink((plan?.columns ?? targetColumns ?? []).slice(0, 1).map((c) => c.name));
        try {
          await ts.commit(sinkSettings.preCopyScript, writer, undefined, markOf(total));
        } catch (e) {
          return await committedMeanwhile(e);
        }
        committed = true;
      }
    } else {
      const reread = async (s: Checksum, staged: StagedFile[], afterCommit: boolean) => {
        for (const f of staged) {
          const raw = afterCommit ? await snk.conn.openRead(f.ref, req.signal) : f.readStaged!();
          for await (const b of rowsOfStream(raw, { format: snk.format, compression: snk.compression, wanted: plan?.columns.map((c) => c.name), signal: req.signal }, f.ref.path)) s.addRows(b.rows);
        }
      };
      const canReadStaged = allStaged.every((f) => f.readStaged);
      if (validate && canReadStaged) verdict = await compare(sourceSum, total.rowsRead, (s) => reread(s, allStaged, false), checkTypes);
      if (!verdict || verdict.ok) {
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          try {
            for (const f of r.staged) await f.commit();
          } catch (e) {
            // the store lost what this partition staged (another writer of the same blob): stage it again, once
            if (!(e instanceof StagingRefused)) throw e;
            if (r.restaged) throw e.final();
            await Promise.all(r.staged.map((f) => f.abort().catch(() => undefined)));
            meters.undo(r.meter);
            const again = await restage(units[i]!, e);
            results[i] = again;
            allStaged.push(...again.staged);
            try {
              for (const f of again.staged) await f.commit();
            } catch (e2) {
              throw e2 instanceof StagingRefused ? e2.final() : e2;
            }
          }
        }
        committed = true;
        if (keepFiles) req.resume!.remove();
        total = meters.total();
        if (validate && !canReadStaged) {
          const written = results.flatMap((r) => r.staged);
          verdict = await compare(sourceSum, total.rowsRead, (s) => reread(s, written, true), checkTypes);
          if (!verdict.ok) await Promise.all(written.map((f) => snk.conn.remove(f.ref).catch(() => undefined)));
        }
      }
    }
    if (verdict && !verdict.ok) {
      throw new DmgwError(
        'DATA_INCONSISTENT',
        `data consistency check failed: source ${verdict.sourceRows} rows / checksum ${verdict.sourceChecksum}, sink ${verdict.sinkRows} rows / checksum ${verdict.sinkChecksum}`,
        { field: `activities[${req.activity}]` },
        'nothing was kept in the sink; rerun the copy, and check the sink store if it happens again',
      );
    }
    const ms = Date.now() - t0;
    return {
      rowsRead: total.rowsRead,
      rowsCopied: total.rowsWritten,
      dataRead: total.bytesRead,
      dataWritten: total.bytesWritten,
      copyDuration: ms / 1000,
      /** KB/s written, as ADF reports it */
      throughput: ms > 0 ? Math.round(total.bytesWritten / 1024 / (ms / 1000)) : 0,
      usedParallelCopies: Math.min(parallel, units.length),
      ...(resumed.some(Boolean) ? { partitionsResumed: resumed.filter(Boolean).length } : {}),
      retries: meters.retries,
      checksum: validate ? sourceSum.hex() : undefined,
      dataConsistencyVerification: verdict,
      files: snk.kind === 'files' ? results.flatMap((r) => r.staged.map((f) => f.ref.path)) : undefined,
    };
  } catch (e) {
    run.abort(e);
    if (!committed) {
      await Promise.all(allStaged.map((s) => s.abort().catch(() => undefined)));
      if (tableSink) await tableSink.then((t) => t.abort()).catch(() => undefined);
      if (parts) keepParts(req, parts, partNames, partsDropped);
      if (keepFiles) keepStagedFiles(req, keptFiles);
    }
    if (req.signal.aborted) throw cancelled();
    throw e;
  } finally {
    if (timer) clearInterval(timer);
    req.signal.removeEventListener('abort', onCancel);
    await src.conn.close().catch(() => undefined);
    await sink?.conn.close().catch(() => undefined);
  }
}

/**
 * A failed resumable copy keeps its finished parts for the next attempt of the run (copy/resume.ts); a cancel drops
 * them at once, and what a run's failed copies kept is dropped when the run ends (`finishRun`).
 */
function keepParts(req: CopyRequest, parts: PartStore, names: string[], dropped: () => void): void {
  const journal = req.resume!;
  const drop = async () => {
    const conn = connectorFor(req.output.linkedService, req.node);
    try {
      if (conn.kind === 'table') await conn.dropParts?.(tableNameOf(req.output) ?? { table: '' }, names);
      journal.remove();
      dropped();
    } finally {
      await conn.close().catch(() => undefined);
    }
  };
  if (req.signal.aborted) void parts.drop(names).then(() => (journal.remove(), dropped()), () => undefined);
  else keptForRetry(journal.runId, drop);
}

/** The same for a copy into files: the finished partitions' kept files (StagedFile.keep), found again and discarded. */
function keepStagedFiles(req: CopyRequest, kept: KeptFile[]): void {
  const journal = req.resume!;
  const drop = async () => {
    const conn = connectorFor(req.output.linkedService, req.node);
    try {
      if (conn.kind === 'files') for (const k of kept) await (await conn.resumeStaged?.(k, new AbortController().signal))?.discard?.();
      journal.remove();
    } finally {
      await conn.close().catch(() => undefined);
    }
  };
  if (req.signal.aborted) void drop().catch(() => undefined);
  else keptForRetry(journal.runId, drop);
}

export function cancelled(): DmgwError {
  return new DmgwError('CANCELLED', 'the run was cancelled; nothing was committed to the sink', {});
}

async function compare(source: Checksum, sourceRows: number, fill: (s: Checksum) => Promise<void>, types: LogicalType[]): Promise<ConsistencyVerdict> {
  const s = new Checksum(types);
  await fill(s);
  const ok = s.rows === source.rows && s.hex() === source.hex() && source.rows === sourceRows;
  return { ok, sourceRows, sinkRows: s.rows, sourceChecksum: source.hex(), sinkChecksum: s.hex() };
}

/** For a JSON source feeding a table, the objects are projected onto the mapped or the table's columns. */
function fileWanted(mappings: ColumnMapping[] | undefined, target: Column[] | undefined): string[] | undefined {
  if (mappings) return mappings.map((m) => m.source.name).filter((n): n is string => !!n);
  return target?.map((c) => c.name);
}

/** Runs `work` over `items`, `n` at a time; the first failure stops the others (via `run`) and is thrown. */
async function pool<T, R>(items: T[], n: number, work: (t: T) => Promise<R>, run: AbortController): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (e) {
        if (failure === undefined) {
          failure = e;
          run.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
  if (failure !== undefined) {
    // staged output of units that did finish is thrown away by the caller through allStaged
    for (const r of results) if (r && typeof r === 'object' && 'staged' in r) await Promise.all((r as unknown as UnitResult).staged.map((s) => s.abort().catch(() => undefined)));
    throw failure;
  }
  return results;
}

function describeEnd(s: SourceEnd): string {
  if (s.kind === 'table') return `${s.dataset.name} (${s.source.query ? 'query' : 'table'})`;
  return `${s.dataset.name} (${s.files.length} file(s), ${s.format.type}${s.compression.codec !== 'none' ? ` ${s.compression.codec}` : ''})`;
}

function describeSink(s: SinkEnd): string {
  if (s.kind === 'table') return `${s.dataset.name} (table ${s.target.schema ? `${s.target.schema}.` : ''}${s.target.table})`;
  return `${s.dataset.name} (${s.format.type}${s.compression.codec !== 'none' ? ` ${s.compression.codec}` : ''})`;
}
