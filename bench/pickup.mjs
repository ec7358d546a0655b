// Job pickup latency: createRun (enqueue) → the worker has started the run (its activity-started event time), over
// N sequential runs against a real `dmgw service start` and one `dmgw host`, each run queued while the host's long
// poll is waiting. Baseline in the same run: spawning the bare CLI (`dmgw --version`), the floor any worker pays.
// Target (brief §5): p95 < 1 s. Needs the built CLI and PostgreSQL on 127.0.0.1:5432 (skips with a reason if down).
// Usage: node bench/pickup.mjs [--runs 50]   → prints a table and writes bench/results/pickup.json
import { DataFactoryManagementClient } from '@azure/arm-datafactory';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const RUNS = Number(values.runs);
const CLI = resolve(import.meta.dirname, '../dist/agent/cli.js');
const PG = process.env.DMGW_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

const pgUrl = new URL(PG);
const up = await new Promise((r) => { const s = connect(Number(pgUrl.port || 5432), pgUrl.hostname); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
if (!up) {
  console.log(`SKIP pickup: PostgreSQL is not reachable at ${pgUrl.host}`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

const dir = mkdtempSync(join(tmpdir(), 'dmgw-bench-pickup-'));
const svc = spawn(process.execPath, [CLI, 'service', 'start', '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'svc')], { stdio: ['ignore', 'pipe', 'ignore'] });
const ready = JSON.parse(await new Promise((r) => createInterface({ input: svc.stdout }).once('line', r)));
const cred = { getToken: async () => ({ token: readFileSync(ready.adminTokenFile, 'utf8').trim(), expiresOnTimestamp: Date.now() + 3600e3 }) };
const arm = new DataFactoryManagementClient(cred, 'bench', { endpoint: ready.url, tlsOptions: { ca: readFileSync(ready.caCertFile, 'utf8') } });
const rg = 'bench', f = 'pickup';
let host;
try {
  await arm.factories.createOrUpdate(rg, f, { location: 'local' });
  await arm.integrationRuntimes.createOrUpdate(rg, f, 'gw', { properties: { type: 'SelfHosted' } });
  await arm.linkedServices.createOrUpdate(rg, f, 'Pg', { properties: { type: 'PostgreSql', connectionString: `Server=${pgUrl.hostname};Port=${pgUrl.port || 5432};Database=${pgUrl.pathname.slice(1)};UID=${pgUrl.username}`, connectVia: { referenceName: 'gw', type: 'IntegrationRuntimeReference' } } });
  await arm.datasets.createOrUpdate(rg, f, 'One', { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'Pg', type: 'LinkedServiceReference' }, table: 'dmgw_bench_pickup' } });
  await arm.pipelines.createOrUpdate(rg, f, 'Tiny', { activities: [{ name: 'Copy', type: 'Copy', inputs: [{ referenceName: 'One', type: 'DatasetReference' }], outputs: [{ referenceName: 'One', type: 'DatasetReference' }], source: { type: 'PostgreSqlSource', query: "SELECT 1 AS id, 'x' AS t" }, sink: { type: 'PostgreSqlSink', preCopyScript: 'DELETE FROM dmgw_bench_pickup' } }] });
  spawnSync('psql', [PG, '-qc', 'create table if not exists dmgw_bench_pickup (id int, t text)']);
  const home = join(dir, 'home');
  const env = { ...process.env, DMGW_HOME: home };
  const key = (await arm.integrationRuntimes.listAuthKeys(rg, f, 'gw')).authKey1;
  const reg = spawnSync(process.execPath, [CLI, 'register', '--key-stdin', '--node-name', 'bench'], { env, input: key, encoding: 'utf8' });
  if (reg.status !== 0) throw new Error(reg.stderr);
  host = spawn(process.execPath, [CLI, 'host'], { env, stdio: 'ignore' });
  const hostStatus = () => {
    try {
      return JSON.parse(readFileSync(join(home, 'host-state.json'), 'utf8')).status;
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 300 && hostStatus() !== 'Online'; i++) await sleep(100);

  const spawnMs = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [CLI, '--version']);
    spawnMs.push(performance.now() - t0);
  }
  const pickup = [];
  for (let i = 0; i < RUNS; i++) {
    // let the host's next long poll be the one waiting
    await sleep(150);
    const enqueued = Date.now();
    const { runId } = await arm.pipelines.createRun(rg, f, 'Tiny');
    let started;
    for (;;) {
      const r = await arm.pipelineRuns.get(rg, f, runId);
      if (['Succeeded', 'Failed', 'Cancelled'].includes(r.status)) {
        if (r.status !== 'Succeeded') throw new Error(`run ${runId}: ${r.status} ${r.message}`);
        const acts = await arm.activityRuns.queryByPipelineRun(rg, f, runId, { lastUpdatedAfter: new Date(0), lastUpdatedBefore: new Date(Date.now() + 60_000) });
        started = acts.value[0].activityRunStart.getTime();
        break;
      }
      await sleep(20);
    }
    pickup.push(started - enqueued);
  }
  const result = {
    bench: 'pickup',
    runs: RUNS,
    pickupMs: { p50: pct(pickup, 50), p95: pct(pickup, 95), max: Math.max(...pickup) },
    baseline: { cliSpawnMs: { p50: Math.round(pct(spawnMs, 50)), p95: Math.round(pct(spawnMs, 95)) } },
    targetP95Ms: 1000,
    meetsTarget: pct(pickup, 95) < 1000,
  };
  console.log(`pickup (enqueue → worker started), ${RUNS} runs: p50 ${result.pickupMs.p50} ms, p95 ${result.pickupMs.p95} ms, max ${result.pickupMs.max} ms (target p95 < 1000 ms: ${result.meetsTarget ? 'met' : 'MISSED'})`);
  console.log(`baseline: spawning the CLI p50 ${result.baseline.cliSpawnMs.p50} ms, p95 ${result.baseline.cliSpawnMs.p95} ms`);
  mkdirSync(resolve(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(resolve(import.meta.dirname, 'results/pickup.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  host?.kill('SIGTERM');
  svc.kill('SIGTERM');
  spawnSync('psql', [PG, '-qc', 'drop table if exists dmgw_bench_pickup']);
}
