/**
 * `npm run demo`: the walkthrough end to end on a machine with no servers. Embedded PostgreSQL (PGlite) holds a
 * sample table, an in-process Azurite plays Azure Blob Storage, and the real `dmgw` CLI does the rest as a user
 * would: a new gateway certificate, the walkthrough factory with its PostgreSQL password encrypted, and
 * `dmgw run` of the walkthrough pipeline. The demo then reads the blobs back itself and checks rows and checksum
 * against the table. Exit 0 only when they match.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDmgw, runDmgwWithEvents, type RunHandle } from './dmgwProcess.js';
import { startEmbeddedAzurite, type EmbeddedAzurite } from './embeddedAzurite.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embeddedPostgres.js';
import { formatBytes, formatCount, formatSeconds } from './format.js';
import { ProgressView } from './progressView.js';
import { checksumHex, checksumSql, type TableChecksum } from './rowChecksum.js';
import { createTableSql, insertRowsSql, SAMPLE_COLUMNS, SAMPLE_ROWS } from './sampleData.js';
import { checksumBlobCsv, type BlobVerification } from './verifyBlobs.js';
import { POSTGRES_LINKED_SERVICE, prepareWalkthrough, WALKTHROUGH_PIPELINE } from './walkthroughFactory.js';

const usage = `Usage: npm run demo [-- --rows N] [--keep]

Runs the walkthrough pipeline (examples/walkthrough, CopySalesOrdersToBlob) on embedded servers: PostgreSQL in
WASM (PGlite) with a sample table of N rows (default ${formatCount(SAMPLE_ROWS)}, or DMGW_DEMO_ROWS), and Azurite
in memory. Then verifies the blob against the table (rows and checksum) without trusting the engine.

  --rows N   rows in the sample table
  --keep     keep the scratch folder (factory, gateway home) after a successful run`;

const INSERT_BATCH = 250_000;
const out = process.stdout;

class DemoFailure extends Error {}

async function main(argv: string[]): Promise<number> {
  let values: { rows?: string; keep?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${usage}\n`);
    return 0;
  }
  const rowsText = values.rows ?? process.env.DMGW_DEMO_ROWS ?? String(SAMPLE_ROWS);
  const rows = Number(rowsText.replace(/[_,]/g, ''));
  if (!Number.isInteger(rows) || rows < 1) {
    process.stderr.write(`demo: --rows must be a whole number ≥ 1, got "${rowsText}"\n\n${usage}\n`);
    return 2;
  }

  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'dmgw-demo-'));
  let pgl: EmbeddedPostgres | undefined;
  let az: EmbeddedAzurite | undefined;
  let run: RunHandle | undefined;
  let ok = false;
  const interrupt = () => {
    out.write('\ninterrupted: stopping\n');
    run?.kill();
    void Promise.allSettled([pgl?.stop(), az?.stop()]).then(() => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  out.write(`Data Management Gateway demo: the walkthrough on embedded servers (no installation needed)\n  scratch folder ${scratch}\n\n`);
  const total = 6;
  let n = 0;
  const stage = async <T>(title: string, fn: () => Promise<T>, detail: (r: T) => string): Promise<T> => {
    out.write(`[${++n}/${total}] ${title}\n`);
    const t0 = performance.now();
    const r = await fn();
    out.write(`      ${detail(r)}  (${formatSeconds(performance.now() - t0)})\n`);
    return r;
  };

  try {
    [pgl, az] = await stage(
      'starting embedded PostgreSQL (PGlite + pglite-socket) and Azurite blob storage (in process, in memory)',
      () => Promise.all([startEmbeddedPostgres(), startEmbeddedAzurite()]),
      ([p, a]) => `${p.version} on ${p.host}:${p.port}; Azurite at ${a.blobEndpoint}`,
    );
    const db = pgl;
    const blob = az;

    const source = await stage(
      `filling public.sales_orders with ${formatCount(rows)} sample rows, then checksumming it in SQL`,
      async () => {
        await db.exec(createTableSql());
        for (let from = 1; from <= rows; from += INSERT_BATCH) await db.exec(insertRowsSql(from, Math.min(rows, from + INSERT_BATCH - 1)));
        await db.exec('ANALYZE public.sales_orders');
        const [c] = await db.query<TableChecksum>(checksumSql('public.sales_orders', SAMPLE_COLUMNS));
        return c!;
      },
      (c) => `${formatCount(Number(c.rows))} rows, checksum ${checksumHex(c.sum)}`,
    );

    const env: NodeJS.ProcessEnv = { ...process.env, DMGW_HOME: join(scratch, 'gateway-home') };
    delete env.DMGW_DEBUG;
    const thumbprint = await stage(
      'making the gateway certificate: dmgw cert new',
      async () => {
        const r = await runDmgw(['cert', 'new', '--subject', 'CN=dmgw-demo'], { env });
        if (r.code !== 0) throw new DemoFailure(`dmgw cert new failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
        return /([0-9A-F]{64})/.exec(r.stdout)?.[1] ?? '?';
      },
      (t) => `thumbprint ${t} in ${env.DMGW_HOME}`,
    );

    const factory = await stage(
      'copying the walkthrough factory, pointing it at the embedded servers, encrypting the PostgreSQL password: dmgw encrypt',
      async () => {
        const f = prepareWalkthrough(join(scratch, 'factory'), { postgres: { host: db.host, port: db.port }, blobConnectionString: blob.connectionString });
        const file = join(f.dir, POSTGRES_LINKED_SERVICE);
        // PGlite accepts any password; a fresh random one still shows the real flow: stdin in, JWE out.
        const r = await runDmgw(['encrypt', file, '--password-stdin'], { env, input: `${randomBytes(18).toString('base64url')}\n` });
        if (r.code !== 0) throw new DemoFailure(`dmgw encrypt failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
        return f;
      },
      (f) => `${f.dir}; OnPremPostgreSql → ${db.host}:${db.port}, password only as an EncryptedCredential for ${thumbprint.slice(0, 8)}…`,
    );

    const runArgs = ['run', '--factory', factory.dir, '--pipeline', WALKTHROUGH_PIPELINE, '--events', 'ndjson'];
    const view = new ProgressView(out);
    const copyStarted = performance.now();
    const result = await stage(
      `running the pipeline as a child process: dmgw ${runArgs.join(' ')}`,
      async () => {
        run = runDmgwWithEvents(runArgs, { env, onEvent: (e) => view.onEvent(e), onStderr: (t) => view.onStderr(t) });
        const r = await run.done;
        view.close();
        run = undefined;
        if (r.code !== 0 || view.finished?.status !== 'Succeeded') {
          const why = r.stderr.includes('unknown command "run"') ? 'this build has no `dmgw run` yet' : (view.finished?.error?.message ?? (r.stderr.trim() || `exit code ${r.code}`));
          throw new DemoFailure(`the pipeline run failed: ${why}`);
        }
        return r;
      },
      () => 'dmgw run exited with 0',
    );
    void result;
    const copyMs = view.activities[0]?.durationMs ?? performance.now() - copyStarted;
    const engineVerdict = view.activities[0]?.output?.dataConsistencyVerification;

    const sink = factory.sink;
    const check = await stage(
      `reading back every blob under ${sink.container}/${sink.folder}: download, gunzip, parse CSV, checksum`,
      () => checksumBlobCsv({ connectionString: blob.connectionString, container: sink.container, folder: sink.folder, firstRowAsHeader: sink.firstRowAsHeader, delimiter: sink.delimiter, quote: sink.quote }, SAMPLE_COLUMNS),
      (v) => `${v.files.length} blob${v.files.length === 1 ? '' : 's'}, ${formatCount(v.rows)} rows`,
    );

    ok = summary(source, check, copyMs, performance.now() - started, engineVerdict?.ok);
    return ok ? 0 : 1;
  } catch (e) {
    const msg = e instanceof DemoFailure ? e.message : e instanceof Error ? (process.env.DMGW_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
    out.write(`\nDEMO FAILED: ${msg}\n`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await Promise.allSettled([pgl?.stop(), az?.stop()]);
    if (ok && !values.keep) rmSync(scratch, { recursive: true, force: true });
    else out.write(`kept ${scratch} (factory, gateway home) for inspection\n`);
  }
}

function summary(source: TableChecksum, sink: BlobVerification, copyMs: number, totalMs: number, engineOk: boolean | undefined): boolean {
  const rowsMatch = Number(source.rows) === sink.rows;
  const sumMatch = source.sum === sink.sum;
  const verdict = (b: boolean) => (b ? 'match' : 'MISMATCH');
  const csvBytes = sink.files.reduce((s, f) => s + f.textBytes, 0);
  const storedBytes = sink.files.reduce((s, f) => s + f.bytes, 0);
  const gz = sink.files.some((f) => f.gzip);
  const names = sink.files.map((f) => f.name);
  const secs = copyMs / 1000;
  out.write(`\nResult\n`);
  out.write(`  rows      table ${formatCount(Number(source.rows))} = blob ${formatCount(sink.rows)}  ${verdict(rowsMatch)}\n`);
  out.write(`  checksum  table ${checksumHex(source.sum)} = blob ${checksumHex(sink.sum)}  ${verdict(sumMatch)}\n`);
  out.write(`  data      ${formatBytes(csvBytes)} of CSV${gz ? `, ${formatBytes(storedBytes)} gzip` : ''} in ${names.length} blob${names.length === 1 ? '' : 's'}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}\n`);
  out.write(`  copy      ${formatSeconds(copyMs)}: ${formatCount(sink.rows / secs)} rows/s, ${(csvBytes / 1e6 / secs).toFixed(1)} MB/s of CSV\n`);
  if (engineOk !== undefined) out.write(`  engine    its own consistency check (validateDataConsistency): ${engineOk ? 'passed' : 'FAILED'}\n`);
  out.write(`  total     ${formatSeconds(totalMs)}\n\n`);
  const ok = rowsMatch && sumMatch && sink.rows > 0;
  out.write(ok ? `DEMO OK: verified ${formatCount(sink.rows)} rows, checksum match\n` : `DEMO FAILED: the blob does not hold the table's rows (${rowsMatch ? 'same count, different content' : 'row counts differ'})\n`);
  return ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`demo: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
