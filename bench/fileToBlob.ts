/**
 * File system → Azure Blob Storage: one CSV file (the PostgreSQL bench table exported by psql) copied into a fresh
 * in-memory Azurite per run by the engine (DelimitedText folder → DelimitedText blob, parallelCopies 1 and 4) and by
 * rclone (Debian's; installed when missing), beside the limits measured in the same run on the same file:
 *   raw read    cat FILE > /dev/null
 *   raw write   the file uploaded in the engine's request shape (probes.ts upload-md5)
 *   peer        rclone copyto FILE az:bench/rclone/orders.csv (azureblob backend, a container SAS URL, defaults)
 * Targets: ≥ 0.9× min(raw read, raw write) in rows/s; ≥ 1.0× rclone; peak RSS < 200 MB.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, type AzuriteServer } from '../test/support/azurite.js';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable } from './benchTable.js';
import { blobBytes, CLI, engineEnv, withAzurite } from './engineRun.js';
import { runMeasured, type Benchmark, type BenchOptions, type BenchReport, type Measurement } from './harness.js';
import { ensureTool } from './peers.js';
import { catRead, psqlOut, rawUpload } from './rawLimits.js';
import { ROW_CONTAINER, RowFactory } from './rowFactory.js';
import { PARALLEL, PathBench } from './rowPaths.js';

const RCLONE_TARGET = 1.0;

export const fileToBlobBenchmark: Benchmark = {
  name: 'file-blob',
  summary: 'CSV file → CSV blob (same Azurite), vs cat, a raw upload and rclone',
  async run(o: BenchOptions): Promise<BenchReport> {
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: o.rows, repeat: o.repeat, parallelCopies: PARALLEL.join('/') }, measurements: [], checks: [], notes: [] };
    const pgUrl = new URL(BENCH_PG_URL);
    if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${pgUrl.host} (set DMGW_BENCH_PG_URL): it makes the file` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const table = await ensureBenchTable(o.rows, o.log);
    const rows = table.rows;
    const fileRoot = join(o.scratch, 'files');
    mkdirSync(join(fileRoot, 'in'), { recursive: true });
    const file = join(fileRoot, 'in', 'orders.csv');
    await psqlOut(`COPY (SELECT * FROM ${table.qualified}) TO STDOUT WITH (FORMAT csv, HEADER)`, file, { name: 'the file', rows });

    const factory = new RowFactory(join(o.scratch, 'factory'), fileRoot);
    const b = new PathBench(report, o, factory, engineEnv(o.scratch, fileRoot));
    const rawRead = await b.measure(() => catRead(file, { name: 'file raw read: cat → /dev/null', rows }));
    const rawWrite = await b.measure(() => rawUpload(file, { name: 'raw write: upload of the file to Azurite', rows }, 1));
    const missing = ensureTool('rclone', 'rclone', ['version'], o.log);
    if (missing) report.notes.push(missing);
    const peer = missing ? undefined : await b.measure(() => withAzurite((az) => rclone(file, az, rows)));

    const path = 'file → CSV blob';
    const ours = [];
    const source = { kind: 'csvFile' as const, folder: 'in', fileName: 'orders.csv' };
    for (const n of PARALLEL) ours.push(await b.engine(path, factory.pipeline(`FileToBlob_${n}`, source, { kind: 'blob', format: 'DelimitedText', folder: `engine-${n}` }, n), n, rows, { kind: 'blob', folder: `engine-${n}` }));
    b.path(path, ours, { read: rawRead, write: rawWrite }, [{ peer, target: RCLONE_TARGET }]);
    return report;
  },
};

/**
 * rclone copyto into the Azurite at `endpoint`. Debian's rclone 1.60 builds `https://<account>.<endpoint>` from an
 * account key and knows the emulator only on port 10000, so it is given a container SAS URL (made here, untimed).
 */
async function rclone(file: string, az: AzuriteServer, rows: number): Promise<Measurement> {
  const key = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  await new BlobServiceClient(az.blobEndpoint, key).getContainerClient(ROW_CONTAINER).createIfNotExists();
  const sas = generateBlobSASQueryParameters({ containerName: ROW_CONTAINER, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 86_400_000) }, key).toString();
  const env = { ...process.env, RCLONE_CONFIG_AZ_TYPE: 'azureblob', RCLONE_CONFIG_AZ_SAS_URL: `${az.blobEndpoint}/${ROW_CONTAINER}?${sas}` };
  const r = await runMeasured('rclone', ['copyto', file, `az:${ROW_CONTAINER}/rclone/orders.csv`], { env });
  if (r.code !== 0) throw new Error(`rclone failed (${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  return { name: 'peer: rclone copyto (azureblob)', role: 'peer', seconds: r.seconds, rows, bytes: await blobBytes(az.connectionString, ROW_CONTAINER, 'rclone/'), peakRssBytes: r.peakRssBytes };
}
