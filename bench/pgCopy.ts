/**
 * PostgreSQL → CSV, into the file system and into Azure Blob Storage (a separate in-memory Azurite process),
 * with the engine (`dmgw run` as a child process) single stream and 4 parallel copies, each beside the raw
 * limits measured in the same run on the same bytes:
 *   raw read    psql \copy (SELECT ...) TO STDOUT CSV HEADER > /dev/null
 *   raw file    the same into a file in the scratch folder (the file sink's limit)
 *   raw upload  that file uploaded to a fresh Azurite (8 MiB blocks × 4, the SDK's uploadFile)
 *   raw upload with MD5  the same in the engine's request shape: Put Block with a Content-MD5 each (4 MiB × 4).
 *               Azurite computes a CRC64 in JavaScript for a block that comes without an MD5, which makes the
 *               SDK's plain upload much slower than this one: the engine is held to both.
 *   naive       pg-copy-streams piped into uploadStream (8 MiB blocks × 4): what a script would do
 * Targets (docs/ARCHITECTURE.md, issue 16): file ≥ 0.9× raw psql (the store's own CLI writing the table to a file); blob ≥ 0.9× min(raw read, raw upload) and ≥ 1.0× naive;
 * engine peak RSS < 200 MB. Also checked: blob ≥ 0.9× min(raw read, raw upload with MD5).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable, type BenchTable } from './benchTable.js';
import { attempt, blobBytes, CLI, engineEnv, engineRunsIntoAzurite, folderBytes, PROBES, runEngine, withAzurite } from './engineRun.js';
import { atLeast, below, fastest, MB, rate, runMeasured, type Benchmark, type BenchOptions, type BenchReport, type Check, type Measurement } from './harness.js';
import { psqlOut } from './rawLimits.js';
import { BLOB_CONTAINER, FILE_OUTPUT_FOLDER, pipelineName, setBenchBlobConnection, writeBenchFactory, type Sink } from './pgCopyFactory.js';

const PARALLEL = [1, 4];
const RSS_LIMIT_MB = 200;

export const pgCopyBenchmark: Benchmark = {
  name: 'pg-copy',
  summary: 'PostgreSQL table → CSV file and → CSV blob: engine vs raw psql, raw upload and a naive pipeline',
  async run(o: BenchOptions): Promise<BenchReport> {
    const url = new URL(BENCH_PG_URL);
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureBenchTable(o.rows, o.log);
    const factory = join(o.scratch, 'factory');
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(fileRoot, { recursive: true });
    const env = engineEnv(o.scratch, fileRoot);
    writeBenchFactory({ dir: factory, table, pg: { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username) }, fileRoot, parallelCopies: PARALLEL });
    const copySql = `COPY (SELECT * FROM ${table.qualified}) TO STDOUT WITH (FORMAT csv, HEADER)`;
    const psqlFile = join(o.scratch, 'psql.csv');
    const m = (x: Measurement) => {
      report.measurements.push(x);
      const r = rate(x);
      o.log(`  ${x.name}: ${x.seconds.toFixed(2)} s, ${(x.bytes / MB).toFixed(0)} MB, ${r.mbPerSecond.toFixed(1)} MB/s${x.peakRssBytes ? `, peak RSS ${(x.peakRssBytes / MB).toFixed(0)} MB` : ''}`);
      return x;
    };

    // An engine run that fails is reported and the other measurements go on: the baselines still tell something.
    const tryEngine = async (fn: () => Promise<Measurement>) => {
      const x = await attempt(report, o.log, fn);
      return x && m(x);
    };

    // --- file system sink
    const rawFile = m(await fastest(o.repeat, () => psql(copySql, psqlFile, table, 'file: raw psql \\copy → file')));
    const rawRead = m(await fastest(o.repeat, () => psql(copySql, '/dev/null', table, 'raw read: psql \\copy → /dev/null', rawFile.bytes)));
    const engineFile: Measurement[] = [];
    for (const n of PARALLEL) {
      const out = join(fileRoot, FILE_OUTPUT_FOLDER);
      const clean = async () => rmSync(out, { recursive: true, force: true });
      await clean();
      const e = await tryEngine(() => fastest(o.repeat, () => engine(factory, env, 'file', n, table, async () => folderBytes(out)), clean));
      if (e) engineFile.push(e);
      await clean();
    }

    // --- blob sink: every measurement gets a fresh Azurite, so none pays for another's memory
    /** a probe (probes.ts) into a fresh Azurite: `args` then the Azurite's connection string, the container and `blob` */
    const probe = (name: string, role: Measurement['role'], what: string, args: string[], blob: string) =>
      fastest(o.repeat, () =>
        withAzurite(async (az) => {
          const r = await runMeasured(process.execPath, [PROBES, what, ...args, az.connectionString, BLOB_CONTAINER, blob]);
          if (r.code !== 0) throw new Error(`${name} failed: ${r.stderr}`);
          return { name, role, seconds: r.seconds, rows: table.rows, bytes: (JSON.parse(r.stdout) as { bytes: number }).bytes, peakRssBytes: r.peakRssBytes };
        }),
      );
    const rawUpload = m(await probe('blob: raw upload of the psql file', 'baseline', 'upload', [psqlFile], 'raw/orders.csv'));
    const rawUploadMd5 = m(await probe('blob: raw upload, blocks with Content-MD5', 'baseline', 'upload-md5', [psqlFile], 'raw/orders.csv'));
    rmSync(psqlFile, { force: true });
    const naive = m(await probe('blob: naive pg-copy-streams → uploadStream', 'reference', 'naive', [BENCH_PG_URL, copySql], 'naive/orders.csv'));
    const engineBlob = await engineRunsIntoAzurite(PARALLEL, o.repeat, tryEngine, (az, n) => {
      setBenchBlobConnection(factory, az.connectionString);
      return engine(factory, env, 'blob', n, table, () => blobBytes(az.connectionString, BLOB_CONTAINER, 'engine/'));
    });

    // --- checks
    const mbps = (x: Measurement) => rate(x).mbPerSecond;
    const checks: Check[] = [];
    for (const e of engineFile) checks.push(atLeast(`${e.name} ÷ raw psql file`, mbps(e) / mbps(rawFile), 0.9));
    const slower = Math.min(mbps(rawRead), mbps(rawUpload));
    const slowerSameShape = Math.min(mbps(rawRead), mbps(rawUploadMd5));
    for (const e of engineBlob) {
      checks.push(atLeast(`${e.name} ÷ min(raw read, raw upload)`, mbps(e) / slower, 0.9));
      checks.push(atLeast(`${e.name} ÷ min(raw read, raw upload with MD5)`, mbps(e) / slowerSameShape, 0.9));
      checks.push(atLeast(`${e.name} ÷ naive`, mbps(e) / mbps(naive), 1.0));
    }
    for (const e of [...engineFile, ...engineBlob]) checks.push(below(`${e.name} peak RSS`, (e.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
    report.checks = checks;
    report.paths = [
      { path: 'PostgreSQL → CSV file', ours: engineFile.map((e) => e.name), rawRead: rawRead.name, rawWrite: rawFile.name, target: 0.9, peers: [] },
      { path: 'PostgreSQL → CSV blob', ours: engineBlob.map((e) => e.name), rawRead: rawRead.name, rawWrite: rawUploadMd5.name, target: 0.9, peers: [{ name: naive.name, target: 1.0 }] },
    ];
    for (const e of [...engineFile, ...engineBlob]) {
      const diff = Math.abs(e.bytes - rawFile.bytes) / rawFile.bytes;
      if (diff > 0.01) report.notes.push(`${e.name} wrote ${e.bytes} bytes, psql ${rawFile.bytes} (${(diff * 100).toFixed(1)}% apart): check the CSV it writes`);
      if (e.note) report.notes.push(`${e.name}: ${e.note}`);
    }
    if (table.created) report.notes.push(`the table was made in this run; later runs reuse it`);
    return report;
  },
};

const psql = (copySql: string, target: string, table: BenchTable, name: string, bytes?: number) => psqlOut(copySql, target, { name, rows: table.rows }, bytes);

async function engine(factory: string, env: NodeJS.ProcessEnv, sink: Sink, parallel: number, table: BenchTable, outputBytes: () => Promise<number>): Promise<Measurement> {
  const r = await runEngine(factory, pipelineName(sink, parallel), env);
  const rows = r.output?.rowsCopied ?? table.rows;
  const used = r.output?.usedParallelCopies;
  return {
    name: `${sink}: engine parallelCopies=${parallel}`,
    role: 'engine',
    seconds: r.seconds,
    rows,
    bytes: await outputBytes(),
    peakRssBytes: r.peakRssBytes,
    note: rows !== table.rows ? `copied ${rows} rows of ${table.rows}` : used !== undefined && used !== parallel ? `used ${used} parallel copies` : undefined,
  };
}
