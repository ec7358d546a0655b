/**
 * What the row-path benchmarks share: a `PathBench` records measurements into a report (and logs them), runs the
 * engine on one pipeline into a folder, a fresh Azurite or a table, and states each path's checks:
 *   ours ÷ min(raw read, raw write) ≥ 0.9 (rows/s), ours ÷ peer ≥ the peer's target, peak RSS < 200 MB.
 * A run that fails is noted and the others go on (engineRun.attempt).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { attempt, blobBytes, folderBytes, runEngine, withAzurite } from './engineRun.js';
import { atLeast, below, fastest, MB, rate, type BenchOptions, type BenchReport, type Measurement } from './harness.js';
import { ROW_CONTAINER, type RowFactory } from './rowFactory.js';

export const PARALLEL = [1, 4] as const;
export const ROW_TARGET = 0.9;
export const RSS_LIMIT_MB = 200;

export type Output = { kind: 'file'; dir: string } | { kind: 'blob'; folder: string } | { kind: 'table'; empty: () => Promise<void> };

const rps = (x: Measurement) => rate(x).rowsPerSecond;

export class PathBench {
  constructor(
    readonly report: BenchReport,
    private readonly o: BenchOptions,
    private readonly factory: RowFactory,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Records `x` in the report and logs it. */
  m(x: Measurement): Measurement {
    this.report.measurements.push(x);
    this.o.log(`  ${x.name}: ${x.seconds.toFixed(2)} s, ${Math.round(rps(x)).toLocaleString('en-US')} rows/s, ${(x.bytes / MB).toFixed(0)} MB${x.peakRssBytes ? `, peak RSS ${(x.peakRssBytes / MB).toFixed(0)} MB` : ''}`);
    return x;
  }

  /** The fastest of --repeat runs of `fn`, recorded; undefined (and a note) when it failed. */
  async measure(fn: () => Promise<Measurement>, between?: () => Promise<void>): Promise<Measurement | undefined> {
    const x = await attempt(this.report, this.o.log, () => fastest(this.o.repeat, fn, between));
    return x && this.m(x);
  }

  /** The engine on `pipeline`, named `<path> ×<parallel>`, writing to `out`; each run starts from an empty output. */
  engine(path: string, pipeline: string, parallel: number, rows: number, out: Output): Promise<Measurement | undefined> {
    const name = `${path} ×${parallel}`;
    const measured = async (outputBytes: () => Promise<number>): Promise<Measurement> => {
      const r = await runEngine(this.factory.dir, pipeline, this.env);
      const copied = r.output?.rowsCopied ?? 0;
      const used = r.output?.usedParallelCopies;
      if (copied !== rows) throw new Error(`${name}: copied ${copied} rows of ${rows}`);
      return { name, role: 'engine', seconds: r.seconds, rows: copied, bytes: await outputBytes(), peakRssBytes: r.peakRssBytes, note: used !== undefined && used !== parallel ? `used ${used} parallel copies` : undefined };
    };
    if (out.kind === 'blob')
      return this.measure(() =>
        withAzurite(async (az) => {
          this.factory.setBlob(az.connectionString);
          return measured(() => blobBytes(az.connectionString, ROW_CONTAINER, `${out.folder}/`));
        }),
      );
    if (out.kind === 'file') {
      const clean = async () => rmSync(out.dir, { recursive: true, force: true });
      return this.measure(async () => {
        await clean();
        try {
          return await measured(async () => folderBytes(out.dir));
        } finally {
          await clean();
        }
      });
    }
    return this.measure(async () => {
      await out.empty();
      return measured(async () => 0);
    });
  }

  /** Adds the path to the report and its checks: ours ÷ min(raw read, raw write), ours ÷ each peer, peak RSS. */
  path(path: string, ours: (Measurement | undefined)[], raw: { read?: Measurement; write?: Measurement }, peers: { peer?: Measurement; target: number }[] = []): void {
    const runs = ours.filter((x): x is Measurement => !!x);
    const found = peers.filter((p): p is { peer: Measurement; target: number } => !!p.peer);
    this.report.paths = [...(this.report.paths ?? []), { path, ours: runs.map((x) => x.name), rawRead: raw.read?.name, rawWrite: raw.write?.name, target: ROW_TARGET, peers: found.map((p) => ({ name: p.peer.name, target: p.target })) }];
    const limits = [raw.read, raw.write].filter((x): x is Measurement => !!x);
    for (const e of runs) {
      if (limits.length) this.report.checks.push(atLeast(`${e.name} ÷ min(raw read, raw write)`, rps(e) / Math.min(...limits.map(rps)), ROW_TARGET));
      for (const p of found) this.report.checks.push(atLeast(`${e.name} ÷ ${p.peer.name}`, rps(e) / rps(p.peer), p.target));
      this.report.checks.push(below(`${e.name} peak RSS`, (e.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
      if (e.note) this.report.notes.push(`${e.name}: ${e.note}`);
    }
  }
}

/** The output folder of a file sink below the FileServer root, per pipeline. */
export const outDir = (fileRoot: string, folder: string) => join(fileRoot, folder);
