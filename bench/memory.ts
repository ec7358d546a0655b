/**
 * Peak memory of the engine (`dmgw run` as a child process) in every mode — CSV/JSON × gzip or not × 1/4
 * partitions × validateDataConsistency on/off, into a folder and into Azure Blob Storage (a fresh Azurite
 * keeping blobs on disk, so the server's memory stays out of the way) — at a quarter of --rows and at --rows,
 * to show that memory does not grow with the table. Each run is sampled twice: the process's VmRSS/VmHWM from
 * /proc (harness.runMeasured) and, inside it, process.memoryUsage() (memorySampler.cjs), whose split at the
 * peak tells where the memory was: JS heap, Buffers (arrayBuffers ⊂ external) or native (the rest).
 * Target (docs/ARCHITECTURE.md, copy engine): peak RSS < 200 MB whatever the size.
 * DMGW_BENCH_MEMORY_MODES=<regex> runs only the modes whose name matches (e.g. "blob json").
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startAzurite } from '../test/support/azurite.js';
import { portOpen } from '../test/support/servers.js';
import { BENCH_PG_URL, ensureBenchTable, type BenchTable } from './benchTable.js';
import { blobBytes, CLI, engineEnv, folderBytes, runEngine } from './engineRun.js';
import { below, MB, type Benchmark, type BenchOptions, type BenchReport, type Check, type Measurement } from './harness.js';
import { allModes, MEMORY_CONTAINER, modeFolder, modeName, modePipeline, writeMemoryFactory, type MemoryMode } from './memoryFactory.js';
import { setBenchBlobConnection } from './pgCopyFactory.js';

const RSS_LIMIT_MB = 200;
/** RSS may differ by a few MB between runs of the same mode; more than this between sizes is growth */
const GROWTH_LIMIT_MB = 20;
const sampler = join(__dirname, '..', '..', 'bench', 'memorySampler.cjs');

interface Sampled {
  samples: number;
  vmHwm: number;
  peak: Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;
  atPeakRss: Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  summary: 'peak RSS of dmgw run per mode (CSV/JSON × gzip × 1/4 partitions × validation, file and blob sinks) at ¼ and all of --rows',
  async run(o: BenchOptions): Promise<BenchReport> {
    const url = new URL(BENCH_PG_URL);
    const sizes = [Math.round(o.rows / 4), o.rows];
    const filter = process.env.DMGW_BENCH_MEMORY_MODES ? new RegExp(process.env.DMGW_BENCH_MEMORY_MODES) : undefined;
    const modes = allModes().filter((m) => !filter || filter.test(modeName(m)));
    const report: BenchReport = { name: this.name, summary: this.summary, params: { rows: sizes.join('/'), modes: modes.length }, measurements: [], checks: [], notes: [] };
    if (!(await portOpen(Number(url.port || 5432), url.hostname))) return { ...report, skipped: `PostgreSQL is not reachable at ${url.host} (set DMGW_BENCH_PG_URL)` };
    if (!existsSync(CLI)) return { ...report, skipped: `${CLI} is missing (build first)` };

    const peaks = new Map<string, number[]>();
    for (const rows of sizes) {
      const table = await ensureBenchTable(rows, o.log);
      const factory = join(o.scratch, `factory-${rows}`);
      const fileRoot = join(o.scratch, 'files');
      mkdirSync(fileRoot, { recursive: true });
      const env = engineEnv(o.scratch, fileRoot);
      writeMemoryFactory({ dir: factory, table, pg: { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username) }, fileRoot });
      for (const mode of modes) {
        let m: Measurement;
        try {
          if (mode.sink === 'file') {
            const out = join(fileRoot, modeFolder(mode));
            rmSync(out, { recursive: true, force: true });
            try {
              m = await measure(factory, env, mode, table, o.scratch, async () => folderBytes(out));
            } finally {
              rmSync(out, { recursive: true, force: true });
            }
          } else {
            const location = join(o.scratch, 'azurite');
            rmSync(location, { recursive: true, force: true });
            mkdirSync(location, { recursive: true });
            const az = await startAzurite({ location });
            try {
              setBenchBlobConnection(factory, az.connectionString);
              m = await measure(factory, env, mode, table, o.scratch, () => blobBytes(az.connectionString, MEMORY_CONTAINER, `${modeFolder(mode)}/`));
            } finally {
              await az.stop();
              rmSync(location, { recursive: true, force: true });
            }
          }
        } catch (e) {
          const msg = `${modeName(mode)} @ ${rows}: ${e instanceof Error ? e.message : String(e)}`;
          report.notes.push(msg);
          o.log(`  ${msg}`);
          continue;
        }
        report.measurements.push(m);
        o.log(`  ${m.name}: ${m.seconds.toFixed(1)} s, peak RSS ${((m.peakRssBytes ?? 0) / MB).toFixed(0)} MB (${m.note})`);
        const list = peaks.get(modeName(mode)) ?? [];
        list.push((m.peakRssBytes ?? 0) / MB);
        peaks.set(modeName(mode), list);
      }
    }

    const checks: Check[] = [];
    for (const m of report.measurements) checks.push(below(`${m.name} peak RSS`, (m.peakRssBytes ?? 0) / MB, RSS_LIMIT_MB, 'MB'));
    for (const [mode, list] of peaks) if (list.length === 2) checks.push(below(`${mode}: growth ¼ → all of --rows`, list[1]! - list[0]!, GROWTH_LIMIT_MB, 'MB'));
    report.checks = checks;
    const summary = { rows: sizes, peakRssMB: Object.fromEntries([...peaks].map(([k, v]) => [k, v.map((x) => Math.round(x))])) };
    o.log(`peak RSS per mode (MB): ${JSON.stringify(summary)}`);
    return report;
  },
};

async function measure(factory: string, engine: NodeJS.ProcessEnv, mode: MemoryMode, table: BenchTable, scratch: string, outputBytes: () => Promise<number>): Promise<Measurement> {
  const samples = join(scratch, 'samples.json');
  rmSync(samples, { force: true });
  const env = { ...engine, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${sampler}`.trim(), DMGW_MEMORY_SAMPLES: samples };
  const r = await runEngine(factory, modePipeline(mode), env);
  const rows = r.output?.rowsCopied ?? 0;
  if (rows !== table.rows) throw new Error(`copied ${rows} rows of ${table.rows}`);
  const s = existsSync(samples) ? (JSON.parse(readFileSync(samples, 'utf8')) as Sampled) : undefined;
  const mb = (n: number) => (n / MB).toFixed(0);
  const split = s ? `at peak: heap ${mb(s.atPeakRss.heapUsed)}/${mb(s.atPeakRss.heapTotal)}, external ${mb(s.atPeakRss.external)} (arrayBuffers ${mb(s.atPeakRss.arrayBuffers)}); peaks: heapTotal ${mb(s.peak.heapTotal)}, external ${mb(s.peak.external)}; VmHWM ${mb(s.vmHwm)}` : 'no samples';
  return {
    name: `${modeName(mode)} @ ${table.rows}`,
    role: 'engine',
    seconds: r.seconds,
    rows,
    bytes: await outputBytes(),
    peakRssBytes: Math.max(r.peakRssBytes, s?.vmHwm ?? 0),
    note: split,
  };
}
