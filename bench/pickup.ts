/**
 * Job pickup latency: createRun (enqueue) → the worker has started the run (its activity-started time), over N
 * sequential runs against a real `dmgw service start` (PGlite store) and one `dmgw host`, each run queued while the
 * host's long poll is waiting. Baseline in the same run: spawning the bare CLI (`dmgw --version`), the floor a
 * worker started per job would pay (the host keeps one booted ahead, so pickup can beat it).
 * Target (brief §5): p95 < 1 s. The pipeline copies one row within the local PostgreSQL (skips when it is down).
 * `--repeat N` runs 50 × N pickups.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { DEFAULT_SUBSCRIPTION, createManagementClient, tokenFileCredential } from '../src/agent/management/client.js';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL } from './benchTable.js';
import { below, type Benchmark, type BenchOptions, type BenchReport } from './harness.js';

const cli = join(__dirname, '..', 'agent', 'cli.js');
const TARGET_P95_MS = 1000;
const RUNS_PER_REPEAT = 50;
const SPAWNS = 10;
const RG = 'bench';
const F = 'pickup';
const TABLE = 'dmgw_bench_pickup';

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const pickupBenchmark: Benchmark = {
  name: 'pickup',
  summary: 'job pickup: createRun → the worker starts the copy (service + host), vs spawning the CLI',
  async run(o: BenchOptions): Promise<BenchReport> {
    const runs = RUNS_PER_REPEAT * o.repeat;
    const report: BenchReport = { name: this.name, summary: this.summary, params: { runs, store: 'pglite' }, measurements: [], checks: [], notes: [] };
    const pgUrl = new URL(BENCH_PG_URL);
    if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${pgUrl.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(cli)) return { ...report, skipped: `${cli} is missing (build first)` };

    const db = new pg.Client({ connectionString: BENCH_PG_URL });
    await db.connect();
    let svc: ChildProcess | undefined;
    let host: ChildProcess | undefined;
    try {
      await db.query(`create table if not exists ${TABLE} (id int, t text)`);
      svc = spawn(process.execPath, [cli, 'service', 'start', '--host', '127.0.0.1', '--port', '0', '--data', join(o.scratch, 'service')], { stdio: ['ignore', 'pipe', 'ignore'] });
      const ready = JSON.parse(await new Promise<string>((resolve, reject) => {
        createInterface({ input: svc!.stdout! }).once('line', resolve);
        svc!.once('exit', (c) => reject(new Error(`the service exited with ${c} before it was ready`)));
      })) as { url: string; caCertFile: string; adminTokenFile: string };
      const arm = createManagementClient({ endpoint: ready.url, subscription: DEFAULT_SUBSCRIPTION, credential: tokenFileCredential(ready.adminTokenFile), caPem: readFileSync(ready.caCertFile, 'utf8') });
      await arm.factories.createOrUpdate(RG, F, { location: 'local' });
      await arm.integrationRuntimes.createOrUpdate(RG, F, 'gw', { properties: { type: 'SelfHosted' } });
      const cs = `Server=${pgUrl.hostname};Port=${pgUrl.port || 5432};Database=${pgUrl.pathname.slice(1)};UID=${decodeURIComponent(pgUrl.username)}`;
      await arm.linkedServices.createOrUpdate(RG, F, 'Pg', { properties: { type: 'PostgreSql', typeProperties: { connectionString: cs }, connectVia: { referenceName: 'gw', type: 'IntegrationRuntimeReference' } } } as never);
      await arm.datasets.createOrUpdate(RG, F, 'One', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, typeProperties: { table: TABLE } } } as never);
      await arm.pipelines.createOrUpdate(RG, F, 'Tiny', { properties: { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'One', type: 'DatasetReference' }], outputs: [{ referenceName: 'One', type: 'DatasetReference' }], typeProperties: { source: { type: 'PostgreSqlSource', query: "SELECT 1 AS id, 'x' AS t" }, sink: { type: 'PostgreSqlSink', preCopyScript: `DELETE FROM ${TABLE}` } } }] } } as never);

      const home = join(o.scratch, 'home');
      const env = { ...process.env, DMGW_HOME: home };
      const key = (await arm.integrationRuntimes.listAuthKeys(RG, F, 'gw')).authKey1!;
      const reg = spawnSync(process.execPath, [cli, 'register', '--key-stdin', '--node-name', 'bench'], { env, input: key, encoding: 'utf8' });
      if (reg.status !== 0) throw new Error(`dmgw register failed: ${reg.stderr}`);
      host = spawn(process.execPath, [cli, 'host'], { env, stdio: 'ignore' });
      const status = () => {
        try {
          return (JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')) as { status: string }).status;
        } catch {
          return undefined;
        }
      };
      for (let i = 0; i < 300 && status() !== 'Online'; i++) await sleep(100);
      if (status() !== 'Online') throw new Error('the host did not come Online within 30 s');

      const spawnMs: number[] = [];
      for (let i = 0; i < SPAWNS; i++) {
        const t0 = performance.now();
        spawnSync(process.execPath, [cli, '--version']);
        spawnMs.push(performance.now() - t0);
      }
      const pickup: number[] = [];
      for (let i = 0; i < runs; i++) {
        // let the host's next long poll be the one waiting
        await sleep(150);
        const enqueued = Date.now();
        const { runId } = await arm.pipelines.createRun(RG, F, 'Tiny');
        for (;;) {
          const r = await arm.pipelineRuns.get(RG, F, runId);
          if (['Succeeded', 'Failed', 'Cancelled'].includes(r.status!)) {
            if (r.status !== 'Succeeded') throw new Error(`run ${runId}: ${r.status} ${r.message}`);
            const acts = await arm.activityRuns.queryByPipelineRun(RG, F, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
            pickup.push(acts.value[0]!.activityRunStart!.getTime() - enqueued);
            break;
          }
          await sleep(20);
        }
        if ((i + 1) % 10 === 0) o.log(`  ${i + 1}/${runs} runs, p50 so far ${pct(pickup, 50)} ms`);
      }
      const ms = (name: string, v: number, role: 'baseline' | 'engine') => ({ name, role, seconds: v / 1000, rows: 0, bytes: 0 });
      report.measurements.push(
        ms(`CLI spawn p50 (${SPAWNS}×)`, pct(spawnMs, 50), 'baseline'),
        ms(`CLI spawn p95 (${SPAWNS}×)`, pct(spawnMs, 95), 'baseline'),
        ms(`pickup p50 (${runs} runs)`, pct(pickup, 50), 'engine'),
        ms(`pickup p95 (${runs} runs)`, pct(pickup, 95), 'engine'),
        ms('pickup max', Math.max(...pickup), 'engine'),
      );
      report.checks.push(below('pickup p95', pct(pickup, 95), TARGET_P95_MS, 'ms'));
      report.notes.push('"time s" is the latency; rows/s and MB/s do not apply here');
      return report;
    } finally {
      // the host is stopped first (while the service still answers it), each given 10 s before SIGKILL: a host left
      // running kept `npm run bench` from exiting
      await stop(host);
      await stop(svc);
      await db.query(`drop table if exists ${TABLE}`).catch(() => undefined);
      await db.end();
    }
  },
};
