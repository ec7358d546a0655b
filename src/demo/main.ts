/**
 * `npm run demo`: the walkthrough end to end on a machine with no servers. Embedded PostgreSQL (PGlite) holds a
 * sample table and an in-process Azurite plays Azure Blob Storage. By default the whole product runs: the factory
 * service (in this process), a gateway created through its ARM API, this machine registered as the gateway's node
 * with `dmgw host` running, and the walkthrough pipeline run through the service's queue (serviceRun.ts).
 * `--local` runs it with `dmgw run` instead, as the VS Code extension's Run Pipeline Locally does (localRun.ts).
 * Either way the demo then reads the blobs back itself and checks rows and checksum against the table: exit 0 only
 * when they match.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DemoContext } from './demoContext.js';
import { startEmbeddedAzurite } from './embeddedAzurite.js';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { formatCount } from './format.js';
import { LOCAL_STAGES, runLocally } from './localRun.js';
import { checksumHex, checksumSql, type TableChecksum } from './rowChecksum.js';
import { createTableSql, finishTableSql, insertRowsSql, SAMPLE_COLUMNS, SAMPLE_ROWS } from './sampleData.js';
import { runThroughService, SERVICE_STAGES, startDemoService } from './serviceRun.js';
import { DemoFailure, Stages } from './stages.js';
import { printSummary } from './summary.js';
import { checksumBlobCsv } from './verifyBlobs.js';

const usage = `Usage: npm run demo [-- --rows N] [--local] [--keep]

Runs the walkthrough pipeline (examples/walkthrough, CopySalesOrdersToBlob) on embedded servers: PostgreSQL in
WASM (PGlite) with a sample table of N rows (default ${formatCount(SAMPLE_ROWS)}, or DMGW_DEMO_ROWS), and Azurite
in memory. By default through the factory service: it starts in this process, a gateway is created through its
ARM API, this machine registers as the gateway's node (dmgw register, dmgw host) and the run goes through the
service's queue to the host's worker. Then verifies the blob against the table (rows and checksum) without
trusting the engine.

  --rows N   rows in the sample table
  --local    no service: dmgw cert new, dmgw encrypt, dmgw run on this machine (as VS Code's Run Pipeline Locally)
  --keep     keep the scratch folder (factory, gateway home, service data and log) after a successful run`;

const INSERT_BATCH = 250_000;
const out = process.stdout;

async function main(argv: string[]): Promise<number> {
  let values: { rows?: string; keep?: boolean; local?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, keep: { type: 'boolean' }, local: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
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
  const local = values.local === true;

  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'dmgw-demo-'));
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    // children before the servers they talk to, servers last
    for (const stop of stops.splice(0).reverse()) await Promise.resolve().then(stop).catch(() => undefined);
  };
  let ok = false;
  const interrupt = () => {
    out.write('\ninterrupted: stopping\n');
    void stopAll().then(() => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const stages = new Stages(out, 3 + (local ? LOCAL_STAGES : SERVICE_STAGES));
  out.write(`Data Management Gateway demo: the walkthrough ${local ? 'run locally (dmgw run)' : 'through the factory service and a gateway node'} on embedded servers (no installation needed)\n  scratch folder ${scratch}\n\n`);
  try {
    const [db, blob, svc] = await stages.run(
      'servers',
      `starting embedded PostgreSQL (PGlite + pglite-socket) and Azurite blob storage${local ? '' : ', and the factory service (PGlite store)'}, in this process`,
      () => {
        // each registers its own stop as soon as it is up, so a failure of another still stops it
        const keep = <T extends object>(p: Promise<T>, stop: (v: T) => Promise<void>) => p.then((v) => (stops.push(() => stop(v)), v));
        return Promise.all([
          keep(startEmbeddedPostgres(), (p) => p.stop()),
          keep(startEmbeddedAzurite(), (a) => a.stop()),
          local ? undefined : keep(startDemoService(scratch), (v) => v.close()),
        ]);
      },
      ([p, a, s]) => `${p.version} on ${p.host}:${p.port}; Azurite at ${a.blobEndpoint}${s ? `; service at ${s.url} (log: ${s.logFile})` : ''}`,
    );

    const source = await stages.run(
      'sample data',
      `filling public.sales_orders with ${formatCount(rows)} sample rows, then checksumming it in SQL`,
      async () => {
        await db.exec(createTableSql());
        for (let from = 1; from <= rows; from += INSERT_BATCH) await db.exec(insertRowsSql(from, Math.min(rows, from + INSERT_BATCH - 1)));
        await db.exec(finishTableSql());
        const [c] = await db.query<TableChecksum>(checksumSql('public.sales_orders', SAMPLE_COLUMNS));
        return c!;
      },
      (c) => `${formatCount(Number(c.rows))} rows, checksum ${checksumHex(c.sum)}`,
    );

    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DMGW_DEBUG;
    const ctx: DemoContext = { out, stages, scratch, env, db, blob, defer: (stop) => void stops.push(stop) };
    const { factory, copy } = svc ? await runThroughService(ctx, svc) : await runLocally(ctx);

    const sink = factory.sink;
    const check = await stages.run(
      'verify',
      `reading back every blob under ${sink.container}/${sink.folder}: download, gunzip, parse CSV, checksum`,
      () => checksumBlobCsv({ connectionString: blob.connectionString, container: sink.container, folder: sink.folder, firstRowAsHeader: sink.firstRowAsHeader, delimiter: sink.delimiter, quote: sink.quote }, SAMPLE_COLUMNS),
      (v) => `${v.files.length} blob${v.files.length === 1 ? '' : 's'}, ${formatCount(v.rows)} rows`,
    );

    ok = printSummary(out, source, check, copy, stages, performance.now() - started);
    return ok ? 0 : 1;
  } catch (e) {
    const msg = e instanceof DemoFailure ? e.message : e instanceof Error ? (process.env.DMGW_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
    out.write(`\nDEMO FAILED: ${msg}\n`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await stopAll();
    if (ok && !values.keep) rmSync(scratch, { recursive: true, force: true });
    else out.write(`kept ${scratch} (factory, gateway home${local ? '' : ', service data and log'}) for inspection\n`);
  }
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
