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
 * Targets (docs/ARCHITECTURE.md): file ≥ 0.8× raw psql; blob ≥ 0.9× min(raw read, raw upload) and ≥ 1.0× naive;
 * engine peak RSS < 200 MB. Also checked: blob ≥ 0.9× min(raw read, raw upload with MD5).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteServer } from '../test/support/azurite.js';
import { portOpen } from '../test/support/servers.js';
import type { ActivityFinished, RunEvent } from '../src/common/events.js';
import { BENCH_PG_URL, ensureBenchTable, type BenchTable } from './benchTable.js';
import { atLeast, below, fastest, MB, rate, runMeasured, type Benchmark, type BenchOptions, type BenchReport, type Check, type Measurement } from './harness.js';
import { BLOB_CONTAINER, FILE_OUTPUT_FOLDER, pipelineName, setBenchBlobConnection, writeBenchFactory, type Sink } from './pgCopyFactory.js';

const PARALLEL = [1, 4];
const RSS_LIMIT_MB = 200;
const dist = join(__dirname, '..');
const cli = join(dist, 'agent', 'cli.js');
const probes = join(dist, 'bench', 'probes.js');

export const pgCopyBenchmark: Benchmark = {
  name: 'pg-copy',
  summary: 'PostgreSQL table → CSV file and → CSV blob: engine vs raw psql, raw upload and a naive pipeline',
  async run(o: BenchOptions): Promise<BenchReport> {
    const url = new URL(BENCH_PG_URL);
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(cli)) return { ...report, skipped: `${cli} is missing (build first)` };

    const table = await ensureBenchTable(o.rows, o.log);
    const factory = join(o.scratch, 'factory');
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(fileRoot, { recursive: true });
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
    const attempt = async (fn: () => Promise<Measurement>) => {
      try {
        return await fn();
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        report.notes.push(msg);
        o.log(`  ${msg}`);
        return undefined;
      }
    };

    // --- file system sink
    const rawFile = m(await fastest(o.repeat, () => psql(copySql, psqlFile, table, 'file: raw psql \\copy → file')));
    const rawRead = m(await fastest(o.repeat, () => psql(copySql, '/dev/null', table, 'raw read: psql \\copy → /dev/null', rawFile.bytes)));
    const engineFile: Measurement[] = [];
    for (const n of PARALLEL) {
      const out = join(fileRoot, FILE_OUTPUT_FOLDER);
      const clean = async () => rmSync(out, { recursive: true, force: true });
      await clean();
      const e = await attempt(() => fastest(o.repeat, () => engine(factory, 'file', n, table, () => folderBytes(out)), clean));
      if (e) engineFile.push(m(e));
      await clean();
    }

    // --- blob sink: every measurement gets a fresh Azurite, so none pays for another's memory
    const withAzurite = async (fn: (az: AzuriteServer) => Promise<Measurement>) => {
      const az = await startAzurite();
      try {
        return await fn(az);
      } finally {
        await az.stop();
      }
    };
    const rawUpload = m(
      await fastest(o.repeat, () =>
        withAzurite(async (az) => {
          const r = await runMeasured(process.execPath, [probes, 'upload', psqlFile, az.connectionString, BLOB_CONTAINER, 'raw/orders.csv']);
          if (r.code !== 0) throw new Error(`raw upload failed: ${r.stderr}`);
          return { name: 'blob: raw upload of the psql file', role: 'baseline', seconds: r.seconds, rows: table.rows, bytes: JSON.parse(r.stdout).bytes, peakRssBytes: r.peakRssBytes };
        }),
      ),
    );
    const rawUploadMd5 = m(
      await fastest(o.repeat, () =>
        withAzurite(async (az) => {
          const r = await runMeasured(process.execPath, [probes, 'upload-md5', psqlFile, az.connectionString, BLOB_CONTAINER, 'raw/orders.csv']);
          if (r.code !== 0) throw new Error(`raw upload with MD5 failed: ${r.stderr}`);
          return { name: 'blob: raw upload, blocks with Content-MD5', role: 'baseline', seconds: r.seconds, rows: table.rows, bytes: JSON.parse(r.stdout).bytes, peakRssBytes: r.peakRssBytes };
        }),
      ),
    );
    rmSync(psqlFile, { force: true });
    const naive = m(
      await fastest(o.repeat, () =>
        withAzurite(async (az) => {
          const r = await runMeasured(process.execPath, [probes, 'naive', BENCH_PG_URL, copySql, az.connectionString, BLOB_CONTAINER, 'naive/orders.csv']);
          if (r.code !== 0) throw new Error(`naive pipeline failed: ${r.stderr}`);
          return { name: 'blob: naive pg-copy-streams → uploadStream', role: 'reference', seconds: r.seconds, rows: table.rows, bytes: JSON.parse(r.stdout).bytes, peakRssBytes: r.peakRssBytes };
        }),
      ),
    );
    const engineBlob: Measurement[] = [];
    for (const n of PARALLEL) {
      const e = await attempt(() =>
        fastest(o.repeat, () =>
          withAzurite(async (az) => {
            setBenchBlobConnection(factory, az.connectionString);
            return engine(factory, 'blob', n, table, () => containerBytes(az.connectionString));
          }),
        ),
      );
      if (e) engineBlob.push(m(e));
    }

    // --- checks
    const mbps = (x: Measurement) => rate(x).mbPerSecond;
    const checks: Check[] = [];
    for (const e of engineFile) checks.push(atLeast(`${e.name} ÷ raw psql file`, mbps(e) / mbps(rawFile), 0.8));
    const slower = Math.min(mbps(rawRead), mbps(rawUpload));
    const slowerSameShape = Math.min(mbps(rawRead), mbps(rawUploadMd5));
    for (const e of engineBlob) {
      checks.push(atLeast(`${e.name} ÷ min(raw read, raw upload)`, mbps(e) / slower, 0.9));
      checks.push(atLeast(`${e.name} ÷ min(raw read, raw upload with MD5)`, mbps(e) / slowerSameShape, 0.9));
      checks.push(atLeast(`${e.name} ÷ naive`, mbps(e) / mbps(naive), 1.0));
    }
    for (const e of [...engineFile, ...engineBlob]) checks.push(below(`${e.name} peak RSS`, (e.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
    report.checks = checks;
    for (const e of [...engineFile, ...engineBlob]) {
      const diff = Math.abs(e.bytes - rawFile.bytes) / rawFile.bytes;
      if (diff > 0.01) report.notes.push(`${e.name} wrote ${e.bytes} bytes, psql ${rawFile.bytes} (${(diff * 100).toFixed(1)}% apart): check the CSV it writes`);
      if (e.note) report.notes.push(`${e.name}: ${e.note}`);
    }
    if (table.created) report.notes.push(`the table was made in this run; later runs reuse it`);
    return report;
  },
};

/** `psql -c "\copy (SELECT ...) TO STDOUT ..."` into `target`; `bytes` when the target cannot be measured (/dev/null). */
async function psql(copySql: string, target: string, table: BenchTable, name: string, bytes?: number): Promise<Measurement> {
  const r = await runMeasured('psql', [BENCH_PG_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\${copySql.replace(/^COPY/, 'copy')}`], { stdoutFile: target });
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return { name, role: 'baseline', seconds: r.seconds, rows: table.rows, bytes: bytes ?? statSync(target).size, peakRssBytes: r.peakRssBytes };
}

async function engine(factory: string, sink: Sink, parallel: number, table: BenchTable, outputBytes: () => Promise<number>): Promise<Measurement> {
  let finished: ActivityFinished | undefined;
  const r = await runMeasured(process.execPath, [cli, 'run', '--factory', factory, '--pipeline', pipelineName(sink, parallel), '--events', 'ndjson'], {
    onStdoutLine: (line) => {
      if (!line.startsWith('{')) return;
      const e = JSON.parse(line) as RunEvent;
      if (e.event === 'activity-finished') finished = e;
    },
  });
  if (r.code !== 0 || finished?.status !== 'Succeeded') throw new Error(`dmgw run ${pipelineName(sink, parallel)} failed (exit ${r.code}): ${finished?.error?.message ?? (r.stderr.trim().split('\n')[0] || 'no error text')}`);
  const rows = finished.output?.rowsCopied ?? table.rows;
  const used = finished.output?.usedParallelCopies;
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

async function folderBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

async function containerBytes(connectionString: string): Promise<number> {
  let n = 0;
  const c = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(BLOB_CONTAINER);
  for await (const b of c.listBlobsFlat({ prefix: 'engine/' })) n += b.properties.contentLength ?? 0;
  return n;
}
