/**
 * The fault campaign: randomized trials of partitioned copies (PostgreSQL → blob in Azurite, MariaDB → PostgreSQL)
 * run by the real service replicas, host and workers of a SoakRig, each hit by one fault at a random moment while
 * its worker copies. Every trial checks, whatever the fault:
 * - the sink equals the source exactly: row count and an MD5 over all rows in id order (a run executed twice would
 *   leave its rows twice: each trial writes a fresh table or folder, with no preCopyScript);
 * - the run reached one final state once: Succeeded, the same on a second read after the dust settled, and exactly
 *   one job row for it in the store, done;
 * - nothing staged is left: no staging table in the sink schema, no uncommitted blob block under the trial's folder.
 */
import { createHash } from 'node:crypto';
import { F, RESOURCE_GROUP, sleep, until, type SoakNode, type SoakRig } from './rig.js';

export const FAULT_KINDS = ['kill-worker', 'kill-host', 'kill-replica', 'cut-source', 'stall-source', 'cut-sink', 'stall-sink', 'cut-channel', 'stall-channel'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Pair = 'pg-blob' | 'maria-pg';

/** A small seeded PRNG (mulberry32): the same seed gives the same trials. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrialResult {
  trial: number;
  kind: FaultKind;
  pair: Pair;
  parallelCopies: number;
  /** ms after the worker started that the fault was injected */
  atMs: number;
  /** connections the cut broke / how long the stall lasted / the process killed */
  landed: string;
  status?: string;
  message?: string;
  jobAttempts?: number;
  sinkRows?: number;
  sinkEqual: boolean;
  finalOnce: boolean;
  leftovers: string[];
  ok: boolean;
  error?: string;
  seconds: number;
}

export interface FaultCampaign {
  seed: number;
  rows: number;
  trials: TrialResult[];
  byKind: Record<string, { trials: number; failures: number }>;
  failures: number;
  seconds: number;
}

const summarySql = (table: string) => `select count(*)::int as n, coalesce(md5(string_agg(id || ':' || t, ',' order by id)), '') as sum from ${table}`;
const digest = (rows: Array<[number, string]>) => ({ n: rows.length, sum: rows.length ? createHash('md5').update(rows.map(([id, t]) => `${id}:${t}`).join(',')).digest('hex') : '' });

/** The campaign's source tables: `rows` rows (id, md5(id)) in PostgreSQL and in MariaDB; returns their digest. */
export async function prepareSources(rig: SoakRig, rows: number): Promise<{ n: number; sum: string }> {
  await rig.db.query(`create table ${rig.name}.src as select g as id, md5(g::text) as t from generate_series(1, ${rows}) g; alter table ${rig.name}.src add primary key (id)`);
  await rig.maria!.query(`USE \`${rig.name}\`; CREATE TABLE src (id bigint primary key, t text) AS SELECT seq AS id, md5(seq) AS t FROM seq_1_to_${rows}`);
  const expected = (await rig.db.query<{ n: number; sum: string }>(summarySql(`${rig.name}.src`))).rows[0]!;
  const pgDs = (table: string) => ({ properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'PgSource', type: 'LinkedServiceReference' }, typeProperties: { schema: rig.name, table } } as never });
  await rig.arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'PgSrc', pgDs('src'));
  await rig.arm.datasets.createOrUpdate(RESOURCE_GROUP, F, 'MariaSrc', { properties: { type: 'MariaDBTable', linkedServiceName: { referenceName: 'MariaSource', type: 'LinkedServiceReference' }, typeProperties: { tableName: '`src`' } } as never });
  await rig.blobs.getContainerClient('soak').createIfNotExists();
  return expected;
}

/** The trial's sink dataset and one-Copy pipeline `Trial<i>`. */
async function preparePipeline(rig: SoakRig, i: number, pair: Pair, parallelCopies: number): Promise<void> {
  const { arm } = rig;
  const out = `Out${i}`;
  if (pair === 'maria-pg') {
    await rig.db.query(`create table ${rig.name}.dst_${i} (id bigint, t text)`);
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, out, { properties: { type: 'PostgreSqlTable', linkedServiceName: { referenceName: 'PgSink', type: 'LinkedServiceReference' }, typeProperties: { schema: rig.name, table: `dst_${i}` } } as never });
  } else {
    await arm.datasets.createOrUpdate(RESOURCE_GROUP, F, out, { properties: { type: 'DelimitedText', linkedServiceName: { referenceName: 'BlobSink', type: 'LinkedServiceReference' }, typeProperties: { location: { type: 'AzureBlobStorageLocation', container: 'soak', folderPath: `t${i}` }, firstRowAsHeader: true } } as never });
  }
  const source = pair === 'maria-pg' ? { type: 'MariaDBSource' } : { type: 'PostgreSqlSource' };
  await arm.pipelines.createOrUpdate(RESOURCE_GROUP, F, `Trial${i}`, {
    activities: [
      {
        name: 'Copy',
        type: 'Copy',
        inputs: [{ referenceName: pair === 'maria-pg' ? 'MariaSrc' : 'PgSrc', type: 'DatasetReference' }],
        outputs: [{ referenceName: out, type: 'DatasetReference' }],
        typeProperties: { source: { ...source, partitionOption: 'DynamicRange', partitionSettings: { partitionColumnName: 'id' } }, sink: pair === 'maria-pg' ? { type: 'PostgreSqlSink' } : { type: 'DelimitedTextSink' }, parallelCopies },
      },
    ] as never,
  });
}

/** What the trial's sink holds: count and digest, as the source's. */
async function sinkDigest(rig: SoakRig, i: number, pair: Pair): Promise<{ n: number; sum: string }> {
  if (pair === 'maria-pg') return (await rig.db.query<{ n: number; sum: string }>(summarySql(`${rig.name}.dst_${i}`))).rows[0]!;
  const c = rig.blobs.getContainerClient('soak');
  const rows: Array<[number, string]> = [];
  for await (const b of c.listBlobsFlat({ prefix: `t${i}/` })) {
    const text = (await c.getBlockBlobClient(b.name).downloadToBuffer()).toString('utf8');
    for (const line of text.split(/\r?\n/)) {
      if (!line || line === 'id,t') continue;
      const [id, t] = line.split(',');
      rows.push([Number(id), t!]);
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  return digest(rows);
}

/** Staged things left for the trial: staging tables of its target, uncommitted blocks under its folder. */
async function leftovers(rig: SoakRig, i: number, pair: Pair): Promise<string[]> {
  const left: string[] = [];
  if (pair === 'maria-pg') {
    const r = await rig.db.query<{ relname: string }>(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like 'dmgw\\_stage\\_%'`, [rig.name]);
    left.push(...r.rows.map((x) => `staging table ${x.relname}`));
  } else {
    const c = rig.blobs.getContainerClient('soak');
    for await (const b of c.listBlobsFlat({ prefix: `t${i}/`, includeUncommitedBlobs: true })) {
      const list = await c.getBlockBlobClient(b.name).getBlockList('uncommitted').catch(() => undefined);
      const n = list?.uncommittedBlocks?.length ?? 0;
      if (n) left.push(`${n} uncommitted blocks of ${b.name}`);
    }
  }
  return left;
}

/** The node whose worker runs `runId`, once it has one. */
async function runningOn(rig: SoakRig, runId: string): Promise<{ node: SoakNode; workerPid: number }> {
  return until(`a worker for run ${runId}`, () => {
    for (const node of rig.nodes) {
      const j = rig.hostState(node)?.runningJobs.find((x) => x.runId === runId && x.workerPid);
      if (j) return { node, workerPid: j.workerPid! };
    }
    return undefined;
  }, 120_000, 50);
}

async function stall(proxy: { setPlan(p: { delayMs?: number }): void }, ms: number): Promise<string> {
  proxy.setPlan({ delayMs: ms });
  await sleep(ms);
  proxy.setPlan({});
  return `stalled ${ms} ms`;
}

async function inject(rig: SoakRig, kind: FaultKind, pair: Pair, node: SoakNode, workerPid: number, rnd: () => number, forcedStallMs?: number): Promise<string> {
  const source = pair === 'maria-pg' ? rig.mariaSource : rig.pgSource;
  const sink = pair === 'maria-pg' ? rig.pgSink : rig.blobSink;
  const stallMs = forcedStallMs ?? 2000 + Math.floor(rnd() * 6000);
  switch (kind) {
    case 'kill-worker':
      try {
        process.kill(workerPid, 'SIGKILL');
        return `worker ${workerPid} killed`;
      } catch {
        return `worker ${workerPid} already gone`;
      }
    case 'kill-host':
      await rig.killHost(node);
      await sleep(500);
      rig.startHost(node);
      return `host of ${node.name} killed and started again`;
    case 'kill-replica':
      await rig.killReplica(0);
      await sleep(1000);
      await rig.restartReplica(0);
      return 'replica A killed and started again';
    case 'cut-source':
      return `${source.cutNow(rnd() < 0.5)} source connections cut`;
    case 'cut-sink':
      return `${sink.cutNow(rnd() < 0.5)} sink connections cut`;
    case 'cut-channel':
      return `${rig.channel.cutNow(rnd() < 0.5)} channel connections cut`;
    case 'stall-source':
      return stall(source, stallMs);
    case 'stall-sink':
      return stall(sink, stallMs);
    case 'stall-channel':
      return stall(rig.channel, stallMs);
  }
}

/** What a test fixes instead of drawing it (a deterministic trial): the pair, the moment, the stall's length. */
export interface ForcedTrial {
  pair: Pair;
  atMs: number;
  stallMs?: number;
}

export async function runTrial(rig: SoakRig, i: number, kind: FaultKind, rnd: () => number, expected: { n: number; sum: string }, force?: ForcedTrial): Promise<TrialResult> {
  const t0 = Date.now();
  const pair: Pair = force?.pair ?? (rnd() < 0.5 ? 'pg-blob' : 'maria-pg');
  const parallelCopies = 2 + Math.floor(rnd() * 3);
  const atMs = force?.atMs ?? Math.floor(rnd() * 1500);
  const r: TrialResult = { trial: i, kind, pair, parallelCopies, atMs, landed: '', sinkEqual: false, finalOnce: false, leftovers: [], ok: false, seconds: 0 };
  try {
    await preparePipeline(rig, i, pair, parallelCopies);
    const { runId } = await rig.arm.pipelines.createRun(RESOURCE_GROUP, F, `Trial${i}`);
    const { node, workerPid } = await runningOn(rig, runId);
    await sleep(atMs);
    r.landed = await inject(rig, kind, pair, node, workerPid, rnd, force?.stallMs);
    const run = await until(`run ${runId} to end`, async () => {
      const x = await rig.arm.pipelineRuns.get(RESOURCE_GROUP, F, runId);
      return ['Succeeded', 'Failed', 'Cancelled'].includes(x.status!) ? x : undefined;
    }, 300_000, 250);
    r.status = run.status;
    r.message = run.message || undefined;
    // the final state stays: read again once the other replica, the host's retries and the cleanup had their say
    await sleep(2000);
    const again = await until('the run read again', () => rig.arm.pipelineRuns.get(RESOURCE_GROUP, F, runId));
    const jobs = (await rig.db.query<{ status: string; attempt: number }>(`select status, attempt from ${rig.store}.jobs where run_id = $1`, [runId])).rows;
    r.jobAttempts = jobs[0]?.attempt;
    r.finalOnce = again.status === run.status && again.runEnd?.getTime() === run.runEnd?.getTime() && jobs.length === 1 && jobs[0]!.status === 'done';
    const got = await sinkDigest(rig, i, pair);
    r.sinkRows = got.n;
    r.sinkEqual = got.n === expected.n && got.sum === expected.sum;
    // a killed worker's leftovers are its host's to remove, soon after: give it a while
    r.leftovers = await leftovers(rig, i, pair);
    const deadline = Date.now() + 30_000;
    while (r.leftovers.length && Date.now() < deadline) {
      await sleep(1000);
      r.leftovers = await leftovers(rig, i, pair);
    }
    r.ok = r.status === 'Succeeded' && r.sinkEqual && r.finalOnce && r.leftovers.length === 0;
  } catch (e) {
    r.error = (e as Error).message;
  }
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

/** `trials` trials; the fault kinds take turns (in an order shuffled by the seed), so each kind gets its share. */
export async function runFaultCampaign(rig: SoakRig, o: { seed: number; trials: number; rows: number; log: (l: string) => void }): Promise<FaultCampaign> {
  const t0 = Date.now();
  const rnd = prng(o.seed);
  const expected = await prepareSources(rig, o.rows);
  const order = [...FAULT_KINDS].sort(() => rnd() - 0.5);
  const trials: TrialResult[] = [];
  for (let i = 0; i < o.trials; i++) {
    const kind = order[i % order.length]!;
    const r = await runTrial(rig, i, kind, rnd, expected);
    trials.push(r);
    o.log(`trial ${i + 1}/${o.trials} ${kind} ${r.pair} ×${r.parallelCopies} at ${r.atMs} ms (${r.landed}): ${r.ok ? 'ok' : 'FAILED'} ${r.status ?? ''} rows ${r.sinkRows ?? '?'}/${expected.n} attempts ${r.jobAttempts ?? '?'} ${r.seconds.toFixed(1)} s${r.ok ? '' : ` — ${r.error ?? r.message ?? ''} ${r.sinkEqual ? '' : 'sink differs'} ${r.finalOnce ? '' : 'final state not once'} ${r.leftovers.join('; ')}`}`);
  }
  const byKind: FaultCampaign['byKind'] = {};
  for (const t of trials) {
    const k = (byKind[t.kind] ??= { trials: 0, failures: 0 });
    k.trials++;
    if (!t.ok) k.failures++;
  }
  return { seed: o.seed, rows: expected.n, trials, byKind, failures: trials.filter((t) => !t.ok).length, seconds: (Date.now() - t0) / 1000 };
}
